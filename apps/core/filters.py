"""List filters: one FilterSet per list, shared by the HTML page and the API, that refuses what it cannot read.

django-filter's own fields are lenient where it hurts: its BooleanFilter turns `overdue=maybe` into "no filter",
its number and date fields accept full-width digits (Python's int() and strptime do), and a CharFilter passes
ESC or other control characters through to PostgreSQL (a NUL makes psycopg2 raise, a 500). The filters here read
ASCII only, refuse unknown values with a stable code from the message catalogue, and never build a date that
does not exist (a month's end is computed, not assumed).

- The API: `FilterBackend` (settings DEFAULT_FILTER_BACKENDS) answers 400 `invalid_filter`, each refused field
  named in `fields` with its own code.
- The HTML lists: `bind(FilterSetClass, request, queryset)` returns the bound FilterSet; its `qs` drops the
  refused filters and `filter_errors` (for templates/includes/filter_errors.html) says what was ignored."""
import datetime as dt
import re

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django_filters import rest_framework as drf_filters
from drf_spectacular.utils import extend_schema_field

from .errors import DomainError
from .messages import MESSAGES, message

# Dates a filter may name: wide enough for any loan, narrow enough that the arithmetic done around a filtered day
# or month (a month's end, a 90-day chart window) never leaves Python's date range (year 1 to 9999).
FILTER_YEARS = range(1900, 3000)
TEXT_MAX_LENGTH = 100  # a name, a contract number or an ID number; longer is not a search
# C0/C1 control characters (NUL, ESC, …) and DEL; tab and line breaks are no more welcome in a one-line filter.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def refuse_control_characters(value) -> None:
    if isinstance(value, str) and CONTROL_CHARACTERS.search(value):
        raise ValidationError(message("control_characters"), code="control_characters")


def _code(django_code: str | None) -> str:
    """A form error's code as a catalogue code (Django's own codes for the checks it makes itself)."""
    code = {"max_length": "filter_too_long", "null_characters_not_allowed": "control_characters"}.get(django_code, django_code)
    return code if code in MESSAGES else "invalid_filter"


def _fail(code: str):
    return ValidationError(message(code), code=code)


class TextField(forms.CharField):
    """Free text: at most TEXT_MAX_LENGTH characters, no control characters (NUL included: one code for all)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", TEXT_MAX_LENGTH)
        super().__init__(*args, **kwargs)
        self.validators = [v for v in self.validators if not isinstance(v, ProhibitNullCharactersValidator)]
        self.validators.insert(0, refuse_control_characters)


class PatternField(forms.CharField):
    """A value of a known ASCII shape (`pattern`), e.g. a region code prefix."""

    def __init__(self, *args, pattern: str, code: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.pattern, self.code = re.compile(pattern), code

    def to_python(self, value):
        value = super().to_python(value)
        if value and not self.pattern.fullmatch(value):
            raise _fail(self.code)
        return value


def parse_day(value) -> dt.date:
    """YYYY-MM-DD in ASCII digits, a real calendar day in FILTER_YEARS, else ValidationError `filter_date_invalid`."""
    value = str(value).strip()
    try:
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
            raise ValueError(value)
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise _fail("filter_date_invalid") from None
    if day.year not in FILTER_YEARS:
        raise _fail("filter_date_invalid")
    return day


class StrictDateField(forms.DateField):
    """A day (parse_day): 2024-02-30, 'abc' or ２０２４-01-01 are refused, not 500."""

    def to_python(self, value):
        return None if value in self.empty_values else parse_day(value)


class MonthField(forms.Field):
    """YYYY-MM → (first day, first day of the next month). A month whose end is not a date (9999-12) is refused."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        match = re.fullmatch(r"([0-9]{4})-([0-9]{2})", str(value).strip())
        try:
            year, month = int(match[1]), int(match[2])
            if year not in FILTER_YEARS:
                raise ValueError(year)
            return dt.date(year, month, 1), dt.date(year + month // 12, month % 12 + 1, 1)
        except (TypeError, ValueError):
            raise _fail("filter_month_invalid") from None


class StrictBooleanField(forms.Field):
    """true/false (the API) or 1/0 (the HTML selects); anything else is refused, not read as "no filter"."""

    VALUES = {"true": True, "1": True, "false": False, "0": False}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return self.VALUES[str(value).strip().lower()]
        except KeyError:
            raise _fail("filter_boolean_invalid") from None

    def validate(self, value):
        pass  # None (not given) is fine


class IdField(forms.Field):
    """A positive database id in ASCII digits, within PostgreSQL's bigint."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        value = str(value).strip()
        if not re.fullmatch(r"[0-9]{1,19}", value) or not 0 < int(value) < 2**63:
            raise _fail("filter_number_invalid")
        return int(value)


def query_id(params, name: str) -> int | None:
    """An object id named in a query string (`?household=12`), or None when absent or not an id."""
    try:
        return IdField(required=False).clean(params.get(name))
    except ValidationError:
        return None


@extend_schema_field({"type": "string", "maxLength": TEXT_MAX_LENGTH})
class CharFilter(django_filters.CharFilter):
    field_class = TextField


class DateFilter(django_filters.DateFilter):
    field_class = StrictDateField


class BooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": 2**63 - 1})
class IdFilter(django_filters.Filter):
    field_class = IdField


class ChoiceFilter(django_filters.ChoiceFilter):
    """A closed set of values; anything else is `invalid_choice` (a code the catalogue has)."""


@extend_schema_field({"type": "string", "pattern": "^[0-9]{1,12}$"})
class RegionCodeFilter(django_filters.CharFilter):
    """A region code prefix: up to 12 ASCII digits (9 = a township, 12 = a village)."""

    field_class = PatternField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("pattern", r"[0-9]{1,12}")
        kwargs.setdefault("code", "filter_region_code_invalid")
        kwargs.setdefault("lookup_expr", "startswith")
        super().__init__(*args, **kwargs)


@extend_schema_field({"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$", "example": "2024-06"})
class MonthFilter(django_filters.Filter):
    field_class = MonthField

    def filter(self, qs, value):
        if not value:
            return qs
        start, end = value
        return qs.filter(**{f"{self.field_name}__gte": start, f"{self.field_name}__lt": end})


class FilterSet(drf_filters.FilterSet):
    """Every list's FilterSet derives from this one: no CharFilter of django-filter's slips in unchecked."""

    @classmethod
    def filter_for_lookup(cls, field, lookup_type):
        filter_class, params = super().filter_for_lookup(field, lookup_type)
        if filter_class is django_filters.CharFilter or filter_class is drf_filters.CharFilter:
            filter_class = CharFilter
        return filter_class, params

    def refused(self) -> dict[str, list[str]]:
        """{field: [catalogue codes]} of the values this FilterSet refused."""
        return refused(self.form) if self.is_bound else {}

    @property
    def filter_errors(self) -> list[dict]:
        return filter_errors(self.form) if self.is_bound else []


def refused(form) -> dict[str, list[str]]:
    """{field: [catalogue codes]} of the values a bound form (a FilterSet's, or a page's query form) refused."""
    return {name: [_code(e.code) for e in errors] for name, errors in form.errors.as_data().items()}


def filter_errors(form) -> list[dict]:
    """For templates/includes/filter_errors.html: one line per refused parameter (the value was ignored)."""
    return [{"field": name, "label": form.fields[name].label if name in form.fields else name,
             "messages": [message(c) for c in codes]} for name, codes in refused(form).items()]


def bind(filterset_class, request, queryset) -> FilterSet:
    """The HTML list's FilterSet, bound to the query string (`page` and other unknown keys are not filters)."""
    return filterset_class(request.GET, queryset=queryset, request=request)


class FilterBackend(drf_filters.DjangoFilterBackend):
    """The API: a refused filter value is a 400 `invalid_filter` naming each field, never silently ignored."""

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        problems = filterset.refused()
        # An HTML form sends its unused filters empty, and the pages ignore them; a program names only the filters it
        # means, so an empty one is a mistake (the schema's patterns and formats do not admit "").
        for name in filterset.filters:
            if name in request.query_params and not request.query_params[name].strip():
                problems.setdefault(name, ["filter_empty"])
        if problems:
            raise DomainError("invalid_filter", fields=problems)
        return filterset.qs

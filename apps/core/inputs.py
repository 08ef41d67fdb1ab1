"""What every form and serializer field reads, made strict once for the whole project (CoreConfig.ready).

- Numbers and dates in ASCII digits only. Python's int(), float(), Decimal() and strptime, and Django's date
  regex (`\\d`), accept every Unicode decimal digit ("１２" == 12, "١٢" == 12, "２０２４-07-01"), and so do the number
  and date fields of Django forms and of DRF serializers built on them: a bank system or a form could post "１２"
  and have it stored as 12, though nothing else in the platform (exports, reconciliation with the bank's core
  system, search) reads such digits. A value with any non-ASCII character is "invalid".
- No digit-group underscores either: Python reads "1_000" as 1000, a careless entry no bank system would send.
- Text is text: a JSON number or boolean sent for a text field is refused, not turned into "0" or "True".
- Text without control characters. Django and DRF refuse NUL in a CharField already; ESC, backspace and the other
  C0/C1 controls are refused the same way (code `control_characters`); tab and line breaks stay allowed in text.

Patching the field classes (not a base class per serializer) reaches every field, generated ones (ModelSerializer,
the admin) and those added later included. ID numbers are text: they keep accepting full-width digits, normalised
(core.idnumber)."""
import re

from django import forms
from django.core.exceptions import ValidationError
from rest_framework import serializers

from .messages import message

# C0/C1 controls (tab and line breaks allowed), and the invisible format characters that make a name print or sort
# as something else: soft hyphen, zero-width space/joiners, bidirectional overrides and isolates, word joiner, BOM.
TEXT_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\xad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def _not_ascii(value) -> bool:
    return isinstance(value, str) and (not value.isascii() or "_" in value)


def _wrap(cls, name: str, check) -> None:
    original = vars(cls)[name]
    if getattr(original, "strict_input", False):
        return

    def strict(self, value):
        check(self, value)
        return original(self, value)

    strict.strict_input = True
    setattr(cls, name, strict)


def _form_ascii(field, value):
    if _not_ascii(value):
        raise ValidationError(field.error_messages["invalid"], code="invalid")


def _serializer_ascii(field, value):
    if _not_ascii(value):  # the date fields' "invalid" message names the expected format
        field.fail("invalid", format="YYYY-MM-DDThh:mm" if isinstance(field, serializers.DateTimeField) else "YYYY-MM-DD")


def _form_text(field, value):
    if isinstance(value, str) and TEXT_CONTROL_CHARACTERS.search(value):
        raise ValidationError(message("control_characters"), code="control_characters")


def _serializer_text(field, value):
    if not isinstance(value, str):  # DRF turns 0 into "0": JSON that says a number where the schema says text is a mistake
        field.fail("invalid")
    if TEXT_CONTROL_CHARACTERS.search(value):
        raise serializers.ValidationError(message("control_characters"), code="control_characters")


def install() -> None:
    for cls in (forms.IntegerField, forms.DecimalField, forms.FloatField, forms.DateField, forms.DateTimeField):
        _wrap(cls, "to_python", _form_ascii)
    for cls in (serializers.IntegerField, serializers.DecimalField, serializers.FloatField, serializers.DateField,
                serializers.DateTimeField):
        _wrap(cls, "to_internal_value", _serializer_ascii)
    _wrap(forms.CharField, "to_python", _form_text)
    _wrap(serializers.CharField, "to_internal_value", _serializer_text)

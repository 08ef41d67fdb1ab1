import datetime as dt

from django.core.exceptions import ObjectDoesNotExist

from .models import CountyPolicy, InterestRate, Level, Region


def county_of(code: str) -> Region | None:
    return Region.objects.filter(code=code[:6] + "000000", level=Level.COUNTY).first()


def policy_for(county_code: str, on: dt.date) -> CountyPolicy:
    """The policy row in force for the county on the given day; the defaults if none was entered."""
    county_code = county_code[:6] + "000000"
    row = (
        CountyPolicy.objects.filter(county__code=county_code, effective_on__lte=on)
        .order_by("-effective_on")
        .first()
    )
    if row is None:
        county = Region.objects.filter(code=county_code).first()
        row = CountyPolicy(county=county, effective_on=on)  # unsaved: model defaults
    return row


def policies_in_force(prefix: str, on: dt.date) -> dict[str, CountyPolicy]:
    """`policy_for` for every county under `prefix` at once (two queries, not one per county): {12-digit county
    code: the row in force on `on`, or an unsaved row of model defaults}."""
    counties = {r.code: r for r in Region.objects.filter(level=Level.COUNTY, code__startswith=prefix[:6])}
    rows = (CountyPolicy.objects.filter(county__code__in=list(counties), effective_on__lte=on)
            .select_related("county").order_by("county__code", "-effective_on"))
    found: dict[str, CountyPolicy] = {}
    for row in rows:
        found.setdefault(row.county.code, row)
    return {code: found.get(code) or CountyPolicy(county=county, effective_on=on) for code, county in counties.items()}


def rate_on(on: dt.date, kind: str | None = None) -> InterestRate:
    qs = InterestRate.objects.filter(effective_on__lte=on)
    if kind:
        qs = qs.filter(kind=kind)
    row = qs.order_by("-effective_on").first()
    if row is None:
        raise ObjectDoesNotExist(f"no interest rate in force on {on}")
    return row


def villages_under(prefix: str):
    return Region.objects.filter(level=Level.VILLAGE, code__startswith=prefix, active=True)

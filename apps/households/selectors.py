import datetime as dt

from django.db.models import Q

from apps.core import idnumber
from apps.core.dates import add_years

from .models import Household, Member


def household_list(actor, *, q: str = "", village: str = "", status: str = "", grade: str = "",
                   rating_due_on: dt.date | None = None):
    """Households the actor may see, filtered. `q` matches the head's name by prefix, or an ID number
    (full, or a prefix of at least 6 characters); `village` is a code prefix inside the actor's scope."""
    qs = household_search(Household.objects.visible_to(actor), q)
    if village:
        qs = qs.filter(region_code__startswith=village)
    if status:
        qs = qs.filter(status=status)
    if grade:
        qs = qs.filter(credit_grade=("" if grade == "none" else grade))
    if rating_due_on:
        qs = qs.filter(Q(rated_on__isnull=True) | Q(rated_on__lte=add_years(rating_due_on, -1)))
    return qs


def household_search(qs, q: str):
    """Name by prefix (uses the name index), or ID number: a full 18-character number also finds the
    household of a member; 6 or more leading digits match heads' IDs by prefix."""
    q = (q or "").strip()
    if not q:
        return qs
    norm = idnumber.normalize(q)
    if len(norm) >= 6 and norm[:6].isdigit():
        if len(norm) == 18:
            return qs.filter(Q(head_id_number=norm) | Q(pk__in=Member.objects.filter(id_number=norm).values("household_id")))
        return qs.filter(head_id_number__startswith=norm)
    return qs.filter(head_name__startswith=q)


def household_get(actor, pk: int) -> Household:
    return (
        Household.objects.visible_to(actor)
        .select_related("village", "village__parent", "village__parent__parent")
        .get(pk=pk)
    )

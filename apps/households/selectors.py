import datetime as dt
from functools import reduce
from operator import or_

from django.db.models import Q

from apps.core import idnumber
from apps.regions.models import CountyPolicy
from apps.regions.selectors import policies_in_force

from .models import Household, Member
from .policy import rating_due_cutoff


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
    if rating_due_on and getattr(actor, "scope_prefix", None) is not None:
        qs = qs.filter(rating_due_q(narrowest(actor.scope_prefix, village), rating_due_on))
    return qs


def narrowest(scope: str | None, village: str) -> str:
    """The longer of the actor's scope and the place filter when one contains the other (else the scope: the two
    together match nothing anyway)."""
    scope = scope or ""
    return village if village and village.startswith(scope) else scope


def rating_due_q(prefix: str, today: dt.date) -> Q:
    """Households whose credit rating is due on `today`: never rated, or rated at least their county's re-rating
    interval ago (CountyPolicy.rerating_months), each county under `prefix` with its own interval."""
    default = CountyPolicy._meta.get_field("rerating_months").default
    by_county = {code[:6]: pol.rerating_months for code, pol in policies_in_force(prefix, today).items()}
    if len(prefix) >= 6:  # one county: its own interval, no per-county condition
        return Q(rated_on__isnull=True) | Q(rated_on__lte=rating_due_cutoff(today, by_county.get(prefix[:6], default)))
    special = {code: m for code, m in by_county.items() if m != default}
    cond = Q(rated_on__isnull=True)
    rest = Q(rated_on__lte=rating_due_cutoff(today, default))
    if special:
        rest &= ~reduce(or_, (Q(region_code__startswith=code) for code in special))
    cond |= rest
    for months in sorted(set(special.values())):
        codes = [code for code, m in special.items() if m == months]
        cond |= Q(rated_on__lte=rating_due_cutoff(today, months)) & reduce(or_, (Q(region_code__startswith=c) for c in codes))
    return cond


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

"""Writes to the register. Every write checks capability, scope and the rules, then records an event."""
import datetime as dt
from decimal import Decimal

from django.db import IntegrityError, models, transaction
from django.utils import timezone

from apps.core import idnumber
from apps.core.errors import DomainError
from apps.regions.models import Level, Region
from apps.regions.policy import credit_grade
from apps.regions.selectors import policy_for

from . import policy
from .models import CreditRating, Household, HouseholdEvent, Member, Relation, ScorecardItem

HOUSEHOLD_FIELDS = ("head_name", "head_id_number", "status", "national_no", "phone", "address", "size",
                    "labour_count", "annual_income", "industry")


def _require(actor, capability):
    if not actor.can(capability):
        raise DomainError("permission_denied", status=403)


def _village_in_scope(actor, village: Region) -> None:
    prefix = actor.scope_prefix
    if village is None or village.level != Level.VILLAGE:
        raise DomainError("household_village_unknown", fields={"village": ["household_village_unknown"]})
    if prefix is None or not village.code.startswith(prefix):
        raise DomainError("household_village_out_of_scope", fields={"village": ["household_village_out_of_scope"]})


def _check(data: dict, members: list[dict], today: dt.date, exclude_household: int | None = None) -> None:
    data["head_id_number"] = idnumber.normalize(data.get("head_id_number", ""))
    problems = policy.household_problems(
        head_name=data.get("head_name", ""), head_id_number=data["head_id_number"], status=data.get("status"),
        phone=data.get("phone", ""), size=data.get("size"), labour_count=data.get("labour_count"), today=today,
    )
    seen = {data["head_id_number"]}
    for idx, m in enumerate(members):
        m["id_number"] = idnumber.normalize(m.get("id_number", ""))
        if codes := policy.id_problems(m["id_number"], today):
            problems[f"members.{idx}.id_number"] = codes
        elif m["id_number"] in seen:
            problems[f"members.{idx}.id_number"] = ["id_number_duplicate_in_file"]
        seen.add(m["id_number"])
        if not (m.get("name") or "").strip():
            problems[f"members.{idx}.name"] = ["household_field_missing"]
        if m.get("relation") == Relation.HEAD:
            problems[f"members.{idx}.relation"] = ["household_member_head_twice"]
    # An ID number exists once in the whole system.
    taken = Member.objects.filter(id_number__in=seen)
    if exclude_household:
        taken = taken.exclude(household_id=exclude_household)
    for number in taken.values_list("id_number", flat=True):
        if number == data["head_id_number"]:
            problems.setdefault("head_id_number", []).append("id_number_taken")
        for idx, m in enumerate(members):
            if m["id_number"] == number:
                problems.setdefault(f"members.{idx}.id_number", []).append("id_number_taken")
    if data.get("national_no"):
        dup = Household.objects.filter(national_no=data["national_no"])
        if exclude_household:
            dup = dup.exclude(pk=exclude_household)
        if dup.exists():
            problems["national_no"] = ["household_national_no_taken"]
    if problems:
        first = next(iter(problems.values()))[0]
        raise DomainError(first, fields=problems)


def _snapshot(h: Household) -> dict:
    return {f: str(getattr(h, f)) if getattr(h, f) is not None else None for f in HOUSEHOLD_FIELDS} | {
        "village": h.village.code
    }


@transaction.atomic
def household_create(actor, *, village: Region, members: list[dict] | None = None, today: dt.date | None = None,
                     **data) -> Household:
    _require(actor, "household.edit")
    _village_in_scope(actor, village)
    today = today or timezone.localdate()
    members = [dict(m) for m in (members or [])]
    _check(data, members, today)
    household = Household(village=village, region_code=village.code, created_by=actor,
                          **{k: v for k, v in data.items() if k in HOUSEHOLD_FIELDS and v is not None})
    try:
        with transaction.atomic():
            household.save()
            Member.objects.create(household=household, name=household.head_name, id_number=household.head_id_number,
                                  relation=Relation.HEAD, phone=household.phone)
            Member.objects.bulk_create(
                [Member(household=household, **{k: m[k] for k in ("name", "id_number", "relation", "labour_capacity", "phone") if k in m})
                 for m in members]
            )
    except IntegrityError:  # lost a race against another writer of the same ID
        raise DomainError("id_number_taken", fields={"head_id_number": ["id_number_taken"]}) from None
    HouseholdEvent.objects.create(household=household, region_code=household.region_code, actor=actor, action="created",
                                  changes=_snapshot(household))
    return household


MEMBER_FIELDS = ("name", "relation", "labour_capacity", "phone")


def _protected_member_ids(member_ids) -> set[int]:
    """Members that records of other apps (the borrower of an application or a loan) protect from deletion.
    Found through the model's reverse relations, so the register needs no import of the apps above it."""
    found: set[int] = set()
    if not member_ids:
        return found
    for rel in Member._meta.related_objects:
        if rel.on_delete in (models.PROTECT, models.RESTRICT):
            found.update(rel.related_model._base_manager.filter(**{f"{rel.field.name}__in": member_ids})
                         .values_list(rel.field.attname, flat=True).distinct())
    return found


def borrower_id_numbers(household: Household) -> set[str]:
    """ID numbers of the household's members who are the borrower of an application or a loan (they cannot be
    removed: the edit form marks them)."""
    members = dict(household.members.values_list("pk", "id_number"))
    return {members[pk] for pk in _protected_member_ids(list(members))}


def _update_member(member: Member, values: dict) -> int:
    """Save only the fields that differ; 1 when something changed."""
    changed = [k for k, v in values.items() if getattr(member, k) != v]
    for k in changed:
        setattr(member, k, values[k])
    if changed:
        member.save(update_fields=changed)
    return int(bool(changed))


def _sync_members(household: Household, rows: list[dict]) -> dict:
    """Make the household's members match the head (from the household's fields) plus `rows`, matching people by
    ID number: a known number updates its member in place (its pk, and every application or loan pointing at it,
    stays), a new number is created, a number no longer listed is deleted — unless that member is a borrower.
    A head ID number that matches nobody corrects the head's own row. Returns the counts of changes."""
    existing = list(household.members.all())
    by_id = {m.id_number: m for m in existing}
    head = next((m for m in existing if m.relation == Relation.HEAD), None)
    wanted = {r["id_number"]: r for r in rows}
    head_row = by_id.get(household.head_id_number)
    if head_row is None and head is not None and head.id_number not in wanted:
        # The head's ID number was corrected: same person, same row. A new name as well means another person, and a
        # borrower's row must not turn into someone else (户借户还): it is then removed — refused — like any member.
        if head.name == household.head_name or head.pk not in _protected_member_ids([head.pk]):
            head_row = head
    keep = {m.pk for m in existing if m.id_number in wanted} | ({head_row.pk} if head_row else set())
    removed = [m for m in existing if m.pk not in keep]
    protected = _protected_member_ids([m.pk for m in removed])
    if blocked := [m for m in removed if m.pk in protected]:
        names = "、".join(m.name for m in blocked)
        raise DomainError("household_member_is_borrower", names=names)
    counts = {"added": 0, "changed": 0, "removed": len(removed)}
    if removed:
        Member.objects.filter(pk__in=[m.pk for m in removed]).delete()
    # Non-heads first: a former head steps down before the new head takes over (one head per household).
    for m in existing:
        row = wanted.get(m.id_number)
        if row is None or m.pk not in keep:
            continue
        counts["changed"] += _update_member(m, {k: row[k] for k in MEMBER_FIELDS if k in row and row[k] is not None})
    head_values = {"name": household.head_name, "id_number": household.head_id_number, "relation": Relation.HEAD,
                   "phone": household.phone}
    if head_row is None:
        Member.objects.create(household=household, **head_values)
        counts["added"] += 1
    else:
        counts["changed"] += _update_member(head_row, head_values)
    new = [Member(household=household, **{k: r[k] for k in ("id_number", *MEMBER_FIELDS) if k in r and r[k] is not None})
           for number, r in wanted.items() if number not in by_id]
    Member.objects.bulk_create(new)
    counts["added"] += len(new)
    return counts


def _sync_head(household: Household) -> None:
    head = household.members.filter(relation=Relation.HEAD).first()
    if (head is not None and head.id_number != household.head_id_number and head.name != household.head_name
            and _protected_member_ids([head.pk])):
        raise DomainError("household_member_is_borrower", names=head.name)
    if head is None:
        Member.objects.create(household=household, name=household.head_name, id_number=household.head_id_number,
                              relation=Relation.HEAD, phone=household.phone)
    else:
        head.name, head.id_number, head.phone = household.head_name, household.head_id_number, household.phone
        head.save(update_fields=["name", "id_number", "phone"])


@transaction.atomic
def household_update(actor, household: Household, *, village: Region | None = None, members: list[dict] | None = None,
                     today: dt.date | None = None, **data) -> Household:
    """Update the household's own fields; when `members` is given the non-head members become exactly those, matched
    by ID number (see `_sync_members`). A member who is a borrower cannot be removed."""
    _require(actor, "household.edit")
    household = Household.objects.visible_to(actor).select_for_update().get(pk=household.pk)
    village = village or household.village
    _village_in_scope(actor, village)
    today = today or timezone.localdate()
    merged = {f: getattr(household, f) for f in HOUSEHOLD_FIELDS} | {k: v for k, v in data.items() if k in HOUSEHOLD_FIELDS}
    member_rows = [dict(m) for m in members] if members is not None else [
        {"name": m.name, "id_number": m.id_number, "relation": m.relation, "labour_capacity": m.labour_capacity, "phone": m.phone}
        for m in household.members.exclude(relation=Relation.HEAD)
    ]
    _check(merged, member_rows, today, exclude_household=household.pk)
    before = _snapshot(household)
    for field, value in merged.items():
        setattr(household, field, value if value is not None or field in ("annual_income",) else getattr(household, field))
    household.village = village
    household.region_code = village.code
    household.save()
    counts = _sync_members(household, member_rows) if members is not None else _sync_head(household)
    after = _snapshot(household)
    changes = {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}
    if counts and (counts["added"] or counts["removed"] or counts["changed"]):
        changes["members"] = counts
    if changes:
        HouseholdEvent.objects.create(household=household, region_code=household.region_code, actor=actor,
                                      action="updated", changes=changes)
    return household


def scorecard_for(county_code: str) -> list[ScorecardItem]:
    return list(ScorecardItem.objects.filter(county__code=county_code[:6] + "000000", active=True).order_by("order", "id"))


@transaction.atomic
def household_rate(actor, household: Household, *, item_scores: dict, comment: str = "",
                   today: dt.date | None = None) -> CreditRating:
    """Record a credit rating (评级授信) from the county's scorecard; the household keeps the latest."""
    _require(actor, "household.rate")
    household = Household.objects.visible_to(actor).select_for_update().get(pk=household.pk)
    today = today or timezone.localdate()
    items = scorecard_for(household.region_code)
    if not items:
        raise DomainError("rating_no_scorecard")
    total, problems = policy.rating_total(item_scores, [(i.code, i.max_points) for i in items])
    if problems:
        raise DomainError(next(iter(problems.values()))[0], fields=problems)
    pol = policy_for(household.region_code, today)
    grade = credit_grade(total, pol.grade_aaa_min, pol.grade_aa_min, pol.grade_a_min)
    rating = CreditRating.objects.create(
        household=household, region_code=household.region_code, rated_on=today,
        item_scores={k: str(Decimal(str(v))) for k, v in item_scores.items() if k in {i.code for i in items}},
        score=total, grade=grade, comment=comment, rated_by=actor,
    )
    household.credit_score, household.credit_grade, household.rated_on = total, grade, today
    household.save(update_fields=["credit_score", "credit_grade", "rated_on", "updated_at"])
    HouseholdEvent.objects.create(household=household, region_code=household.region_code, actor=actor, action="rated",
                                  changes={"score": str(rating.score.quantize(Decimal("0.1"))), "grade": grade})
    return rating

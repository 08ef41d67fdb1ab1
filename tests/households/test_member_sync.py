"""Editing a household keeps its members' rows: matched by ID number, never deleted and re-created, and a
borrower cannot be removed (the HTML form always sends the members, so this is every edit of such a household)."""
import datetime as dt
import re

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from apps.core.errors import DomainError
from apps.core.messages import message
from apps.households import services
from apps.households.models import Household, HouseholdEvent, Member, Relation
from apps.regions.models import Level
from tests.factories import BankFactory, HouseholdFactory, valid_id

from . import records


@pytest.fixture
def family(tree, county_officer):
    """A household whose spouse borrows (an application and a loan) and whose child does not."""
    h = HouseholdFactory(village=tree["a"][Level.VILLAGE], head_name="王建国")
    spouse = Member.objects.create(household=h, name="李秀英", id_number=valid_id(born=dt.date(1982, 2, 2)), relation="spouse")
    child = Member.objects.create(household=h, name="王小明", id_number=valid_id(born=dt.date(2005, 3, 3)), relation="child",
                                  labour_capacity="student")
    bank = BankFactory()
    app = records.application(h, spouse, bank, county_officer)
    loan = records.loan(h, spouse, bank)
    return {"household": h, "spouse": spouse, "child": child, "application": app, "loan": loan}


def rows(*members, **changes):
    return [{"name": m.name, "id_number": m.id_number, "relation": m.relation, "labour_capacity": m.labour_capacity}
            | changes.get(m.id_number, {}) for m in members]


def form_data(h, members, **fields):
    data = {"village": h.village_id, "head_name": h.head_name, "head_id_number": h.head_id_number, "status": h.status,
            "national_no": h.national_no, "phone": h.phone, "address": h.address, "size": h.size,
            "labour_count": h.labour_count, "annual_income": "", "industry": h.industry,
            "m-TOTAL_FORMS": len(members) + 1, "m-INITIAL_FORMS": len(members), "m-MIN_NUM_FORMS": 0, "m-MAX_NUM_FORMS": 1000,
            f"m-{len(members)}-relation": "spouse", f"m-{len(members)}-labour_capacity": "full"} | fields
    for i, m in enumerate(members):
        data.update({f"m-{i}-{k}": v for k, v in m.items() if k != "DELETE"})
        if m.get("DELETE"):
            data[f"m-{i}-DELETE"] = "on"
    return data


@pytest.mark.django_db
def test_service_updates_members_in_place_and_keeps_the_borrower(county_officer, family):
    h, spouse, child = family["household"], family["spouse"], family["child"]
    newborn = valid_id(born=dt.date(2024, 1, 1))
    services.household_update(county_officer, h, size=4, members=rows(spouse, child, **{
        spouse.id_number: {"name": "李秀英（改）"}}) + [{"name": "王小红", "id_number": newborn, "relation": "child"}])
    spouse_after = Member.objects.get(pk=spouse.pk)
    assert spouse_after.name == "李秀英（改）" and spouse_after.household_id == h.pk
    assert Member.objects.get(pk=child.pk).labour_capacity == "student"  # untouched row, same pk
    assert set(h.members.values_list("id_number", flat=True)) == {h.head_id_number, spouse.id_number, child.id_number, newborn}
    family["loan"].refresh_from_db()
    assert family["loan"].borrower_id == spouse.pk and family["application"].borrower_id == spouse.pk
    event = HouseholdEvent.objects.get(household=h, action="updated")
    assert event.changes["members"] == {"added": 1, "changed": 1, "removed": 0}


@pytest.mark.django_db
def test_service_deletes_a_removed_member_who_borrows_nothing(county_officer, family):
    h, spouse, child = family["household"], family["spouse"], family["child"]
    services.household_update(county_officer, h, members=rows(spouse))
    assert not Member.objects.filter(pk=child.pk).exists()
    assert Member.objects.filter(pk=spouse.pk).exists()


@pytest.mark.django_db
def test_service_refuses_to_remove_a_borrower_and_changes_nothing(county_officer, family):
    h, spouse, child = family["household"], family["spouse"], family["child"]
    with pytest.raises(DomainError) as exc:
        services.household_update(county_officer, h, phone="13912345678", members=rows(child))
    assert exc.value.code == "household_member_is_borrower" and exc.value.status == 400
    assert "李秀英" in exc.value.detail
    assert Member.objects.filter(pk=spouse.pk).exists() and Member.objects.filter(pk=child.pk).exists()
    assert Household.objects.get(pk=h.pk).phone == "" and not HouseholdEvent.objects.filter(household=h).exists()


@pytest.mark.django_db
def test_changing_a_borrowers_id_number_counts_as_removing_them(county_officer, family):
    h, spouse, child = family["household"], family["spouse"], family["child"]
    other = valid_id(born=dt.date(1982, 2, 3))
    with pytest.raises(DomainError) as exc:
        services.household_update(county_officer, h, members=rows(spouse, child, **{spouse.id_number: {"id_number": other}}))
    assert exc.value.code == "household_member_is_borrower"
    assert Member.objects.get(pk=spouse.pk).id_number == spouse.id_number


@pytest.mark.django_db
def test_head_id_correction_keeps_the_heads_row(county_officer, family):
    h = family["household"]
    head = h.members.get(relation=Relation.HEAD)
    corrected = valid_id(born=dt.date(1979, 5, 5))
    services.household_update(county_officer, h, head_id_number=corrected, members=rows(family["spouse"], family["child"]))
    assert Member.objects.get(pk=head.pk).id_number == corrected
    assert h.members.count() == 3


@pytest.mark.django_db
def test_a_member_can_take_over_as_head(county_officer, family):
    """The head dies and the spouse (a borrower) becomes head: her row is kept and promoted."""
    h, spouse, child = family["household"], family["spouse"], family["child"]
    old_head = h.members.get(relation=Relation.HEAD)
    services.household_update(county_officer, h, head_name=spouse.name, head_id_number=spouse.id_number, members=rows(child))
    assert Member.objects.get(pk=spouse.pk).relation == Relation.HEAD
    assert not Member.objects.filter(pk=old_head.pk).exists()
    assert h.members.filter(relation=Relation.HEAD).count() == 1


@pytest.mark.django_db
def test_html_edit_of_a_household_with_a_borrower_saves(client, county_officer, family):
    h, spouse, child = family["household"], family["spouse"], family["child"]
    client.force_login(county_officer)
    page = client.get(reverse("households:edit", args=[h.pk]))
    assert page.status_code == 200
    # The borrower's row says so instead of offering "Remove"; the child's row keeps its checkbox.
    html = page.content.decode()
    assert html.count('data-testid="member-borrower"') == 1
    assert len(re.findall(r'name="m-\d+-DELETE"', html)) == 2  # the child's row and the empty row
    r = client.post(reverse("households:edit", args=[h.pk]), form_data(h, rows(spouse, child), address="新桥村 3 组"))
    assert r.status_code == 302 and r["Location"] == reverse("households:detail", args=[h.pk])
    assert Household.objects.get(pk=h.pk).address == "新桥村 3 组"
    assert set(h.members.values_list("pk", flat=True)) >= {spouse.pk, child.pk}


@pytest.mark.django_db
def test_html_removing_a_borrower_shows_the_error_and_changes_nothing(client, county_officer, family):
    h, spouse, child = family["household"], family["spouse"], family["child"]
    client.force_login(county_officer)
    members = rows(spouse, child)
    members[0]["DELETE"] = True
    r = client.post(reverse("households:edit", args=[h.pk]), form_data(h, members, address="新桥村 3 组"))
    assert r.status_code == 200
    body = r.content.decode()
    assert 'data-testid="form-errors"' in body
    assert message("household_member_is_borrower", names="李秀英") in body
    assert Member.objects.filter(pk=spouse.pk).exists() and Household.objects.get(pk=h.pk).address == ""


@pytest.mark.django_db
def test_api_edit_keeps_the_borrower_and_refuses_removing_them(county_officer, family):
    h, spouse, child = family["household"], family["spouse"], family["child"]
    api = APIClient()
    api.force_authenticate(county_officer)
    url = f"/api/v1/households/{h.pk}/"
    members = [{k: m[k] for k in ("name", "id_number", "relation")} for m in rows(spouse, child)]
    r = api.patch(url, {"address": "新桥村 3 组", "members": members}, format="json")
    assert r.status_code == 200, r.json()
    assert {m["id"] for m in r.json()["members"]} == {spouse.pk, child.pk}
    r = api.patch(url, {"address": "别处", "members": members[1:]}, format="json")
    assert r.status_code == 400
    body = r.json()
    assert body["code"] == "household_member_is_borrower" and "李秀英" in body["detail"] and "fields" in body
    assert Member.objects.filter(pk=spouse.pk).exists() and Household.objects.get(pk=h.pk).address == "新桥村 3 组"


@pytest.mark.django_db
def test_a_borrowing_head_is_not_turned_into_another_person(county_officer, tree):
    """The head borrows; an edit gives the household a new head (new name and ID number): the borrower's row must
    not silently become the new person (户借户还) — the edit is refused and nothing changes."""
    bank = BankFactory()
    h = HouseholdFactory(village=tree["a"][Level.VILLAGE], head_name="王建国")
    head = h.members.get(relation=Relation.HEAD)
    records.loan(h, head, bank)
    before = (head.name, head.id_number)
    newcomer = valid_id(born=dt.date(1990, 6, 6))
    with pytest.raises(DomainError) as exc:
        services.household_update(county_officer, h, head_name="赵新来", head_id_number=newcomer, members=[])
    assert exc.value.code == "household_member_is_borrower"
    with pytest.raises(DomainError):
        services.household_update(county_officer, h, head_name="赵新来", head_id_number=newcomer)
    head.refresh_from_db()
    assert (head.name, head.id_number) == before
    # Correcting the borrowing head's ID number (same name) is still allowed and keeps the row.
    corrected = valid_id(born=dt.date(1970, 7, 7))
    services.household_update(county_officer, h, head_id_number=corrected, members=[])
    head.refresh_from_db()
    assert head.id_number == corrected

import datetime as dt

import pytest

from apps.core.errors import DomainError
from apps.households import services
from apps.households.models import Household, HouseholdEvent, Member, Relation
from apps.regions.models import Level
from tests.factories import HouseholdFactory, UserFactory, scorecard, valid_id


def _data(**kw):
    return {"head_name": "王建国", "head_id_number": valid_id(), "status": "registered_poor", "size": 3, "labour_count": 2} | kw


@pytest.mark.django_db
def test_create_writes_household_head_members_and_event(village_member, tree):
    spouse = valid_id(born=dt.date(1982, 2, 2))
    h = services.household_create(village_member, village=tree["a"][Level.VILLAGE],
                                   members=[{"name": "李秀英", "id_number": spouse, "relation": "spouse"}], **_data())
    assert h.region_code == tree["a"][Level.VILLAGE].code
    assert h.members.get(relation=Relation.HEAD).id_number == h.head_id_number
    assert h.members.get(relation="spouse").id_number == spouse
    assert HouseholdEvent.objects.filter(household=h, action="created", actor=village_member).exists()


@pytest.mark.django_db
def test_an_id_number_exists_once_in_the_whole_system(county_officer, other_county_officer, tree):
    existing = HouseholdFactory(village=tree["a"][Level.VILLAGE])
    with pytest.raises(DomainError) as exc:
        services.household_create(other_county_officer, village=tree["b"][Level.VILLAGE],
                                  **_data(head_id_number=existing.head_id_number))
    assert exc.value.fields["head_id_number"] == ["id_number_taken"]
    # nor may an existing head appear as a member of another household
    with pytest.raises(DomainError) as exc:
        services.household_create(county_officer, village=tree["a"][Level.VILLAGE],
                                  members=[{"name": "x", "id_number": existing.head_id_number, "relation": "spouse"}], **_data())
    assert exc.value.fields["members.0.id_number"] == ["id_number_taken"]
    assert Household.objects.count() == 1


@pytest.mark.django_db
def test_a_household_has_one_head(county_officer, tree):
    with pytest.raises(DomainError) as exc:
        services.household_create(county_officer, village=tree["a"][Level.VILLAGE],
                                  members=[{"name": "x", "id_number": valid_id(), "relation": "head"}], **_data())
    assert exc.value.fields["members.0.relation"] == ["household_member_head_twice"]


@pytest.mark.django_db
@pytest.mark.parametrize(("number", "code"), [
    ("11010519491231002X"[:17] + "1", "id_number_bad_check_digit"),
    ("110105491231002", "id_number_15_digits"),
])
def test_bad_id_numbers_are_refused_with_their_code(county_officer, tree, number, code):
    with pytest.raises(DomainError) as exc:
        services.household_create(county_officer, village=tree["a"][Level.VILLAGE], **_data(head_id_number=number))
    assert exc.value.fields["head_id_number"] == [code]
    assert not Member.objects.exists()


@pytest.mark.django_db
def test_village_outside_scope_is_refused(village_member, tree):
    with pytest.raises(DomainError) as exc:
        services.household_create(village_member, village=tree["a2"][Level.VILLAGE], **_data())
    assert exc.value.code == "household_village_out_of_scope"


@pytest.mark.django_db
def test_read_only_roles_cannot_write(tree):
    supervisor = UserFactory(role="supervisor", region=tree["a"][Level.PROVINCE])
    with pytest.raises(DomainError) as exc:
        services.household_create(supervisor, village=tree["a"][Level.VILLAGE], **_data())
    assert exc.value.status == 403


@pytest.mark.django_db
def test_update_records_changes_and_replaces_members(county_officer, tree):
    h = HouseholdFactory(village=tree["a"][Level.VILLAGE])
    services.household_update(county_officer, h, phone="13912345678",
                              members=[{"name": "子", "id_number": valid_id(born=dt.date(2010, 1, 1)), "relation": "child"}])
    h.refresh_from_db()
    assert h.phone == "13912345678" and h.members.count() == 2
    event = HouseholdEvent.objects.get(household=h, action="updated")
    assert event.changes["phone"] == ["", "13912345678"]


@pytest.mark.django_db
def test_rating_uses_the_county_scorecard_and_thresholds(county_officer, tree):
    h = HouseholdFactory(village=tree["a"][Level.VILLAGE])
    items = scorecard(tree["a"][Level.COUNTY])
    scores = {i.code: i.max_points for i in items}
    scores["overall"] = 10  # 100 - 30 + 10 = 80 → AAA at the edge
    rating = services.household_rate(county_officer, h, item_scores=scores, today=dt.date(2024, 3, 1))
    assert (rating.score, rating.grade) == (80, "AAA")
    scores["overall"] = 9.9
    rating = services.household_rate(county_officer, h, item_scores=scores, today=dt.date(2025, 3, 1))
    assert rating.grade == "AA"
    h.refresh_from_db()
    assert (h.credit_grade, h.rated_on) == ("AA", dt.date(2025, 3, 1))


@pytest.mark.django_db
def test_rating_item_above_its_maximum_is_refused(county_officer, tree):
    h = HouseholdFactory(village=tree["a"][Level.VILLAGE])
    items = scorecard(tree["a"][Level.COUNTY])
    scores = {i.code: 0 for i in items} | {"labour": 9}
    with pytest.raises(DomainError) as exc:
        services.household_rate(county_officer, h, item_scores=scores)
    assert exc.value.fields == {"labour": ["rating_item_out_of_range"]}

"""generate_demo_data: its own province, valid and unique IDs, re-runnable, --reset removes only its own data."""
import pytest
from django.core.management import CommandError, call_command

from apps.core import demo, idnumber
from apps.households.management.commands import generate_demo_data as gen
from apps.households.models import CreditRating, Household, Member, Relation
from apps.regions.models import Level, Region
from tests.factories import HouseholdFactory


@pytest.mark.django_db
def test_generates_a_province_with_households_members_and_ratings(tree):
    mine = HouseholdFactory(village=tree["a"][Level.VILLAGE])
    call_command("generate_demo_data", households=300, counties=3, seed=1, stdout=open("/dev/null", "w"))
    households = Household.objects.filter(region_code__startswith="45")
    assert households.count() == 300
    assert Region.objects.filter(code__startswith="45", level=Level.COUNTY).count() == 3
    assert Region.objects.get(code="450000000000").name == "广西壮族自治区"
    members = Member.objects.filter(household__region_code__startswith="45")
    assert members.filter(relation=Relation.HEAD).count() == 300 and members.count() > 600
    numbers = list(members.values_list("id_number", flat=True))
    assert all(idnumber.is_valid(n) for n in numbers) and len(set(numbers)) == len(numbers)
    assert set(households.values_list("status", flat=True)) >= {"registered_poor", "lifted_out"}
    rated = households.exclude(rated_on=None)
    assert rated.exists() and CreditRating.objects.filter(household__in=rated).count() == rated.count()
    assert all(h.labour_count <= h.size for h in households)
    # Rerunning changes nothing; asking for more without --reset is refused; the demo county is untouched.
    call_command("generate_demo_data", households=300, counties=3, seed=1, stdout=open("/dev/null", "w"))
    assert Household.objects.filter(region_code__startswith="45").count() == 300
    with pytest.raises(CommandError):
        call_command("generate_demo_data", households=400, counties=3, stdout=open("/dev/null", "w"))
    call_command("generate_demo_data", households=120, counties=2, seed=2, reset=True, stdout=open("/dev/null", "w"))
    assert Household.objects.filter(region_code__startswith="45").count() == 120
    assert Household.objects.filter(pk=mine.pk).exists() and Member.objects.filter(household=mine).count() == 1


def test_fast_id_numbers_equal_demo_id_numbers():
    import datetime as dt

    day = dt.date(1975, 6, 30)
    for seq in (1, 7, 999):
        text = f"450121{day:%Y%m%d}{seq:03d}"
        fast = text + gen._CHECK[(gen._weighted("450121", 0) + gen._weighted(f"{day:%Y%m%d}", 6) + gen._weighted(f"{seq:03d}", 14)) % 11]
        assert fast == demo.id_number("450121", day, seq)

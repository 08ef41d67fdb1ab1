import pytest
from django.core.management import call_command

from apps.accounts.models import Bank, User
from apps.households.models import Household, Member
from apps.regions.models import CountyPolicy, Region


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_has_the_seed_counties():
    call_command("seed_demo", households_per_village=1)
    counts = (Region.objects.count(), User.objects.count(), Household.objects.count(), Member.objects.count(), Bank.objects.count())
    call_command("seed_demo", households_per_village=1)
    assert (Region.objects.count(), User.objects.count(), Household.objects.count(), Member.objects.count(), Bank.objects.count()) == counts
    assert set(Region.objects.filter(level=3).values_list("name", flat=True)) == {"旬阳县", "蓬溪县", "陇川县"}
    assert CountyPolicy.objects.get(county__code="510921000000").due_reminder_days == 45  # 蓬溪 warns 45 days ahead
    assert Bank.objects.count() >= 4  # a second bank in 蓬溪
    admin = User.objects.get(username="pengxi_admin")
    assert admin.has_perm("regions.add_countypolicy") and not admin.is_superuser
    # Every demo household's ID is valid and unique system-wide (DB constraint + validator).
    from apps.core.idnumber import is_valid

    assert all(is_valid(n) for n in Member.objects.values_list("id_number", flat=True))

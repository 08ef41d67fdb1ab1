"""The county policy, holiday calendar and interest-rate tables in /admin/: county administrators act inside
their county only; national tables are changed by national administrators only; policy versions are never
edited in place nor back-dated."""
import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.regions import calendar
from apps.regions.models import CalendarYear, CountyPolicy, Holiday, InterestRate, Level
from tests.admin_helpers import county_admin, form_data, superuser

ADD = "admin:regions_countypolicy_add"


def _add_policy(client, county, effective_on, **overrides):
    form = client.get(reverse(ADD)).context["adminform"].form
    data = form_data(form, county=county.pk, effective_on=effective_on.isoformat(), note="test", **overrides)
    return client.post(reverse(ADD), data)


@pytest.fixture
def pengxi_admin(tree):
    return county_admin(tree["a"][Level.COUNTY])


@pytest.mark.django_db
def test_county_admin_adds_a_version_for_their_own_county(client, tree, pengxi_admin):
    client.force_login(pengxi_admin)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    r = _add_policy(client, tree["a"][Level.COUNTY], tomorrow, due_reminder_days=45)
    assert r.status_code == 302, r.context["adminform"].form.errors if r.context else r
    policy = CountyPolicy.objects.get()
    assert policy.county == tree["a"][Level.COUNTY] and policy.created_by == pengxi_admin and policy.due_reminder_days == 45


@pytest.mark.django_db
def test_county_admin_cannot_add_a_policy_for_another_county(client, tree, pengxi_admin):
    client.force_login(pengxi_admin)
    r = _add_policy(client, tree["b"][Level.COUNTY], timezone.localdate() + dt.timedelta(days=1))
    assert r.status_code == 200
    assert "county" in r.context["adminform"].form.errors
    assert not CountyPolicy.objects.exists()


@pytest.mark.django_db
def test_policy_changelist_and_rows_of_other_counties_are_out_of_reach(client, tree, pengxi_admin):
    own = CountyPolicy.objects.create(county=tree["a"][Level.COUNTY], effective_on=dt.date(2020, 1, 1))
    other = CountyPolicy.objects.create(county=tree["b"][Level.COUNTY], effective_on=dt.date(2020, 1, 1))
    client.force_login(pengxi_admin)
    r = client.get(reverse("admin:regions_countypolicy_changelist"))
    assert list(r.context["cl"].queryset) == [own]
    r = client.get(reverse("admin:regions_countypolicy_change", args=[other.pk]))
    assert r.status_code == 302  # "doesn't exist", like any id outside the queryset
    # A new version pre-filled from another county's row gets nothing from it.
    r = client.get(reverse(ADD) + f"?from={other.pk}")
    assert "county" not in r.context["adminform"].form.initial


@pytest.mark.django_db
def test_existing_versions_are_read_only_for_everyone_and_undeletable_for_county_admins(client, tree, pengxi_admin):
    policy = CountyPolicy.objects.create(county=tree["a"][Level.COUNTY], effective_on=dt.date(2020, 1, 1), due_reminder_days=30)
    change = reverse("admin:regions_countypolicy_change", args=[policy.pk])
    delete = reverse("admin:regions_countypolicy_delete", args=[policy.pk])
    for user in (pengxi_admin, superuser()):
        client.force_login(user)
        assert client.get(change).status_code == 200  # viewable
        assert client.post(change, {"due_reminder_days": 45, "county": policy.county_id, "effective_on": "2020-01-01"}).status_code == 403
        assert client.post(delete, {"post": "yes"}).status_code == 403  # in force: history stays, even for a superuser
    policy.refresh_from_db()
    assert policy.due_reminder_days == 30


@pytest.mark.django_db
def test_only_a_superuser_deletes_a_version_not_yet_in_force(client, tree, pengxi_admin):
    future = CountyPolicy.objects.create(county=tree["a"][Level.COUNTY], effective_on=timezone.localdate() + dt.timedelta(days=30))
    delete = reverse("admin:regions_countypolicy_delete", args=[future.pk])
    client.force_login(pengxi_admin)
    assert client.post(delete, {"post": "yes"}).status_code == 403
    client.force_login(superuser())
    assert client.post(delete, {"post": "yes"}).status_code == 302
    assert not CountyPolicy.objects.exists()


@pytest.mark.django_db
def test_a_new_version_cannot_be_backdated(client, tree, pengxi_admin):
    county = tree["a"][Level.COUNTY]
    client.force_login(pengxi_admin)
    today = timezone.localdate()
    r = _add_policy(client, county, today - dt.timedelta(days=1))
    assert r.status_code == 200
    assert [e.code for e in r.context["adminform"].form.errors.as_data()["effective_on"]] == ["policy_backdated"]
    CountyPolicy.objects.create(county=county, effective_on=today + dt.timedelta(days=10))
    for day in (today, today + dt.timedelta(days=10)):
        r = _add_policy(client, county, day)
        assert r.status_code == 200
        assert [e.code for e in r.context["adminform"].form.errors.as_data()["effective_on"]] == ["policy_before_latest"]
    assert CountyPolicy.objects.count() == 1
    assert _add_policy(client, county, today + dt.timedelta(days=11)).status_code == 302


@pytest.mark.django_db
def test_county_admins_read_but_cannot_change_the_national_holiday_and_rate_tables(client, tree):
    holiday = Holiday.objects.create(date=dt.date(2031, 10, 1), name="国庆节")
    rate = InterestRate.objects.create(kind="lpr", effective_on=dt.date(2031, 1, 1), up_to_one_year="3.000", long_term="3.500")
    # Even holding the Django permissions (as seed_demo's group once gave them).
    admin_user = county_admin(tree["a"][Level.COUNTY], extra_perms=[
        "regions.add_holiday", "regions.change_holiday", "regions.delete_holiday", "regions.add_calendaryear",
        "regions.add_interestrate", "regions.change_interestrate"])
    client.force_login(admin_user)
    assert client.get(reverse("admin:regions_holiday_changelist")).status_code == 200
    assert client.get(reverse("admin:regions_holiday_add")).status_code == 403
    assert client.post(reverse("admin:regions_holiday_change", args=[holiday.pk]), {"date": "2031-10-02", "name": "x"}).status_code == 403
    assert client.post(reverse("admin:regions_holiday_delete", args=[holiday.pk]), {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:regions_calendaryear_add")).status_code == 403
    assert client.get(reverse("admin:regions_interestrate_add")).status_code == 403
    assert client.post(reverse("admin:regions_interestrate_change", args=[rate.pk]), {}).status_code == 403
    client.post(reverse("admin:regions_holiday_changelist"), {"action": "mark_years_complete", "_selected_action": [holiday.pk]})
    assert not CalendarYear.objects.exists()
    assert Holiday.objects.get().date == dt.date(2031, 10, 1)


@pytest.mark.django_db
def test_one_holiday_entered_by_hand_does_not_mark_its_year_covered_the_action_does(client):
    client.force_login(superuser())
    r = client.post(reverse("admin:regions_holiday_add"), {"date": "2031-10-01", "name": "国庆节"})
    assert r.status_code == 302
    assert not CalendarYear.objects.filter(year=2031).exists()
    assert calendar.uncovered_years(dt.date(2031, 10, 1)) == [2031]  # the fallback warning stays
    assert calendar.is_working_day(dt.date(2031, 10, 1)) is False
    holiday = Holiday.objects.get()
    r = client.post(reverse("admin:regions_holiday_changelist"), {"action": "mark_years_complete", "_selected_action": [holiday.pk]})
    assert r.status_code == 302
    assert CalendarYear.objects.get(year=2031).source == "manual"
    assert calendar.uncovered_years(dt.date(2031, 10, 1)) == []


@pytest.mark.django_db
def test_deleting_a_holiday_clears_the_calendar_cache(client):
    day, other = dt.date(2031, 10, 1), dt.date(2031, 10, 2)  # a Wednesday and a Thursday
    holidays = [Holiday.objects.create(date=d, name="国庆节") for d in (day, other)]
    calendar.clear_cache()
    assert not calendar.is_working_day(day) and not calendar.is_working_day(other)  # cached
    client.force_login(superuser())
    r = client.post(reverse("admin:regions_holiday_delete", args=[holidays[0].pk]), {"post": "yes"})
    assert r.status_code == 302
    assert calendar.is_working_day(day)
    r = client.post(reverse("admin:regions_holiday_changelist"),
                    {"action": "delete_selected", "_selected_action": [holidays[1].pk], "post": "yes"})
    assert r.status_code == 302 and not Holiday.objects.exists()
    assert calendar.is_working_day(other)

"""Re-rating follows each county's interval (CountyPolicy.rerating_months): the household page's due date, the
register's "rating due" filter (per county across a province) and its edges."""
import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.core.dates import add_months
from apps.households import selectors
from apps.households.policy import rating_due_cutoff, rerating_due_on
from apps.regions.models import CountyPolicy, Level
from tests.factories import HouseholdFactory, UserFactory, region_tree


def months_ago(today, months, days=0):
    return add_months(today, -months) - dt.timedelta(days=days)


@pytest.mark.parametrize("months", [1, 6, 12, 24])
def test_cutoff_matches_the_due_date_at_every_month_end(months):
    start = dt.date(2023, 1, 1)
    for today in (start + dt.timedelta(days=n) for n in range(800)):
        cutoff = rating_due_cutoff(today, months)
        for rated in (cutoff - dt.timedelta(days=1), cutoff, cutoff + dt.timedelta(days=1)):
            assert (rated <= cutoff) == (rerating_due_on(rated, months) <= today), (today, rated)


@pytest.mark.django_db
def test_rating_due_filter_at_the_edges_of_one_county(county_officer, tree):
    today = dt.date(2024, 6, 15)
    village = tree["a"][Level.VILLAGE]
    HouseholdFactory(village=village, head_name="差一天", rated_on=months_ago(today, 12, days=-1))
    HouseholdFactory(village=village, head_name="满一年", rated_on=months_ago(today, 12))
    HouseholdFactory(village=village, head_name="一年零一天", rated_on=months_ago(today, 12, days=1))
    HouseholdFactory(village=village, head_name="未评级", rated_on=None)

    def due():
        return set(selectors.household_list(county_officer, rating_due_on=today).values_list("head_name", flat=True))

    assert due() == {"满一年", "一年零一天", "未评级"}
    CountyPolicy.objects.create(county=tree["a"][Level.COUNTY], effective_on=dt.date(2020, 1, 1), rerating_months=24)
    assert due() == {"未评级"}
    # A policy row that takes effect later does not count yet.
    CountyPolicy.objects.create(county=tree["a"][Level.COUNTY], effective_on=dt.date(2024, 7, 1), rerating_months=6)
    assert due() == {"未评级"}


@pytest.mark.django_db
def test_rating_due_filter_per_county_across_a_province(tree):
    """蓬溪 re-rates every 24 months, 射洪 keeps the yearly default, 大英 every 6 months; a province supervisor's
    list applies each county's own interval."""
    today = dt.date(2024, 6, 15)
    shehong = region_tree(county="22", names=("四川省", "遂宁市", "射洪县", "太和镇", "东岳村"))
    daying = region_tree(county="23", names=("四川省", "遂宁市", "大英县", "蓬莱镇", "中华村"))
    CountyPolicy.objects.create(county=tree["a"][Level.COUNTY], effective_on=dt.date(2020, 1, 1), rerating_months=24)
    CountyPolicy.objects.create(county=daying[Level.COUNTY], effective_on=dt.date(2020, 1, 1), rerating_months=6)
    CountyPolicy.objects.create(county=shehong[Level.COUNTY], effective_on=dt.date(2020, 1, 1))  # default 12
    for name, village, rated in [
        ("蓬溪13个月", tree["a"][Level.VILLAGE], months_ago(today, 12, days=31)),
        ("蓬溪满两年", tree["a2"][Level.VILLAGE], months_ago(today, 24)),
        ("射洪13个月", shehong[Level.VILLAGE], months_ago(today, 12, days=31)),
        ("射洪11个月", shehong[Level.VILLAGE], months_ago(today, 11)),
        ("大英7个月", daying[Level.VILLAGE], months_ago(today, 7)),
        ("大英5个月", daying[Level.VILLAGE], months_ago(today, 5)),
        ("旬阳13个月", tree["b"][Level.VILLAGE], months_ago(today, 12, days=31)),  # another province: not visible
    ]:
        HouseholdFactory(village=village, head_name=name, rated_on=rated)
    supervisor = UserFactory(role="supervisor", region=tree["a"][Level.PROVINCE])
    due = set(selectors.household_list(supervisor, rating_due_on=today).values_list("head_name", flat=True))
    assert due == {"蓬溪满两年", "射洪13个月", "大英7个月"}
    # Narrowed to one county by the place filter, that county's interval alone.
    due = set(selectors.household_list(supervisor, village=tree["a"][Level.COUNTY].prefix, rating_due_on=today)
              .values_list("head_name", flat=True))
    assert due == {"蓬溪满两年"}
    national = UserFactory(role="sysadmin", region=None)  # the whole country
    due = set(selectors.household_list(national, rating_due_on=today).values_list("head_name", flat=True))
    assert due == {"蓬溪满两年", "射洪13个月", "大英7个月", "旬阳13个月"}


@pytest.mark.django_db
def test_household_page_shows_the_due_date_by_the_countys_interval(client, county_officer, tree):
    today = timezone.localdate()
    rated = months_ago(today, 12, days=1)
    h = HouseholdFactory(village=tree["a"][Level.VILLAGE], credit_grade="AA", credit_score=75, rated_on=rated)
    client.force_login(county_officer)
    url = reverse("households:detail", args=[h.pk])
    r = client.get(url)
    assert r.context["rerating_due_on"] == add_months(rated, 12) and r.context["rating_overdue"] is True
    assert 'text-danger fw-semibold" data-testid="rerating-due"' in r.content.decode()
    CountyPolicy.objects.create(county=tree["a"][Level.COUNTY], effective_on=dt.date(2020, 1, 1), rerating_months=24)
    r = client.get(url)
    assert r.context["rerating_due_on"] == add_months(rated, 24) and r.context["rating_overdue"] is False
    body = r.content.decode()
    assert add_months(rated, 24).strftime("%Y-%m-%d") in body and 'text-secondary" data-testid="rerating-due"' in body


@pytest.mark.django_db
def test_register_list_rating_due_uses_the_interval(client, county_officer, tree):
    today = timezone.localdate()
    HouseholdFactory(village=tree["a"][Level.VILLAGE], head_name="十三个月", rated_on=months_ago(today, 13))
    client.force_login(county_officer)
    url = reverse("households:list")
    assert [h.head_name for h in client.get(url, {"rating_due": "1"}).context["households"]] == ["十三个月"]
    CountyPolicy.objects.create(county=tree["a"][Level.COUNTY], effective_on=dt.date(2020, 1, 1), rerating_months=24)
    assert list(client.get(url, {"rating_due": "1"}).context["households"]) == []

"""Counts of large lists are cached briefly; small ones are exact; tenants never share a cached count."""
import pytest
from django.core.cache import cache

from apps.core.paging import CachedCountPaginator
from apps.households.models import Household
from apps.regions.models import Level
from tests.factories import HouseholdFactory


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.django_db
def test_small_counts_are_always_exact(tree, settings):
    settings.LIST_COUNT_CACHE_ABOVE = 3
    village = tree["a"][Level.VILLAGE]
    HouseholdFactory(village=village)
    qs = Household.objects.filter(region_code__startswith=village.code[:6]).order_by("id")
    assert CachedCountPaginator(qs, 25).count == 1
    HouseholdFactory(village=village)
    assert CachedCountPaginator(qs, 25).count == 2


@pytest.mark.django_db
def test_large_counts_are_kept_for_a_while_and_per_query(tree, settings):
    settings.LIST_COUNT_CACHE_ABOVE = 2
    a, b = tree["a"][Level.VILLAGE], tree["b"][Level.VILLAGE]
    for _ in range(2):
        HouseholdFactory(village=a)
    HouseholdFactory(village=b)
    qs_a = Household.objects.filter(region_code__startswith=a.code[:6]).order_by("id")
    qs_b = Household.objects.filter(region_code__startswith=b.code[:6]).order_by("id")
    assert CachedCountPaginator(qs_a, 25).count == 2
    HouseholdFactory(village=a)
    assert CachedCountPaginator(qs_a, 25).count == 2  # cached: paging on does not count again
    assert CachedCountPaginator(qs_b, 25).count == 1  # another scope, its own count
    assert CachedCountPaginator(qs_a.filter(status="registered_poor"), 25).count == Household.objects.filter(
        region_code__startswith=a.code[:6], status="registered_poor").count()
    settings.LIST_COUNT_CACHE_SECONDS = 0
    cache.clear()
    assert CachedCountPaginator(qs_a, 25).count == 3


@pytest.mark.django_db
def test_an_empty_queryset_counts_zero():
    assert CachedCountPaginator(Household.objects.none(), 25).count == 0


@pytest.mark.django_db
def test_deep_pages_hold_the_same_rows_in_the_same_order(tree):
    village = tree["a"][Level.VILLAGE]
    for _ in range(12):
        HouseholdFactory(village=village)
    qs = Household.objects.select_related("village").order_by("-id")
    expected = list(qs)
    shallow = CachedCountPaginator(qs, 5)
    deep = CachedCountPaginator(qs, 5)
    deep.deferred_join_from = 0
    for number in (1, 2, 3):
        assert list(deep.page(number).object_list) == list(shallow.page(number).object_list) == expected[(number - 1) * 5:number * 5]
    assert deep.page(3).end_index() == 12

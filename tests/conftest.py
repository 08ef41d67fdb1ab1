import pytest
from django.conf import settings

from apps.regions import calendar
from apps.regions.models import Level

from .factories import UserFactory, bank_user, region_tree


def pytest_configure(config):
    # An exported DJANGO_SETTINGS_MODULE beats pyproject's: the suite must never run on the local settings
    # (Celery not eager, the Redis cache shared between runs).
    if settings.SETTINGS_MODULE != "microcredit.settings.test":
        raise pytest.UsageError(f"tests need DJANGO_SETTINGS_MODULE=microcredit.settings.test, not {settings.SETTINGS_MODULE}")


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    calendar.clear_cache()
    yield
    calendar.clear_cache()


@pytest.fixture
def tree(db):
    """Two counties in two provinces: 蓬溪 (Sichuan) with two townships, and 旬阳 (Shaanxi)."""
    a = region_tree()
    a2 = region_tree(township="102", village="201", names=("四川省", "遂宁市", "蓬溪县", "常乐镇", "常乐村"))
    b = region_tree("61", "09", "28", "100", "201", names=("陕西省", "安康市", "旬阳县", "城关镇", "东门村"))
    return {"a": a, "a2": a2, "b": b}


@pytest.fixture
def county_officer(tree):
    return UserFactory(role="county_officer", region=tree["a"][Level.COUNTY])


@pytest.fixture
def other_county_officer(tree):
    return UserFactory(role="county_officer", region=tree["b"][Level.COUNTY])


@pytest.fixture
def village_member(tree):
    return UserFactory(role="village_member", region=tree["a"][Level.VILLAGE], position="first_secretary")


@pytest.fixture
def bank_officer(tree):
    return bank_user(tree["a"][Level.TOWNSHIP])


@pytest.fixture
def other_bank_officer(tree):
    return bank_user(tree["a2"][Level.TOWNSHIP])

"""A real worker process on Redis executes our tasks against the test database."""
import pytest

from apps.regions.models import CalendarYear, Holiday
from apps.regions.tasks import calendar_refresh

pytestmark = pytest.mark.integration


def test_calendar_refresh_round_trip(celery_worker_process):
    assert not Holiday.objects.exists()
    added = calendar_refresh.apply_async(queue=celery_worker_process, ignore_result=False).get(timeout=120)
    assert added > 100
    assert CalendarYear.objects.filter(year=2024).exists()
    assert Holiday.objects.filter(date="2024-10-01", name="国庆节").exists()
    # Idempotent: a second run by the worker adds nothing.
    count = Holiday.objects.count()
    assert calendar_refresh.apply_async(queue=celery_worker_process, ignore_result=False).get(timeout=120) == 0
    assert Holiday.objects.count() == count

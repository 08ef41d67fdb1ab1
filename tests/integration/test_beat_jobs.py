"""Beat (DatabaseScheduler) → Redis → a real worker → the daily jobs, twice, with nothing done twice."""
import datetime as dt
import json

import pytest
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from apps.accounts.models import Notification
from apps.postloan.jobs import DAILY
from apps.postloan.models import BulletinRow, JobRun

from .conftest import wait_for

pytestmark = pytest.mark.integration


@pytest.fixture
def overdue_loan(chain):
    from tests.loans.test_loan_account import disbursed

    chain["household"].rated_on = dt.date(2024, 1, 10)
    chain["household"].save()
    return disbursed(chain, amount="30000", term=12)  # matured 2025-06-03: overdue today


def test_beat_schedules_the_daily_jobs_and_a_second_run_changes_nothing(celery_beat_process, overdue_loan):
    every, _ = IntervalSchedule.objects.get_or_create(every=2, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.create(name="itest daily jobs", task="postloan.daily_jobs", interval=every,
                                queue=celery_beat_process, kwargs=json.dumps({}))
    today = timezone.localdate()
    assert wait_for(lambda: JobRun.objects.filter(day=today, job="bulletin").exists(), timeout=90), "beat/worker did not run the jobs"
    assert set(JobRun.objects.filter(day=today).values_list("job", flat=True)) == set(DAILY)
    overdue_loan.refresh_from_db()
    assert overdue_loan.overdue_since == overdue_loan.maturity_on + dt.timedelta(days=1)
    county = BulletinRow.objects.get(day=today, group="county")
    assert county.overdue_amount == overdue_loan.principal
    notes, rows = Notification.objects.count(), BulletinRow.objects.count()
    runs = JobRun.objects.count()
    # Let beat fire a few more times: the same day is never processed twice, no one is notified twice.
    import time

    time.sleep(6)
    assert JobRun.objects.count() == runs and Notification.objects.count() == notes and BulletinRow.objects.count() == rows

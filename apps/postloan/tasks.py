import datetime as dt

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from . import jobs, services
from .models import JobRun


@shared_task(name="postloan.daily_jobs")
def daily_jobs(today: str | None = None) -> dict:
    """Overdue marking, collection notices, inspection scheduling, disbursement alerts, notice closing, bulletin:
    every day not yet done up to today."""
    day = dt.date.fromisoformat(today) if today else timezone.localdate()
    return jobs.run_due(day)


@shared_task(name="postloan.monthly_spot_check")
def monthly_spot_check(today: str | None = None) -> dict:
    day = dt.date.fromisoformat(today) if today else timezone.localdate()
    month = day.replace(day=1)
    if JobRun.objects.filter(job="spot_check", day=month).exists():
        return {"skipped": True}
    with transaction.atomic():
        result = services.spot_check_month(month)
        JobRun.objects.create(job="spot_check", day=month, result=result)
    return result

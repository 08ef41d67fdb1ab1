from celery import shared_task

from . import services


@shared_task(name="regions.calendar_refresh")
def calendar_refresh() -> int:
    """Load holiday years chinese-calendar knows and the table lacks; idempotent (existing rows are kept)."""
    return services.holidays_seed()

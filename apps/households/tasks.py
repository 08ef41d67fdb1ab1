"""Celery adapters for the household import: thin, take ids, idempotent (a job is validated only while
`validating` and committed only while `importing`; a repeated delivery does nothing)."""
from celery import shared_task

from . import importing


@shared_task(name="households.import_validate")
def import_validate(job_id: int) -> str | None:
    job = importing.household_import_validate(job_id)
    return job.state if job else None


@shared_task(name="households.import_commit", acks_late=True)
def import_commit(job_id: int, actor_id: int) -> str | None:
    job = importing.household_import_run_commit(job_id, actor_id)
    return job.state if job else None


@shared_task(name="households.purge_import_files")
def purge_import_files() -> dict:
    return importing.purge_import_files()

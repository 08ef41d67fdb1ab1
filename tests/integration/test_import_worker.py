"""A register file above IMPORT_SYNC_MAX_ROWS goes through a real Celery worker on Redis: the upload only stores
it, the worker checks it (the dry run) and, once the officer commits, writes it, while the job shows its progress
to the page that polls it."""
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.households import tasks
from apps.households.models import Household, HouseholdEvent, ImportJob, Member
from apps.regions.models import Level
from tests.households.test_import_large import head_id, register_rows, register_xlsx

pytestmark = pytest.mark.integration

ROWS = 12_000


def _watch(job_id: int, running: str, timeout: float = 180) -> list[tuple[str, int, int]]:
    """(state, processed_rows, total_rows) of the job every 20 ms while it is `running`, and the first one after."""
    seen, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        snap = ImportJob.objects.filter(pk=job_id).values_list("state", "processed_rows", "total_rows").get()
        if not seen or snap != seen[-1]:
            seen.append(snap)
        if snap[0] != running:
            return seen
        time.sleep(0.02)
    pytest.fail(f"the worker did not finish {running} in {timeout} s: {seen[-5:]}")


def _progress(seen, running: str):
    """While running, the job's count only goes up, and the page saw it between 0 and the end (the dry run reports
    every PROGRESS_STEP rows; the commit writes its count on a second connection while its transaction is open)."""
    done = [p for state, p, _ in seen if state == running]
    assert done == sorted(done), f"progress went backwards: {seen}"
    assert any(0 < p < ROWS for p in done), f"no progress seen between 0 and {ROWS}: {seen}"


def _progress_partial(client, job) -> str:
    return client.get(reverse("households:import-detail", args=[job.pk]) + "?partial=progress").content.decode()


def test_large_import_is_checked_and_committed_by_the_worker_with_progress(
        route_to_worker, paused_worker, client, tree, county_officer, settings):
    assert settings.IMPORT_SYNC_MAX_ROWS < ROWS
    route_to_worker(tasks.import_validate, tasks.import_commit)
    rows = register_rows([tree["a"][Level.VILLAGE], tree["a2"][Level.VILLAGE]], ROWS)
    members = [[r[1], "李四", head_id(i, "510922"), "配偶", "普通劳动力"] for i, r in enumerate(rows[:2000])]
    client.force_login(county_officer)

    # The upload only stores the file: the job waits for the worker, its progress bar already to scale.
    with paused_worker():
        response = client.post(reverse("households:import"), {"file": SimpleUploadedFile("全县名单.xlsx", register_xlsx(rows, members))})
        assert response.status_code == 302
        job = ImportJob.objects.get()
        assert (job.state, job.processed_rows, job.total_rows) == (ImportJob.State.VALIDATING, 0, ROWS)
        partial = _progress_partial(client, job)
        assert 'hx-trigger="every 1s"' in partial and 'role="progressbar"' in partial and 'aria-valuenow="0"' in partial
    seen = _watch(job.pk, ImportJob.State.VALIDATING)
    print("dry run progress seen:", seen)
    _progress(seen, ImportJob.State.VALIDATING)
    job.refresh_from_db()
    assert job.state == ImportJob.State.READY, (job.message, job.errors[:3])
    assert job.total_rows == ROWS and job.processed_rows == ROWS and job.error_count == 0
    assert not Household.objects.exists()  # a dry run writes nothing
    assert "hx-trigger" not in _progress_partial(client, job)

    # The commit is the worker's too; the page sees it running, then done.
    with paused_worker():
        response = client.post(reverse("households:import-commit", args=[job.pk]))
        assert response.status_code == 302
        job.refresh_from_db()
        assert (job.state, job.processed_rows) == (ImportJob.State.IMPORTING, 0)
        assert 'role="progressbar"' in _progress_partial(client, job)
    seen = _watch(job.pk, ImportJob.State.IMPORTING)
    print("commit progress seen:", seen)
    _progress(seen, ImportJob.State.IMPORTING)
    job.refresh_from_db()
    assert job.state == ImportJob.State.DONE, (job.message, job.errors[:3])
    assert job.created_count == ROWS and job.processed_rows == ROWS
    assert Household.objects.count() == ROWS and Member.objects.count() == ROWS + 2000
    assert HouseholdEvent.objects.filter(action="imported", actor=county_officer).count() == ROWS
    page = client.get(reverse("households:import-detail", args=[job.pk])).content.decode()
    assert 'data-testid="created-count"' in page and 'hx-trigger="every 1s"' not in page


def test_large_import_with_a_bad_last_row_is_refused_by_the_worker(route_to_worker, client, tree, county_officer):
    route_to_worker(tasks.import_validate, tasks.import_commit)
    rows = register_rows([tree["a"][Level.VILLAGE]], ROWS)
    rows[-1][2] = tree["b"][Level.VILLAGE].code  # another county's village
    client.force_login(county_officer)
    client.post(reverse("households:import"), {"file": SimpleUploadedFile("名单.xlsx", register_xlsx(rows))})
    job = ImportJob.objects.get()
    _watch(job.pk, ImportJob.State.VALIDATING)
    job.refresh_from_db()
    assert job.state == ImportJob.State.INVALID and job.error_count == 1
    assert [(e["row"], e["code"]) for e in job.errors] == [(ROWS + 1, "household_village_out_of_scope")]
    assert client.post(reverse("households:import-commit", args=[job.pk])).status_code in (302, 409)
    job.refresh_from_db()
    assert job.state == ImportJob.State.INVALID
    assert not Household.objects.exists()

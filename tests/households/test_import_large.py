"""A large register file (10,000 rows, above IMPORT_SYNC_MAX_ROWS, so checked and committed by the Celery tasks —
eager here, a real worker in tests/integration/test_import_worker.py) is all or nothing: one bad row, the last
one, and not a single household is written."""
import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from apps.core import demo
from apps.households.models import Household, HouseholdEvent, ImportJob, Member
from apps.regions.models import Level
from tests.factories import HouseholdFactory

HEADERS = ["户主姓名", "户主身份证号", "所在村", "户类别", "国家系统户编号", "联系电话", "家庭人口", "劳动力人数", "家庭年纯收入",
           "主要产业", "住址"]
MEMBER_HEADERS = ["户主身份证号", "姓名", "身份证号", "与户主关系", "劳动能力"]
ROWS = 10_000


def head_id(i: int, area6: str = "510921") -> str:
    return demo.id_number(area6, dt.date(1950, 1, 1) + dt.timedelta(days=i // 500), i % 500)


def wrong_check_digit(number: str) -> str:
    return number[:-1] + ("0" if number[-1] != "0" else "1")


def register_rows(villages, n: int = ROWS) -> list[list]:
    """`n` good household rows across `villages` (codes), in the template's column order."""
    return [[f"张{i:05d}", head_id(i), villages[i % len(villages)].code, "建档立卡贫困户", "", "13800000000", 3, 2, 12000,
             "生猪养殖", "新桥村3组"] for i in range(n)]


def register_xlsx(rows: list[list], members: list[list] = ()) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("户信息")
    ws.append(HEADERS)
    for r in rows:
        ws.append(r)
    ms = wb.create_sheet("成员")
    ms.append(MEMBER_HEADERS)
    for m in members:
        ms.append(m)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _upload(client, content: bytes, capture) -> ImportJob:
    with capture(execute=True) as callbacks:
        response = client.post(reverse("households:import"), {"file": SimpleUploadedFile("全县名单.xlsx", content)})
    assert response.status_code == 302
    assert callbacks, "a file this large is checked by the Celery task, not in the request"
    return ImportJob.objects.order_by("-id").first()


def _nothing_written(before: int = 0):
    assert Household.objects.count() == before
    assert not HouseholdEvent.objects.filter(action="imported").exists()


BAD_LAST_ROW = {
    "id_check_digit": (lambda r, tree: r.__setitem__(1, wrong_check_digit(r[1])), "id_number_bad_check_digit"),
    "id_repeats_the_first_row": (lambda r, tree: r.__setitem__(1, head_id(0)), "id_number_duplicate_in_file"),
    "village_of_another_county": (lambda r, tree: r.__setitem__(2, tree["b"][Level.VILLAGE].code), "household_village_out_of_scope"),
    "household_size_not_a_number": (lambda r, tree: r.__setitem__(6, "三口"), "household_bad_number"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("bad", sorted(BAD_LAST_ROW))
def test_one_bad_last_row_in_ten_thousand_commits_nothing(officer_client, tree, settings, django_capture_on_commit_callbacks, bad):
    assert settings.IMPORT_SYNC_MAX_ROWS < ROWS
    spoil, code = BAD_LAST_ROW[bad]
    rows = register_rows([tree["a"][Level.VILLAGE], tree["a2"][Level.VILLAGE]])
    spoil(rows[-1], tree)
    job = _upload(officer_client, register_xlsx(rows), django_capture_on_commit_callbacks)

    job.refresh_from_db()
    assert job.state == ImportJob.State.INVALID and job.message == "import_has_errors"
    assert job.error_count == 1
    assert {(e["sheet"], e["row"], e["code"]) for e in job.errors} == {("户信息", ROWS + 1, code)}  # the header is row 1
    page = officer_client.get(reverse("households:import-detail", args=[job.pk]))
    assert 'data-testid="commit"' not in page.content.decode()
    # Committing anyway is refused, and nothing was written.
    with django_capture_on_commit_callbacks(execute=True):
        response = officer_client.post(reverse("households:import-commit", args=[job.pk]))
    assert response.status_code in (302, 409)
    job.refresh_from_db()
    assert job.state == ImportJob.State.INVALID
    _nothing_written()


@pytest.mark.django_db
def test_bad_last_member_row_commits_nothing(officer_client, tree, django_capture_on_commit_callbacks):
    rows = register_rows([tree["a"][Level.VILLAGE]])
    members = [[r[1], "李四", head_id(i, "510922"), "配偶", "普通劳动力"] for i, r in enumerate(rows[:3000])]
    members[-1][2] = wrong_check_digit(members[-1][2])
    job = _upload(officer_client, register_xlsx(rows, members), django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.state == ImportJob.State.INVALID and job.error_count == 1
    assert {(e["sheet"], e["row"], e["code"]) for e in job.errors} == {("成员", 3001, "id_number_bad_check_digit")}
    _nothing_written()
    assert not Member.objects.exists()


@pytest.mark.django_db
def test_last_row_registered_by_someone_else_before_the_commit_rolls_back_all_ten_thousand(
        officer_client, tree, django_capture_on_commit_callbacks):
    """The dry run passed; between it and the commit someone registered the last row's household. The commit
    (a background task: the file is large) writes nothing — not the 9,999 good rows either — and lists the row."""
    village = tree["a"][Level.VILLAGE]
    rows = register_rows([village, tree["a2"][Level.VILLAGE]])
    job = _upload(officer_client, register_xlsx(rows), django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.state == ImportJob.State.READY, job.errors[:3]
    assert job.total_rows == ROWS and job.processed_rows == ROWS

    HouseholdFactory(village=village, head_id_number=rows[-1][1])  # someone was quicker
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        officer_client.post(reverse("households:import-commit", args=[job.pk]))
    assert callbacks, "the commit of a large file runs in the Celery task"
    job.refresh_from_db()
    assert job.state == ImportJob.State.INVALID, (job.state, job.message)
    assert {(e["row"], e["code"]) for e in job.errors} == {(ROWS + 1, "id_number_taken")}
    assert job.created_count == 0
    _nothing_written(before=1)

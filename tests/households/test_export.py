"""Excel export of the visible register, read back with openpyxl."""
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from apps.households.models import Household, ImportJob, Status
from apps.regions.models import Level
from tests.factories import HouseholdFactory, UserFactory

from .test_import import HEADERS, last_job


def read(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = list(wb["户信息"].iter_rows(values_only=True))
    return rows[0], rows[1:]


@pytest.mark.django_db
def test_export_has_headers_rows_and_only_the_users_area(client, tree, county_officer):
    mine = HouseholdFactory(village=tree["a"][Level.VILLAGE], head_name="张三", status=Status.LIFTED_OUT, national_no="N-1",
                            phone="13800000000", annual_income="12000.50", industry="茶叶种植", credit_grade="AA")
    HouseholdFactory(village=tree["a2"][Level.VILLAGE], head_name="李四")
    theirs = HouseholdFactory(village=tree["b"][Level.VILLAGE], head_name="王五")
    client.force_login(county_officer)
    headers, rows = read(client.get(reverse("households:export")))
    assert list(headers[:len(HEADERS)]) == HEADERS
    assert "所在乡镇" in headers and "信用等级" in headers
    assert len(rows) == 2
    by_id = {r[1]: dict(zip(headers, r, strict=False)) for r in rows}
    assert theirs.head_id_number not in by_id
    got = by_id[mine.head_id_number]
    assert got["户主姓名"] == "张三" and got["所在村"] == mine.village.code and got["户类别"] == "已脱贫户"
    assert got["国家系统户编号"] == "N-1" and got["联系电话"] == "13800000000" and got["家庭年纯收入"] == 12000.5
    assert got["所在乡镇"] == "赤城镇" and got["村名"] == "新桥村" and got["信用等级"] == "AA" and got["家庭人口"] == 3


@pytest.mark.django_db
def test_export_follows_the_list_filters(client, tree, county_officer):
    HouseholdFactory(village=tree["a"][Level.VILLAGE], head_name="张三", status=Status.MARGINAL)
    HouseholdFactory(village=tree["a"][Level.VILLAGE], head_name="张四")
    HouseholdFactory(village=tree["a2"][Level.VILLAGE], head_name="李四", status=Status.MARGINAL)
    client.force_login(county_officer)
    _, rows = read(client.get(reverse("households:export"), {"status": "marginal"}))
    assert sorted(r[0] for r in rows) == ["张三", "李四"]
    _, rows = read(client.get(reverse("households:export"), {"q": "张"}))
    assert sorted(r[0] for r in rows) == ["张三", "张四"]
    _, rows = read(client.get(reverse("households:export"), {"village": tree["a2"][Level.TOWNSHIP].prefix}))
    assert [r[0] for r in rows] == ["李四"]


@pytest.mark.django_db
def test_export_of_another_county_and_of_a_user_without_area(client, tree, other_county_officer):
    HouseholdFactory(village=tree["a"][Level.VILLAGE])
    client.force_login(other_county_officer)
    _, rows = read(client.get(reverse("households:export")))
    assert rows == []
    client.force_login(UserFactory(role="supervisor", region=None))
    _, rows = read(client.get(reverse("households:export")))
    assert rows == []


@pytest.mark.django_db
def test_an_export_can_be_imported_again(client, tree, county_officer):
    """Same headers as the template: moved to a fresh database (here: after deleting), it imports as it was."""
    HouseholdFactory(village=tree["a"][Level.VILLAGE], head_name="张三", status=Status.MONITORED, annual_income="9000")
    HouseholdFactory(village=tree["a2"][Level.VILLAGE], head_name="李四")
    client.force_login(county_officer)
    content = b"".join(client.get(reverse("households:export")).streaming_content)
    before = sorted(Household.objects.values_list("head_name", "head_id_number", "region_code", "status", "size"))
    Household.objects.all().delete()
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.post(reverse("households:import"), {"file": SimpleUploadedFile("export.xlsx", content)})
    job = last_job()
    assert job.state == ImportJob.State.READY, job.errors
    client.post(reverse("households:import-commit", args=[job.pk]))
    assert sorted(Household.objects.values_list("head_name", "head_id_number", "region_code", "status", "size")) == before


@pytest.mark.django_db
def test_an_export_above_the_limit_asks_for_a_narrower_filter(client, tree, county_officer, settings):
    settings.EXPORT_MAX_ROWS = 2
    for name in ("张三", "张四"):
        HouseholdFactory(village=tree["a"][Level.VILLAGE], head_name=name)
    HouseholdFactory(village=tree["a2"][Level.VILLAGE], head_name="李四")
    client.force_login(county_officer)
    response = client.get(reverse("households:export"), {"status": ""})
    assert response.status_code == 302 and response["Location"] == reverse("households:list") + "?status="
    page = client.get(response["Location"]).content.decode()
    assert "一次导出的户数过多" in page
    _, rows = read(client.get(reverse("households:export"), {"village": tree["a"][Level.TOWNSHIP].prefix}))
    assert len(rows) == 2  # exactly at the limit: the file comes

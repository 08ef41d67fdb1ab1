"""Issue 8, item 2: formula injection in Excel exports.

A head name `=HYPERLINK("http://…","点我")` typed into the form, sent through the API or imported was written as a
live formula into the register export and the batch 汇总表. Every workbook now goes through apps/core/xlsx.py:
user text is stored as text, a value that a spreadsheet would run (first character `=`, `+`, `-`, `@` after any
leading whitespace, or a leading tab / CR) is prefixed with `'` (OWASP), numbers and dates stay typed cells, and
control characters XML cannot carry are dropped instead of failing the download. Read back with openpyxl."""
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from apps.approvals import services as approvals
from apps.regions.models import Level
from tests.approvals.conftest import chain  # noqa: F401 - one county, its bank and a user at every level
from tests.factories import HouseholdFactory

HYPERLINK = '=HYPERLINK("http://evil.example/x","点我")'
HOSTILE = ["=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1", "\r=1", HYPERLINK, "  =1+1", "\u3000@x", "\n-1"]
# What a spreadsheet would run: the OWASP list, also after leading whitespace.
RUNNABLE = re.compile(r"\s*[=+\-@]|[\t\r]")


def cells(wb):
    """(sheet, cell) of every non-empty cell of a workbook loaded in full (read-only cells hide their type)."""
    return [(ws.title, c) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]


def assert_no_formula(wb) -> list[str]:
    """No cell is a formula (or an error cell), no text cell starts with something runnable; the texts."""
    texts = []
    for title, c in cells(wb):
        assert c.data_type not in ("f", "e"), f"{title}!{c.coordinate} is stored as {c.data_type!r}: {c.value!r}"
        if isinstance(c.value, str):
            assert c.data_type == "s"
            assert not RUNNABLE.match(c.value), f"{title}!{c.coordinate} starts with a formula character: {c.value!r}"
            texts.append(c.value)
    return texts


def neutralised(value: str) -> str:
    return "'" + value.replace("\r", "\n")  # XML reading turns a bare CR into LF; what matters is the quote


def download(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    return load_workbook(io.BytesIO(raw))


@pytest.mark.django_db
def test_register_export_writes_hostile_text_as_inert_text(client, tree, county_officer):
    village, township = tree["a"][Level.VILLAGE], tree["a"][Level.TOWNSHIP]
    village.name, township.name = "=1+2", "@SUM(A1)"
    village.save()
    township.save()
    for i, name in enumerate(HOSTILE):
        HouseholdFactory(village=village, head_name=name, national_no=f"-{i}+1", phone="+8613800000000", industry="=A1",
                         address=HYPERLINK, annual_income=Decimal("-500.50"), credit_grade="AA", credit_score=Decimal("78.5"),
                         rated_on=dt.date(2024, 1, 10))
    client.force_login(county_officer)
    wb = download(client, reverse("households:export"))
    texts = assert_no_formula(wb)
    ws = wb["户信息"]
    headers = [c.value for c in ws[1]]
    rows = [dict(zip(headers, row, strict=False)) for row in ws.iter_rows(min_row=2)]
    assert sorted(r["户主姓名"].value for r in rows) == sorted(neutralised(h) for h in HOSTILE)
    for r in rows:
        assert r["住址"].value == neutralised(HYPERLINK) and r["主要产业"].value == "'=A1"
        assert r["联系电话"].value == "'+8613800000000" and r["国家系统户编号"].value.startswith("'-")
        assert r["村名"].value == "'=1+2" and r["所在乡镇"].value == "'@SUM(A1)"
        # Genuine numbers and dates stay typed: a negative income is a number, not text.
        assert r["家庭年纯收入"].data_type == "n" and r["家庭年纯收入"].value == -500.5
        assert r["信用评分"].data_type == "n" and r["信用评分"].value == 78.5
        assert r["家庭人口"].data_type == "n" and r["家庭人口"].value == 3
        assert r["评级日期"].is_date and r["评级日期"].value == dt.datetime(2024, 1, 10)
        assert r["户主身份证号"].data_type == "s" and len(r["户主身份证号"].value) == 18  # ID numbers stay text
    assert HYPERLINK not in texts


@pytest.mark.django_db
def test_register_export_drops_control_characters_instead_of_failing(client, tree, county_officer):
    """openpyxl refuses characters XML 1.0 cannot carry (IllegalCharacterError): the download was a 500."""
    HouseholdFactory(village=tree["a"][Level.VILLAGE], head_name="张\x01三\x1f", address="新桥村\x0b3组", industry="\x02=1+1")
    client.force_login(county_officer)
    wb = download(client, reverse("households:export"))
    assert_no_formula(wb)
    ws = wb["户信息"]
    headers = [c.value for c in ws[1]]
    row = dict(zip(headers, (c.value for c in ws[2]), strict=False))
    assert row["户主姓名"] == "张三" and row["住址"] == "新桥村3组" and row["主要产业"] == "'=1+1"


@pytest.mark.django_db
def test_batch_summary_writes_hostile_names_villages_and_projects_as_text(client, chain):  # noqa: F811
    village = chain["tree"]["a"][Level.VILLAGE]
    village.name = HYPERLINK
    village.save()
    chain["bank"].short_name = "-1+1"
    chain["bank"].save()
    apps = []
    for i, name in enumerate(["=1+1", "+cmd|' /C calc'!A0", "@SUM(A1)", "\t=1", "-2+3"]):
        household = HouseholdFactory(village=village, head_name=name, credit_grade="AA", credit_score=78,
                                     rated_on=dt.date(2024, 1, 10))
        apps.append(approvals.application_create(chain["secretary"], household=household, amount=Decimal("10000.50") + i,
                                                 term_months=24, purpose="planting", project="=HYPERLINK(\"x\")",
                                                 today=dt.date(2024, 6, 3), submit=True))
    batch = approvals.application_batch_approve(chain["secretary"], apps, comment="=1+1", today=dt.date(2024, 6, 3))
    client.force_login(chain["county_officer"])
    wb = download(client, reverse("approvals:batch-xlsx", kwargs={"pk": batch.pk}))
    assert_no_formula(wb)
    ws = wb["汇总表"]
    rows = [[c for c in row] for row in ws.iter_rows(min_row=4, max_row=8)]
    assert sorted(r[1].value for r in rows) == sorted(["'=1+1", "'+cmd|' /C calc'!A0", "'@SUM(A1)", "'\t=1", "'-2+3"])
    assert {r[3].value for r in rows} == {"'" + HYPERLINK}
    assert {r[9].value for r in rows} == {"'-1+1"}
    assert all(r[0].data_type == "n" and r[6].data_type == "n" and r[7].data_type == "n" for r in rows)
    assert sorted(r[6].value for r in rows) == [10000.5, 10001.5, 10002.5, 10003.5, 10004.5]


@pytest.mark.django_db
def test_batch_summary_drops_control_characters(client, chain):  # noqa: F811
    household = HouseholdFactory(village=chain["tree"]["a"][Level.VILLAGE], head_name="王\x08五", credit_grade="AA",
                                 credit_score=78, rated_on=dt.date(2024, 1, 10))
    app = approvals.application_create(chain["secretary"], household=household, amount=Decimal("10000"), term_months=24,
                                       purpose="planting", project="种\x1b植", today=dt.date(2024, 6, 3), submit=True)
    batch = approvals.application_batch_approve(chain["secretary"], [app], today=dt.date(2024, 6, 3))
    client.force_login(chain["county_officer"])
    ws = download(client, reverse("approvals:batch-xlsx", kwargs={"pk": batch.pk}))["汇总表"]
    assert ws["B4"].value == "王五" and ws["I4"].value.endswith("种植")


@pytest.mark.django_db
def test_import_template_has_no_formula(client, county_officer):
    client.force_login(county_officer)
    wb = download(client, reverse("households:import-template"))
    assert set(wb.sheetnames) >= {"户信息", "填写说明"}
    assert assert_no_formula(wb)


# --- the writer itself ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("given", "stored"), [
    ("=1+1", "'=1+1"), ("+cmd", "'+cmd"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"), ("\tplain", "'\tplain"), (HYPERLINK, "'" + HYPERLINK), (" =1", "' =1"), ("\u3000+1", "'\u3000+1"),
    ("张三", "张三"), ("a=b", "a=b"), ("'=1", "'=1"), ("", ""), ("新桥村\x0b3组", "新桥村3组"), ("\x01=1", "'=1"),
    ("#N/A", "#N/A"),
])
def test_text_is_neutralised(given, stored):
    from apps.core import xlsx

    assert xlsx.text(given) == stored
    assert xlsx.text(stored) == stored  # idempotent


@pytest.mark.parametrize("given", HOSTILE + ["张三", "'引号", "a=b", ""])
def test_the_import_takes_the_quote_off_again(given):
    from apps.core import xlsx

    assert xlsx.untext(xlsx.text(given)) == given


@pytest.mark.parametrize("streaming", [False, True])
def test_every_way_of_writing_a_cell_is_neutralised(streaming):
    """append, cell(value=…), ws[coord] = …, a styled cell, and (in memory) a value set on the cell object itself."""
    from openpyxl.styles import Font

    from apps.core import xlsx

    wb = xlsx.Workbook(streaming=streaming)
    ws = wb.create_sheet("t")
    when = dt.datetime(2024, 6, 3, 10, 30, tzinfo=dt.UTC)
    ws.append(["=1+1", -5, Decimal("-2.50"), dt.date(2024, 1, 10), when, "#N/A", "x\x01y", None, True, xlsx.cell(ws, "@a", font=Font(bold=True))])
    if not streaming:
        ws.cell(row=2, column=1, value="+1")
        ws["B2"] = "-1-1"
        ws["C2"].value = "=C1"  # bypasses the sheet: the save pass catches it
        wb.active["A1"] = "=2+2"
    out = io.BytesIO()
    wb.save(out)
    back = load_workbook(io.BytesIO(out.getvalue()))
    assert_no_formula(back)
    row = [c for c in back["t"][1]]
    assert [c.value for c in row[:3]] == ["'=1+1", -5, -2.5] and row[1].data_type == row[2].data_type == "n"
    assert row[3].is_date and row[3].value == dt.datetime(2024, 1, 10)
    assert row[4].is_date and row[4].value == dt.datetime(2024, 6, 3, 18, 30)  # aware → local time, naive
    assert row[5].value == "#N/A" and row[5].data_type == "s"
    assert row[6].value == "xy" and row[8].value is True and row[9].value == "'@a" and row[9].font.bold
    if not streaming:
        assert [c.value for c in back["t"][2]][:3] == ["'+1", "'-1-1", "'=C1"]
        assert back.worksheets[0]["A1"].value == "'=2+2"



@pytest.mark.django_db
def test_a_defused_register_imports_as_it_was(client, tree, county_officer):
    """The quote is the export's, not the data's: importing the exported file gives back the names as they were.
    (Text that itself starts with a quote before a formula character, `'=x`, would come back as `=x`: the price of a
    writer that can seal a cell twice without quoting it twice.)"""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from apps.households.models import Household, ImportJob

    names = ["=1+1", "-2+3", "@SUM(A1)", "+张三", "'引号", "a=b"]
    for name in names:
        HouseholdFactory(village=tree["a"][Level.VILLAGE], head_name=name, industry="=A1", address="-3组")
    client.force_login(county_officer)
    response = client.get(reverse("households:export"))
    content = b"".join(response.streaming_content)
    before = sorted(Household.objects.values_list("head_name", "head_id_number", "industry", "address"))
    Household.objects.all().delete()
    client.post(reverse("households:import"), {"file": SimpleUploadedFile("export.xlsx", content)})
    job = ImportJob.objects.latest("pk")
    assert job.state == ImportJob.State.READY, job.errors
    client.post(reverse("households:import-commit", args=[job.pk]))
    assert sorted(Household.objects.values_list("head_name", "head_id_number", "industry", "address")) == before

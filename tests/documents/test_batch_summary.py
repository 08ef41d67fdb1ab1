"""The batch 汇总表: A4 landscape PDF and an Excel file with the same columns, read back as a user would."""
import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from apps.approvals import documents

from .pdf_tools import assert_cjk_fonts_embedded, needs_poppler, page_png, save, squeeze, text

TODAY = dt.date(2024, 6, 10)
HEADINGS = ["序号", "户主姓名", "身份证号", "村", "户类别", "信用等级", "申请金额（元）", "期限（月）", "用途", "承贷银行", "当前状态"]


def _apps(user, batch):
    return list(documents.batch_applications(user, batch))


@pytest.mark.django_db
def test_batch_applications_follow_visibility(village_batch, people, other_county_officer):
    assert len(_apps(people["county_officer"], village_batch)) == 3
    assert _apps(other_county_officer, village_batch) == []
    assert _apps(people["other_banker"], village_batch) == []  # routed to another bank
    assert len(_apps(people["banker"], village_batch)) == 3


@pytest.mark.django_db
def test_batch_keeps_its_applications_after_a_later_batch(village_batch, people):
    apps = _apps(people["county_officer"], village_batch)
    from apps.approvals import services

    later = services.application_batch_approve(people["township_leader"], apps, today=dt.date(2024, 6, 4))
    assert len(_apps(people["county_officer"], village_batch)) == 3
    assert len(_apps(people["county_officer"], later)) == 3


@needs_poppler
@pytest.mark.django_db
def test_batch_summary_pdf_reads_back(village_batch, people, tmp_path):
    apps = _apps(people["county_officer"], village_batch)
    path = save(documents.batch_summary_pdf(village_batch, apps, today=TODAY), tmp_path, "batch")
    assert_cjk_fonts_embedded(path)
    words = squeeze(text(path))
    for expected in ["扶贫小额信贷审批汇总表", *HEADINGS, "王建军", "刘桂花", "张德明", apps[0].household.head_id_number, "新桥村",
                     "建档立卡贫困户", "30,000.00", "20,000.00", "15,000.50", "种植业：种植花椒", "蓬溪农商行", "村级审核通过",
                     "合计", "共3户", "65,000.50", "折合6.50万元", "人民币陆万伍仟元伍角", "填报单位：蓬溪县赤城镇新桥村", "审核层级：村级",
                     f"填表人：{people['secretary'].real_name}", "第1页共1页", "生成日期：2024年6月10日"]:
        assert expected in words, f"{expected!r} not in the PDF text"
    png = page_png(path, "document-batch-summary")
    width, height = _png_size(png)
    assert width > height, "the summary is A4 landscape"


def _png_size(path):
    data = path.read_bytes()
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


@pytest.mark.django_db
def test_batch_summary_xlsx_reads_back(village_batch, people):
    apps = _apps(people["county_officer"], village_batch)
    wb = load_workbook(io.BytesIO(documents.batch_summary_xlsx(village_batch, apps, today=TODAY)))
    ws = wb.active
    assert ws["A1"].value == "扶贫小额信贷审批汇总表"
    assert "A1:K1" in {str(r) for r in ws.merged_cells.ranges}
    assert "填报单位：蓬溪县赤城镇新桥村" in ws["A2"].value and "审核层级：村级" in ws["A2"].value
    assert [c.value for c in ws[3]] == HEADINGS
    assert all(c.font.bold for c in ws[3])
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=4, max_row=6)]
    assert [r[1] for r in rows] == ["王建军", "刘桂花", "张德明"]
    assert [r[0] for r in rows] == [1, 2, 3]
    assert [r[2] for r in rows] == [a.household.head_id_number for a in apps]  # text, all 18 digits
    assert [r[6] for r in rows] == [30000, 20000, 15000.5]
    assert all(ws.cell(row=n, column=7).number_format == "0.00" for n in range(4, 7))
    assert [r[7] for r in rows] == [24, 24, 24]
    assert rows[0][3:6] == ["新桥村", "建档立卡贫困户", "AA"]
    assert rows[0][8:] == ["种植业：种植花椒", "蓬溪农商行", "村级审核通过"]
    assert ws["A7"].value == "合计（共3户，元）" and ws["G7"].value == 65000.5 and ws["G7"].number_format == "0.00"
    assert ws["A8"].value == "合计（万元）" and Decimal(str(ws["G8"].value)) == Decimal("6.50")
    assert ws["G7"].font.bold
    assert "人民币陆万伍仟元伍角" in ws["A9"].value
    assert ws.column_dimensions["C"].width >= 20 and ws.column_dimensions["I"].width >= 25
    assert ws.page_setup.orientation == "landscape"

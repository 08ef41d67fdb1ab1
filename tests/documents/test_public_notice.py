"""The public notice (公示) PDF: masked identity only — never the full ID number, a phone or an account number."""
import datetime as dt

import pytest

from apps.loans import documents

from .conftest import HOTLINE, HOUSEHOLD_PHONE
from .pdf_tools import assert_cjk_fonts_embedded, needs_poppler, page_png, save, squeeze, text

TODAY = dt.date(2024, 6, 7)


@needs_poppler
@pytest.mark.django_db
def test_public_notice_pdf_reads_back_and_masks(notice, tmp_path):
    path = save(documents.notice_pdf(notice, today=TODAY), tmp_path, "notice")
    assert_cjk_fonts_embedded(path)
    entry = notice.entries.select_related("loan__borrower", "loan__household").get()
    borrower = entry.loan.borrower
    words = squeeze(text(path))
    for expected in ["扶贫小额信贷公示", "蓬溪县赤城镇新桥村", entry.borrower_masked, entry.id_masked, "养殖业：养殖肉牛10头",
                     "50,000.00", "3.95", "5,925.00", "人民币伍万元整", "公示期：2024年6月7日至2024年6月14日",
                     f"举报电话：{HOTLINE}", "蓬溪县扶贫开发领导小组办公室"]:
        assert expected in words, f"{expected!r} not in the PDF text"
    assert entry.id_masked == borrower.id_number[:6] + "********" + borrower.id_number[-4:]
    assert borrower.id_number not in words
    assert borrower.name not in words  # only the masked name
    assert HOUSEHOLD_PHONE not in words and entry.loan.household.phone == HOUSEHOLD_PHONE
    assert entry.loan.contract_no not in words and entry.loan.receipt_no not in words
    page_png(path, "document-public-notice")


@pytest.mark.django_db
def test_notice_context_holds_only_the_masked_entry_fields(notice):
    ctx = documents.notice_context(notice, today=TODAY)
    assert set(ctx["rows"][0]) == {"no", "borrower", "id_number", "purpose", "amount", "subsidy_rate", "subsidy"}
    assert ctx["starts_on"] == "2024年6月7日" and ctx["ends_on"] == "2024年6月14日"
    assert ctx["issuer"] == "蓬溪县扶贫开发领导小组办公室"
    assert documents.notice_filename(notice) == "扶贫小额信贷公示-蓬溪县赤城镇新桥村-2024-06-07.pdf"

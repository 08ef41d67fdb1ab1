"""《扶贫小额信贷审批表》: one A4 page, Chinese fonts embedded, every level's verdict, signer and date readable."""
import datetime as dt
from decimal import Decimal

import pytest

from apps.approvals import documents
from apps.approvals import services as approvals
from apps.approvals.models import Application, Level
from apps.core.dates import formal_date
from apps.core.money import amount_in_words

from .conftest import APPLIED, DECIDED, SIGNERS
from .pdf_tools import assert_cjk_fonts_embedded, needs_poppler, page_count, page_png, save, squeeze, text

TODAY = dt.date(2024, 6, 10)


def _form(app) -> bytes:
    app = documents.form_queryset(Application.objects.all()).get(pk=app.pk)
    return documents.application_form_pdf(app, today=TODAY)


@pytest.mark.django_db
def test_context_takes_the_latest_verdict_per_level_and_lists_opinions(full_application):
    app = documents.form_queryset(Application.objects.all()).get(pk=full_application.pk)
    ctx = documents.application_form_context(app, today=TODAY)
    blocks = ctx["blocks"]
    assert [blocks[level].signer for level in documents.REVIEW_LEVELS] == [
        SIGNERS["secretary"], SIGNERS["township_leader"], SIGNERS["county_head"], SIGNERS["banker"]]
    assert all(blocks[level].signed for level in documents.REVIEW_LEVELS)
    assert [blocks[level].on for level in documents.REVIEW_LEVELS] == [formal_date(DECIDED[level]) for level in documents.REVIEW_LEVELS]
    assert blocks[Level.VILLAGE].comment == "经入户核查，情况属实"
    assert [(o.comment, o.by) for o in blocks[Level.TOWNSHIP].opinions] == [("资料齐全，符合条件", SIGNERS["township_officer"])]
    assert ctx["amount"] == "50,000.00" and ctx["amount_words"] == "伍万元整"
    assert ctx["purpose"] == "养殖业" and ctx["status"] == "建档立卡贫困户"
    assert ctx["loan"].contract_no == "PX-2024-001" and ctx["loan_maturity_on"] == "2027年6月6日"


@pytest.mark.django_db
def test_a_return_then_a_new_approval_shows_the_approval(people):
    chain = people
    app = approvals.application_create(chain["secretary"], household=chain["household"], amount=Decimal("12345.60"), term_months=12,
                                       purpose="planting", project="种植茶叶", today=APPLIED, submit=True)
    app = approvals.application_approve(chain["secretary"], app, today=APPLIED)
    app = approvals.application_return(chain["township_leader"], app, comment="缺少收入证明")
    app = approvals.application_approve(chain["secretary"], app, comment="已补充收入证明", today=APPLIED)
    app = documents.form_queryset(Application.objects.all()).get(pk=app.pk)
    blocks = documents.application_form_context(app, today=TODAY)["blocks"]
    assert blocks[Level.VILLAGE].decision == "approve" and blocks[Level.VILLAGE].comment == "已补充收入证明"
    township = blocks[Level.TOWNSHIP]  # it returned the application, which is now back in its review
    assert township.decision == "" and township.signer == ""
    assert [(e.decision, e.comment, e.by) for e in township.earlier] == [("return", "缺少收入证明", SIGNERS["township_leader"])]
    assert blocks[Level.BANK].decision == ""


@needs_poppler
@pytest.mark.django_db
def test_application_form_pdf_reads_back(full_application, tmp_path):
    path = save(_form(full_application), tmp_path, "form")
    assert_cjk_fonts_embedded(path)
    assert page_count(path) == 1, "the form fits one A4 page"
    household = full_application.household
    words = squeeze(text(path))
    for expected in [
        "扶贫小额信贷审批表", household.head_name, household.head_id_number, "蓬溪县赤城镇新桥村", "建档立卡贫困户", "AA（75.0分）",
        "50,000.00元", "人民币伍万元整", "36个月", "养殖业", "养殖肉牛10头", "蓬溪农商行",
        "村联查小组意见", "乡镇审核意见", "县扶贫开发领导小组推荐意见", "承贷银行审批意见",
        "同意上报。经入户核查，情况属实", "初审意见：资料齐全，符合条件", SIGNERS["township_officer"], "同意推荐", "同意发放贷款",
        *SIGNERS.values(), "2024年6月3日", "2024年6月4日", "2024年6月5日", "2024年6月6日",
        "PX-2024-001", "PX-2024-001-J", "3.95%", "2027年6月6日",
        "第1页共1页", "生成日期：2024年6月10日",
    ]:
        assert expected in words, f"{expected!r} not in the PDF text"
    page_png(path, "document-application-form")


@needs_poppler
@pytest.mark.django_db
def test_undecided_levels_leave_blank_signature_lines(people, tmp_path):
    chain = people
    app = approvals.application_create(chain["secretary"], household=chain["household"], amount=Decimal("23456.78"), term_months=24,
                                       purpose="trade", project="开办小卖部", today=APPLIED, submit=True)
    path = save(_form(app), tmp_path, "draft-form")
    assert_cjk_fonts_embedded(path)
    words = squeeze(text(path))
    assert amount_in_words(Decimal("23456.78")) == "贰万叁仟肆佰伍拾陆元柒角捌分"
    assert "人民币贰万叁仟肆佰伍拾陆元柒角捌分" in words
    assert words.count("（尚未审核）") == 4
    assert "合同编号" in words and "PX-" not in words


@needs_poppler
@pytest.mark.django_db
def test_a_corrected_return_stays_on_the_form_as_an_earlier_opinion(people, tmp_path):
    chain = people
    app = approvals.application_create(chain["secretary"], household=chain["household"], amount=Decimal("8000"), term_months=12,
                                       purpose="planting", project="种植茶叶", today=APPLIED, submit=True)
    app = approvals.application_approve(chain["secretary"], app, today=APPLIED)
    app = approvals.application_return(chain["township_leader"], app, comment="缺少收入证明")
    app = approvals.application_approve(chain["secretary"], app, comment="已补充收入证明", today=APPLIED)
    path = save(_form(app), tmp_path, "returned-form")
    words = squeeze(text(path))
    assert "前次意见：退回补正。缺少收入证明" in words and "人民币捌仟元整" in words
    assert "同意上报。已补充收入证明" in words
    page_png(path, "document-application-form-returned")

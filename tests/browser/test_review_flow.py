"""One loan application from the village to the disbursement on a tablet, with every level's user logging in through
the real form: the village first secretary creates, submits and passes the village review; the township officer
records an opinion and the township leader signs; the county head recommends; the bank officer approves with the
contract and 借据 numbers, downloads the 审批表 and records the disbursement. Each user finds the application in
their queue and sees the page in Chinese."""
import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.approvals.models import Application, State
from apps.loans.models import LoanState
from tests.approvals.conftest import chain  # noqa: F401 - county, bank, one user per level, a rated household

from .flows_support import flash, press, sign_in, text
from .support import BROWSER, LANDSCAPE, shot

pytestmark = BROWSER

CONTRACT, RECEIPT = "PX-2026-0088", "JJ-2026-0088"


NAMES = {"secretary": "赵第一书记", "township_officer": "钱扶贫干事", "township_leader": "孙镇长", "county_head": "李县长",
         "banker": "周信贷员"}


@pytest.fixture
def people(chain):  # noqa: F811
    """The chain with a household rated a month ago (its rating is current today) and people's names on the users."""
    household = chain["household"]
    household.rated_on = timezone.localdate() - dt.timedelta(days=30)
    household.save()
    for key, name in NAMES.items():
        chain[key].real_name = name
        chain[key].save(update_fields=["real_name"])
    return chain


def timeline(page) -> str:
    return text(page, "[data-testid=timeline]")


def state_badge(page) -> str:
    return text(page, "h1 + div .badge")


def open_from_queue(page, head_name: str):
    """The queue lists the household; its link opens the application."""
    assert page.locator("h1").inner_text() == "待审核"
    table = page.locator("[data-testid=queue-table]")
    assert head_name in table.inner_text()
    press(page, table.get_by_role("link", name=head_name))
    assert page.locator("h1").inner_text() == f"{head_name} 的贷款申请"


def village_creates_and_passes(page, people) -> Application:
    """The first secretary: household file → new application form → saved and submitted → village review passed."""
    household, secretary = people["household"], people["secretary"]
    sign_in(page, secretary, reverse("households:detail", args=[household.pk]))
    press(page, "[data-testid=new-application]")
    assert page.locator("h1").inner_text() == f"{household.head_name}户贷款申请"
    assert page.locator("#id_borrower option:checked").inner_text().startswith(household.head_name)
    assert page.locator("#id_bank option:checked").inner_text() == people["bank"].name
    assert page.locator("#id_submit_now").is_checked()  # 立即提交村级审核
    page.fill("#id_amount", "30000")
    page.fill("#id_term_months", "24")
    page.select_option("#id_purpose", "breeding")
    page.fill("#id_project", "养殖肉牛 5 头")
    shot(page, "review-1-village-form")
    press(page, page.get_by_role("button", name="保存"))

    assert "申请已登记。" in flash(page)
    assert page.locator("h1").inner_text() == f"{household.head_name} 的贷款申请"
    assert state_badge(page) == "已提交村级审核"
    line = timeline(page)
    assert "创建" in line and "提交" in line and f"签字：{secretary.display_name}" in line
    request = text(page, ".card-body dl")
    assert "30,000" in request and "24 个月" in request and "养殖肉牛 5 头" in request

    page.fill("#id_comment", "经村民代表评议，同意申请")
    press(page, page.get_by_role("button", name="村级审核通过并签字"))
    assert "操作完成。" in flash(page)
    assert state_badge(page) == "村级审核通过"
    assert "经村民代表评议，同意申请" in timeline(page)
    shot(page, "review-2-village-passed")
    app = Application.objects.get(household=household)
    assert app.state == State.VILLAGE_APPROVED
    return app


def test_application_from_village_to_disbursement_with_four_signers(page, people):
    household = people["household"]
    app = village_creates_and_passes(page, people)

    # Township: the officer sees the application in the queue but may only record an opinion; the leader signs.
    officer = people["township_officer"]
    sign_in(page, officer, reverse("approvals:queue"))
    assert page.locator("[data-testid=count-waiting]").inner_text() == "1"
    open_from_queue(page, household.head_name)
    decision = page.locator("form[action$='/act/']")
    assert decision.get_by_role("button", name="登记我的审核意见").is_visible()
    assert decision.get_by_role("button", name="乡镇审核通过并签字").count() == 0  # the officer is not the signer
    page.fill("#id_comment", "经乡镇扶贫办核实，产业项目真实")
    press(page, decision.get_by_role("button", name="登记我的审核意见"))
    assert "操作完成。" in flash(page)
    assert state_badge(page) == "村级审核通过"  # an opinion does not move the application
    assert "审核意见" in timeline(page) and officer.display_name in timeline(page)

    leader = people["township_leader"]
    sign_in(page, leader, reverse("approvals:queue"))
    open_from_queue(page, household.head_name)
    page.fill("#id_comment", "同意")
    press(page, page.get_by_role("button", name="乡镇审核通过并签字"))
    assert state_badge(page) == "乡镇审核通过"
    assert f"签字：{leader.display_name}" in timeline(page)
    shot(page, "review-3-township-passed")

    # County: the county head recommends to the bank.
    head = people["county_head"]
    sign_in(page, head, reverse("approvals:queue"))
    open_from_queue(page, household.head_name)
    page.fill("#id_comment", "推荐放贷")
    press(page, page.get_by_role("button", name="县级推荐至银行并签字"))
    assert state_badge(page) == "县级已推荐"
    assert f"签字：{head.display_name}" in timeline(page)

    # Bank: approves with the contract and 借据 numbers.
    banker = people["banker"]
    sign_in(page, banker, reverse("approvals:queue"))
    open_from_queue(page, household.head_name)
    form = page.locator("form[action$='/act/']")
    for label in ("审批金额（元）", "审批期限（月）", "签订日期", "合同编号", "借据编号"):
        assert form.get_by_label(label, exact=False).count() == 1, label
    assert page.locator("#id_amount").input_value().startswith("30000")
    assert page.locator("#id_term_months").input_value() == "24"
    assert page.locator("#id_signed_on").input_value() == timezone.localdate().isoformat()
    page.fill("#id_contract_no", CONTRACT)
    page.fill("#id_receipt_no", RECEIPT)
    page.fill("#id_comment", "审批通过")
    shot(page, "review-4-bank-form")
    press(page, page.get_by_role("button", name="审批通过并签订合同"))
    assert "操作完成。" in flash(page)
    assert state_badge(page) == "银行审批通过"
    line = timeline(page)
    for user in (people["secretary"], leader, head, banker):
        assert f"签字：{user.display_name}" in line, user.display_name
    assert officer.display_name in line
    assert page.locator("[data-testid=timeline] li").count() == 7  # created, submitted, village, opinion, township, county, bank
    assert page.locator("form[action$='/act/']").count() == 0  # nothing left to decide
    shot(page, "review-5-bank-approved")

    # The 审批表 downloads as a PDF.
    with page.expect_download() as info:
        page.locator("[data-testid=form-pdf]").click()
    download = info.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as fh:
        pdf = fh.read()
    assert pdf.startswith(b"%PDF") and len(pdf) > 1000

    # The contract waits for disbursement in the bank's queue; the loan page records it.
    press(page, page.locator("dd a", has_text=CONTRACT))
    assert page.locator("h1").inner_text().startswith(f"贷款 {CONTRACT}")
    assert page.locator("[data-testid=loan-state]").inner_text() == "已签合同，未放款"
    assert page.locator("[data-testid=schedule]").count() == 0
    assert "放款后生成还款计划。" in page.locator("main").inner_text()
    page.goto(reverse("approvals:queue"))
    assert page.locator("[data-testid=queue-empty]").is_visible()  # nothing left to review at the bank
    assert page.locator("h2", has_text="待放款合同").is_visible()
    waiting = page.locator("h2:has-text('待放款合同') + .table-responsive table")
    row = waiting.locator("tbody tr", has_text=CONTRACT)
    assert household.members.get(relation="head").name in row.inner_text() and "30,000" in row.inner_text()
    press(page, row.get_by_role("link", name=CONTRACT))
    disburse = page.locator("form[action$='/disburse/']")
    assert disburse.get_by_role("heading").inner_text() == "登记放款"
    assert page.locator("#id_disbursed_on").input_value() == timezone.localdate().isoformat()
    press(page, disburse.get_by_role("button", name="确认放款"))
    assert "放款已登记。" in flash(page)
    assert page.locator("[data-testid=loan-state]").inner_text() == "已放款（在贷）"
    contract = text(page, ".card-body dl")
    assert f"{CONTRACT} / {RECEIPT}" in contract and "30,000" in contract
    schedule = page.locator("[data-testid=schedule]")
    assert schedule.is_visible()
    assert schedule.locator("tbody tr").count() >= 8  # quarterly interest over two years, principal at maturity
    assert "30,000" in schedule.locator("tbody tr").last.inner_text()
    assert page.locator("form[action$='/disburse/']").count() == 0
    shot(page, "review-6-loan-disbursed")

    app.refresh_from_db()
    assert app.state == State.BANK_APPROVED and app.loan.contract_no == CONTRACT
    assert app.loan.state == LoanState.DISBURSED and app.loan.disbursed_on == timezone.localdate()
    assert page.server_errors == []


@pytest.mark.parametrize("viewport", [LANDSCAPE], ids=["1024x768"])
def test_village_steps_in_landscape(page, people):
    village_creates_and_passes(page, people)
    # The township leader's queue shows the household right away.
    sign_in(page, people["township_leader"], reverse("approvals:queue"))
    assert people["household"].head_name in page.locator("[data-testid=queue-table]").inner_text()
    assert page.server_errors == []

"""The village group records a post-loan inspection on a tablet — photo from the camera input, location from the
device, a wrong-use finding — and the finding is rectified through its page by the users who own each step:
village proposes a plan and deadline → township leader approves → county officer and bank officer agree → village
reports the rectification → township officer verifies."""
import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.postloan import jobs
from apps.postloan.models import Finding, Inspection, InspectionSchedule, RectState
from tests.approvals.conftest import chain  # noqa: F401 - county, bank, one user per level, a rated household
from tests.loans.test_loan_account import disbursed

from .flows_support import flash, png, press, sign_in, text
from .support import BROWSER, LANDSCAPE, shot

pytestmark = BROWSER

POSITION = {"latitude": 30.493812, "longitude": 105.712498, "accuracy": 15}
NAMES = {"secretary": "赵第一书记", "township_officer": "钱扶贫干事", "township_leader": "孙镇长", "county_officer": "李县干事",
         "banker": "周信贷员"}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def people(chain):  # noqa: F811
    """The chain's users with people's names, and its household rated three months ago (current today)."""
    for key, name in NAMES.items():
        chain[key].real_name = name
        chain[key].save(update_fields=["real_name"])
    chain["household"].rated_on = timezone.localdate() - dt.timedelta(days=90)
    chain["household"].save()
    return chain


@pytest.fixture
def loan(people):
    """A 30 000 yuan loan disbursed 40 days ago, put on the inspection schedule by tonight's job: first inspection overdue."""
    today = timezone.localdate()
    loan = disbursed(people, amount="30000", term=24, signed=today - dt.timedelta(days=40), contract="PX-2026-0101")
    assert jobs.inspection_scheduling(today)["added"] == 1
    return loan


def finding_state(page) -> str:
    return text(page, "h1 + [data-testid=finding-state]")


def record_inspection(page, people, loan) -> Inspection:
    """The first secretary: task list → inspection form → photo, location, 'use does not match', a wrong-use problem → saved."""
    context = page.context
    context.grant_permissions(["geolocation"], origin=page.base_url)
    context.set_geolocation(POSITION)
    sign_in(page, people["secretary"], reverse("postloan:tasks"))
    assert page.locator("h1").inner_text() == "外勤任务"
    assert page.locator("[data-testid=count-overdue]").inner_text() == "1"
    task = page.locator("[data-testid=task-inspections] li", has_text=loan.borrower.name)
    assert task.get_attribute("data-overdue") == "1" and loan.contract_no in task.inner_text()
    press(page, task.get_by_role("link", name="检查"))

    assert page.locator("h1").inner_text() == f"贷后检查 · {loan.borrower.name}"
    assert "养殖业" in page.locator("[data-testid=declared-purpose]").inner_text()
    # The device position fills the hidden fields, with its accuracy.
    status = page.locator("[data-location-status]")
    status.filter(has_text="已定位").wait_for()
    assert status.inner_text() == "已定位，精度 ±15 米。"
    assert page.locator("input[name=latitude]").input_value() == "30.493812"
    assert page.locator("input[name=longitude]").input_value() == "105.712498"

    photo = page.locator("input[type=file][name=photos]")
    assert photo.get_attribute("accept") == "image/*" and photo.get_attribute("capture") == "environment"
    photo.set_input_files([{"name": "cattle.png", "mimeType": "image/png", "buffer": png(640, 480)}])
    ready = page.locator("[data-photo-status]")
    ready.filter(has_text="张照片待上传").wait_for()
    assert ready.inner_text().startswith("1 张照片待上传")
    assert page.locator("[data-photo-preview] img").count() == 1

    assert page.locator("#id_done_on").input_value() == timezone.localdate().isoformat()
    assert page.locator("#id_inspectors").input_value() == people["secretary"].display_name
    page.fill("#id_actual_use", "购买肉牛 3 头，其余资金购买家电")
    page.locator("[data-testid=use-matches] label", has_text="否").click()
    assert page.locator("[data-testid=use-matches] input[value='0']").is_checked()
    page.fill("#id_production_status", "存栏肉牛 3 头，长势良好")
    page.fill("#id_income_effect", "预计年增收 5000 元")
    page.select_option("#id_finding_1_category", "wrong_use")
    page.fill("#id_finding_1_description", "挪用 8000 元购买电视机和冰箱")
    page.fill("#id_inspectors", f"{people['secretary'].display_name}、钱会计")
    shot(page, "inspection-1-form")
    press(page, page.get_by_role("button", name="保存检查记录"))

    inspection = Inspection.objects.get(loan=loan)
    assert page.url.endswith(reverse("postloan:inspection-detail", args=[inspection.pk]))
    assert "检查已登记。" in flash(page)
    assert page.locator("h1").inner_text() == f"{loan.borrower.name} {timezone.localdate():%Y-%m-%d} 贷后检查"
    assert page.locator("h1 + div > .badge").inner_text() == "发现问题"
    assert page.locator("[data-testid=location]").inner_text() == "30.493812, 105.712498 · 精度 ±15 米"
    assert "每月" in page.locator("[data-testid=next-due]").inner_text()  # monthly while the problem is open
    return inspection


def test_inspection_with_photo_and_finding_rectified_to_verified(page, people, loan):
    inspection = record_inspection(page, people, loan)

    # The photo is shown, and served (after the visibility check) as an image: the tablet sent it as a JPEG.
    img = page.locator("[data-testid=photos] img")
    assert img.count() == 1
    img.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=img.element_handle())
    assert img.evaluate("img => [img.naturalWidth, img.naturalHeight]") == [640, 480]
    response = page.request.get(img.get_attribute("src"))
    assert response.status == 200 and response.headers["content-type"].startswith("image/")
    assert response.body()[:3] == b"\xff\xd8\xff"  # downscaled to JPEG by static/js/inspection.js
    finding_box = page.locator("[data-testid=finding]")
    assert "挪用 8000 元购买电视机和冰箱" in finding_box.inner_text()
    assert finding_box.locator("[data-testid=finding-state]").inner_text() == "已发现，待提出整改方案"
    shot(page, "inspection-2-detail")

    finding = Finding.objects.get(inspection=inspection)
    finding_url = reverse("postloan:finding-detail", args=[finding.pk])
    today = timezone.localdate()
    deadline = today + dt.timedelta(days=30)

    # 1. The village group proposes the plan and a deadline.
    press(page, finding_box.get_by_role("link", name="贷款使用不精准"))
    assert page.locator("h1").inner_text() == f"贷款使用不精准 · {loan.borrower.name}"
    assert finding_state(page) == "已发现，待提出整改方案"
    assert page.locator("[data-testid=stepper] [aria-current=step]").inner_text() == "已发现，待提出整改方案"
    step = page.locator("[data-testid=step-propose]")
    step.get_by_label("整改措施").fill("收回挪用的 8000 元，改购饲料和犊牛")
    step.get_by_label("整改期限").fill(deadline.isoformat())
    press(page, step.get_by_role("button", name="提出整改方案"))
    assert "已登记：已提出整改方案。" in flash(page)
    assert finding_state(page) == "联查小组已提出整改方案"
    assert deadline.strftime("%Y-%m-%d") in page.locator("main").inner_text()
    assert page.locator("form[data-testid^=step-]").count() == 0  # the next step is the township's

    def take_step(user, action, button, state, **fields):
        """`user` logs in, finds the finding on their task list, opens it and takes the step."""
        sign_in(page, user, reverse("postloan:tasks"))
        task = page.locator("[data-testid=task-findings] li", has_text=loan.borrower.name)
        press(page, task.locator(f"a[href='{finding_url}']"))
        form = page.locator(f"[data-testid=step-{action}]")
        assert form.count() == 1, f"{user.display_name} should be offered {action}"
        for label, value in fields.items():
            form.get_by_label(label).fill(value)
        press(page, form.get_by_role("button", name=button))
        assert finding_state(page) == state, (action, finding_state(page), flash(page))
        assert user.display_name in page.locator("[data-testid=timeline]").inner_text()
        return page

    # 2. The township leader approves; 3. the county officer and 4. the bank officer agree.
    take_step(people["township_leader"], "township_approve", "批准整改方案", "乡镇已批准整改方案", 意见="同意整改方案")
    assert page.locator("form[data-testid^=step-]").count() == 0  # the township's turn is over
    take_step(people["county_officer"], "county_agree", "代表县级同意", "乡镇已批准整改方案")  # waits for the bank
    agreement = page.locator("dt:text-is('同意情况') + dd").inner_text()
    assert agreement.split() == ["县", "✓", "·", "银行", "…"], agreement
    take_step(people["banker"], "bank_agree", "代表银行同意", "县级和银行已同意")
    shot(page, "inspection-3-agreed")
    # 5. The village group reports the rectification; 6. the township officer verifies it.
    take_step(people["secretary"], "rectify", "报告整改完成", "已整改", 整改情况="已收回 8000 元，购买饲料 2 吨、犊牛 1 头")
    take_step(people["township_officer"], "verify", "核实整改结果", "已核实", 意见="现场核实，整改到位")
    assert "已登记：已核实。" in flash(page)
    assert page.locator("[data-testid=stepper] [aria-current=step]").inner_text() == "已核实"
    assert page.locator("form[data-testid^=step-]").count() == 0
    assert page.locator("dt:text-is('核实日期') + dd").inner_text() == f"{today:%Y-%m-%d}"
    assert page.locator("dt:text-is('整改责任人') + dd").inner_text() == people["secretary"].display_name
    steps = page.locator("[data-testid=timeline] li")
    assert steps.count() == 7
    expected = [("检查中发现", "secretary"), ("已提出整改方案", "secretary"), ("乡镇已批准", "township_leader"),
                ("县级已同意", "county_officer"), ("银行已同意", "banker"), ("已整改", "secretary"), ("已核实", "township_officer")]
    for i, (label, who) in enumerate(expected):
        line = steps.nth(i).inner_text()
        assert line.startswith(label) and people[who].display_name in line, (i, line)
    shot(page, "inspection-4-verified")

    finding.refresh_from_db()
    assert finding.state == RectState.VERIFIED and finding.verified_on == today
    assert not InspectionSchedule.objects.get(loan=loan).problem_open  # back to quarterly
    assert page.server_errors == []


@pytest.mark.parametrize("viewport", [LANDSCAPE], ids=["1024x768"])
def test_inspection_form_in_landscape(page, people, loan):
    record_inspection(page, people, loan)
    assert page.locator("[data-testid=photos] img").count() == 1
    assert page.server_errors == []

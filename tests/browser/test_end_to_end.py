"""The issue's acceptance flow in one go, in Debian's Chromium at tablet size (768×1024): a county officer logs in
through the real login form, searches a household in the register, uploads an .xlsx with one bad row, sees the
error listed (nothing saved), uploads the corrected file, commits it and finds the new household in the register.
No session cookie is injected anywhere: every step goes through the pages a user sees."""
import datetime as dt

import pytest

from apps.accounts.roles import Role
from apps.households.models import Household, ImportJob
from apps.regions.models import Level
from tests.factories import UserFactory, valid_id

from .data import register, workbook, wrong_check_digit
from .flows_support import flash, press, sign_in
from .support import BROWSER, PORTRAIT, assert_no_horizontal_scroll, open_menu, shot, upload

pytestmark = BROWSER


@pytest.fixture
def viewport():
    return PORTRAIT


def search(page, text: str) -> str:
    page.fill("#q", text)
    press(page, "[data-testid=filters] button[type=submit]")
    return page.locator("[data-testid=result-count]").inner_text()


def test_login_search_and_import_a_register_file_on_a_tablet(page, live_server, tree, media, tmp_path):
    assert page.viewport_size == {"width": 768, "height": 1024}
    officer = UserFactory(role=Role.COUNTY_OFFICER, region=tree["a"][Level.COUNTY], real_name="陈主任")
    wang = register(tree, officer)  # 30 households, 王建国's among them
    village = tree["a"][Level.VILLAGE]
    new_head = valid_id("510921", dt.date(1958, 11, 23))
    fixed = valid_id("510921", dt.date(1966, 2, 14))

    def rows(bad: bool):
        return [
            ["孙有福", new_head, village.code, "建档立卡贫困户", "", "13900002222", 3, 2, 6400, "种植（柑橘）", "新桥村二组"],
            ["冯秀兰", wrong_check_digit(fixed) if bad else fixed, "赤城镇/新桥村", "监测对象", "", "", 1, 1, "", "", ""],
        ]

    # 1. Not logged in: the login form, then the work queue.
    page.goto("/")
    assert "/accounts/login/" in page.url
    sign_in(page, officer)
    assert page.url == f"{live_server.url}/"
    assert page.locator("h1").inner_text() == "待办事项"

    # 2. The register through the menu; search by name, then by ID number.
    open_menu(page)
    press(page, page.locator("#mainnav").get_by_role("link", name="农户名单", exact=True))
    assert page.locator("h1").inner_text() == "农户名单"
    assert page.locator("[data-testid=result-count]").inner_text() == "共 30 户"
    assert search(page, "王建") == "共 1 户"
    assert "王建国" in page.locator("[data-testid=household-table] tbody").inner_text()
    assert search(page, wang.head_id_number) == "共 1 户"
    shot(page, "e2e-search")
    assert_no_horizontal_scroll(page)

    # 3. The import page from the register; a file with one bad row: the row is listed, nothing is saved.
    press(page, page.get_by_role("link", name="从 Excel 导入").first)
    assert page.url.endswith("/households/import/")
    upload(page, workbook(tmp_path / "新桥村补录.xlsx", rows(bad=True), members=[]))
    assert page.locator("[data-testid=import-state]").inner_text() == "有错误"
    errors = page.locator("[data-testid=import-errors] tbody tr")
    assert errors.count() == 1
    problem = " ".join(errors.first.inner_text().split())
    assert wrong_check_digit(fixed) in problem and "身份证号码校验码（最后一位）有误。" in problem
    assert " 3 " in f" {problem} "  # Excel row 3: the header is row 1, 孙有福 row 2
    assert page.locator("[data-testid=commit]").count() == 0
    assert Household.objects.count() == 30
    shot(page, "e2e-import-errors")
    assert_no_horizontal_scroll(page)

    # 4. The corrected file passes the dry run; the commit writes both households.
    press(page, page.get_by_role("link", name="上传更正后的文件"))
    assert page.url.endswith("/households/import/")
    upload(page, workbook(tmp_path / "新桥村补录-已更正.xlsx", rows(bad=False), members=[]))
    assert page.locator("[data-testid=import-state]").inner_text() == "可以导入"
    assert page.locator("[data-testid=import-errors]").count() == 0
    assert Household.objects.count() == 30
    press(page, "[data-testid=commit]")
    assert page.locator("[data-testid=import-state]").inner_text() == "已导入"
    assert "已导入 2 户。" in flash(page)
    assert page.locator("[data-testid=created-count]").inner_text() == "2"
    assert ImportJob.objects.filter(state=ImportJob.State.DONE, created_by=officer).count() == 1
    shot(page, "e2e-import-done")

    # 5. The new household is in the register, found by its head's ID number.
    press(page, "[data-testid=to-register]")
    assert page.locator("[data-testid=result-count]").inner_text() == "共 32 户"
    assert search(page, new_head) == "共 1 户"
    press(page, page.locator("[data-testid=household-table]").get_by_role("link", name="孙有福"))
    assert page.locator("[data-testid=head-name]").inner_text() == "孙有福"
    assert "从文件导入" in page.locator(".timeline").inner_text()
    shot(page, "e2e-new-household")
    assert page.server_errors == []

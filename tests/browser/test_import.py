"""(c) Importing households from Excel through the import pages: upload a workbook built here with openpyxl,
see the dry run list the bad row with its reason (nothing saved), upload a corrected file, commit, and find
the households in the register."""
import datetime as dt

from apps.accounts.roles import Role
from apps.households.models import Household, ImportJob
from apps.regions.models import Level
from tests.factories import UserFactory, valid_id

from .data import workbook, wrong_check_digit
from .support import BROWSER, TABLETS, assert_no_horizontal_scroll, enter, shot, small_targets, upload

pytestmark = BROWSER


@TABLETS
def test_import_dry_run_lists_the_bad_row_then_a_corrected_file_is_committed(page, tree, media, tmp_path, viewport):
    officer = UserFactory(role=Role.COUNTY_OFFICER, region=tree["a"][Level.COUNTY], real_name="陈主任")
    village = tree["a"][Level.VILLAGE]
    ids = {name: valid_id("510921", dt.date(1960 + i, 5, 1 + i)) for i, name in enumerate(["周福生", "吴桂花", "郑国强"])}
    spouse_id = valid_id("510921", dt.date(1962, 8, 8))

    def rows(bad: bool):
        return [
            ["周福生", ids["周福生"], village.code, "建档立卡贫困户", "", "13700001111", 2, 1, 5200, "种植（茶叶）", "新桥村一组"],
            ["吴桂花", wrong_check_digit(ids["吴桂花"]) if bad else ids["吴桂花"], "赤城镇/新桥村", "监测对象", "", "", 1, 1, "", "", ""],
            ["郑国强", ids["郑国强"], village.code, "已脱贫户", "", "", 3, 2, 9800, "养殖（肉牛）", ""],
        ]

    members = [[ids["周福生"], "钱秀珍", spouse_id, "配偶", "普通劳动力"]]

    enter(page, officer, next_url="/households/")
    with page.expect_navigation():
        page.get_by_role("link", name="从 Excel 导入").first.click()
    assert page.url.endswith("/households/import/")
    assert page.locator("[data-testid=template-link]").is_visible()
    shot(page, "import-upload")
    assert_no_horizontal_scroll(page)
    assert small_targets(page, "main .btn, main .form-control") == []

    # 1. The dry run: every bad row with its reason, nothing saved, nothing to commit.
    upload(page, workbook(tmp_path / "第一批.xlsx", rows(bad=True), members))
    assert "/households/import/" in page.url
    assert page.locator("[data-testid=import-state]").inner_text() == "有错误"
    errors = page.locator("[data-testid=import-errors] tbody tr")
    assert errors.count() == 1
    problem = errors.first.inner_text()
    assert "3" in problem  # Excel row 3: the header is row 1
    assert wrong_check_digit(ids["吴桂花"]) in problem
    assert "身份证号码校验码（最后一位）有误。" in problem
    assert page.locator("[data-testid=commit]").count() == 0
    assert Household.objects.count() == 0
    shot(page, "import-dry-run-errors")
    assert_no_horizontal_scroll(page)

    # 2. The corrected file passes the dry run; nothing is saved until the commit.
    page.goto("/households/import/")
    upload(page, workbook(tmp_path / "第一批-已更正.xlsx", rows(bad=False), members))
    assert page.locator("[data-testid=import-state]").inner_text() == "可以导入"
    assert page.locator("[data-testid=import-errors]").count() == 0
    assert page.locator("[data-testid=total-rows]").inner_text() == "3"
    assert Household.objects.count() == 0
    shot(page, "import-ready")
    with page.expect_navigation():
        page.locator("[data-testid=commit]").click()
    assert page.locator("[data-testid=import-state]").inner_text() == "已导入"
    assert "已导入 3 户。" in page.locator(".alert-success").inner_text()
    assert page.locator("[data-testid=created-count]").inner_text() == "3"
    shot(page, "import-done")
    assert ImportJob.objects.filter(state=ImportJob.State.DONE).count() == 1

    # 3. The households are in the register, the member with them.
    with page.expect_navigation():
        page.locator("[data-testid=to-register]").click()
    assert page.locator("[data-testid=result-count]").inner_text() == "共 3 户"
    names = page.locator("[data-testid=household-table] tbody td:first-child").all_inner_texts()
    assert sorted(names) == sorted(ids)
    page.fill("#q", spouse_id)
    with page.expect_navigation():
        page.click("[data-testid=filters] button[type=submit]")
    with page.expect_navigation():
        page.locator("[data-testid=household-table]").get_by_role("link", name="周福生").click()
    members_table = page.locator("[data-testid=members]").inner_text()
    assert "钱秀珍" in members_table and "配偶" in members_table
    assert "从文件导入" in page.locator(".timeline").inner_text()
    assert page.server_errors == []

"""(b) The register (农户名单): search by name and by ID number, open the household's file (一户一档)."""
import pytest

from apps.accounts.roles import Role
from apps.regions.models import Level
from tests.factories import UserFactory

from .data import register
from .support import BROWSER, TABLETS, enter, shot

pytestmark = BROWSER


@pytest.fixture
def officer(tree):
    return UserFactory(role=Role.COUNTY_OFFICER, region=tree["a"][Level.COUNTY], real_name="陈主任")


def search(page, text: str) -> str:
    page.fill("#q", text)
    with page.expect_navigation():
        page.click("[data-testid=filters] button[type=submit]")
    return page.locator("[data-testid=result-count]").inner_text()


@TABLETS
def test_search_by_name_and_id_number_then_open_the_file(page, officer, tree, viewport):
    wang = register(tree, officer)
    spouse = wang.members.get(name="刘秀英")
    enter(page, officer, next_url="/households/")
    assert page.locator("h1").inner_text() == "农户名单"
    assert page.locator("[data-testid=result-count]").inner_text() == "共 30 户"
    assert page.locator("[data-testid=household-table] tbody tr").count() == 25
    assert page.locator(".pagination").get_by_text("第 1 页，共 2 页").is_visible()

    # By name (prefix).
    assert search(page, "王建") == "共 1 户"
    rows = page.locator("[data-testid=household-table] tbody tr")
    assert rows.count() == 1 and "王建国" in rows.inner_text()
    shot(page, "search-by-name")

    # By the head's ID number, and by a member's: both find the household.
    assert search(page, wang.head_id_number) == "共 1 户"
    assert wang.head_id_number in rows.inner_text()
    assert search(page, spouse.id_number.lower()) == "共 1 户"
    assert "王建国" in rows.inner_text()

    # Nothing found: an empty state, not an empty table.
    assert search(page, "欧阳") == "共 0 户"
    empty = page.locator("[data-testid=empty]")
    assert "没有符合筛选条件的农户" in empty.inner_text()
    shot(page, "search-empty")

    search(page, "王建")
    with page.expect_navigation():
        page.locator("[data-testid=household-table]").get_by_role("link", name="王建国").click()
    assert page.url.endswith(f"/households/{wang.pk}/")
    assert page.locator("h1").inner_text() == "王建国 户档案"
    assert page.title().startswith("王建国")
    assert page.locator("[data-testid=head-name]").inner_text() == "王建国"
    assert page.locator("[data-testid=grade]").inner_text().startswith("AAA")
    members = page.locator("[data-testid=members] tbody tr")
    assert members.count() == 3
    assert members.locator("td:first-child").all_inner_texts() == ["王建国", "刘秀英", "王小明"]
    for section in ("基本信息", "评级授信", "家庭成员", "贷款申请", "贷款", "变更记录"):
        assert page.get_by_role("heading", name=section, exact=True).is_visible(), section
    shot(page, "household-file")
    assert page.server_errors == []


def test_empty_register_offers_the_next_step(page, tree):
    member = UserFactory(role=Role.VILLAGE_MEMBER, region=tree["a2"][Level.VILLAGE])
    enter(page, member, next_url="/households/")
    empty = page.locator("[data-testid=empty]")
    assert "您的辖区内尚未登记农户" in empty.inner_text()
    assert empty.get_by_role("link", name="登记农户").is_visible()
    assert empty.get_by_role("link", name="从 Excel 导入").count() == 0  # village members do not import
    shot(page, "register-empty")

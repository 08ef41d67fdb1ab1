"""(a) Logging in through the real form at tablet sizes lands on the work queue (待办事项), in Chinese,
with a navigation that follows the role; the village group lands on its field task list instead (DESIGN §13)."""
from apps.accounts.roles import Role
from apps.regions.models import Level
from tests.factories import HouseholdFactory, UserFactory

from .support import BROWSER, PASSWORD, TABLETS, enter, open_menu, shot

pytestmark = BROWSER


@TABLETS
def test_login_form_then_work_queue_in_chinese(page, live_server, tree, viewport):
    village = tree["a"][Level.VILLAGE]
    user = UserFactory(role=Role.TOWNSHIP_OFFICER, region=tree["a"][Level.TOWNSHIP], real_name="赵干事")
    for name in ("张一", "张二", "李三"):
        HouseholdFactory(village=village, head_name=name)

    page.goto("/")
    assert "/accounts/login/" in page.url
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator("h1").inner_text() == "登录"
    # The CSS is served by the live server: Bootstrap's primary navbar and our 48 px touch targets.
    assert page.evaluate("getComputedStyle(document.querySelector('.navbar')).backgroundColor") == "rgb(13, 110, 253)"
    assert page.evaluate("getComputedStyle(document.querySelector('form button[type=submit]')).minHeight") == "48px"

    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", "wrong-password")
    page.click("form button[type=submit]")
    error = page.locator("[data-testid=form-errors]")
    assert "密码" in error.inner_text()  # Django's own message, in Chinese
    shot(page, "login-error")

    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("form button[type=submit]")
    assert page.url == f"{live_server.url}/"
    assert page.locator("h1").inner_text() == "待办事项"
    assert page.title().startswith("待办事项")
    assert "赵干事" in page.locator("[data-testid=whoami]").inner_text()
    assert page.locator("[data-testid=stat-households]").inner_text() == "3"
    assert page.locator("[data-testid=stat-rating-due]").inner_text() == "3"
    open_menu(page)
    active = page.locator(".navbar .nav-link[aria-current=page]")
    assert active.inner_text() == "待办事项"
    shot(page, "work-queue-township-officer")
    assert page.server_errors == []


def nav_labels(page) -> list[str]:
    open_menu(page)
    return [t.strip() for t in page.locator("#mainnav .navbar-nav .nav-link").all_inner_texts()]


def test_navigation_follows_the_role(page, tree):
    village_member = UserFactory(role=Role.VILLAGE_MEMBER, region=tree["a"][Level.VILLAGE])
    county_officer = UserFactory(role=Role.COUNTY_OFFICER, region=tree["a"][Level.COUNTY])

    enter(page, village_member)
    assert page.url.endswith("/postloan/tasks/")  # the village group's home is its task list
    labels = nav_labels(page)
    assert "农户名单" in labels and "导入农户" not in labels

    page.context.clear_cookies()
    enter(page, county_officer)
    labels = nav_labels(page)
    assert {"待办事项", "农户名单", "导入农户", "县级政策参数"} <= set(labels)
    assert "API 令牌" not in " ".join(labels)  # system administrators only
    assert page.locator("[data-testid=quick-actions]").get_by_text("登记农户").is_visible()
    shot(page, "menu-county-officer")

    # The language switch: English on request, back to Chinese.
    with page.expect_navigation():
        page.locator(".navbar button[name=language][value=en]").click()
    assert page.locator("h1").inner_text() == "Work queue"
    assert page.locator("html").get_attribute("lang") == "en"
    open_menu(page)
    with page.expect_navigation():
        page.locator(".navbar button[name=language][value=zh-hans]").click()
    assert page.locator("h1").inner_text() == "待办事项"

    open_menu(page)
    page.locator(".navbar form button:has-text('退出登录')").click()
    page.wait_for_url("**/accounts/login/**")
    assert page.locator("h1").inner_text() == "登录"

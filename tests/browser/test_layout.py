"""(e) Field use on tablets (DESIGN §13): no horizontal scroll and one form column at 768 px, touch targets of
48 px, stacked cards instead of wide tables in portrait. Every page is screenshotted to test-artifacts/."""
import pytest

from apps.accounts.roles import Role
from apps.regions.models import Level
from tests.factories import UserFactory, bank_user

from .data import register
from .support import BROWSER, TABLETS, assert_no_horizontal_scroll, enter, open_menu, shot, small_targets

pytestmark = BROWSER

# The controls a finger must hit: buttons, inputs, selects, pagination, row links, navigation.
MAIN_CONTROLS = ("main .btn, main .form-control, main .form-select, main .page-link, main a.row-link, main .check-target, "
                 ".navbar .nav-link, .navbar .btn, .navbar-toggler, main .breadcrumb-item a")


@pytest.fixture
def officer(tree):
    return UserFactory(role=Role.COUNTY_OFFICER, region=tree["a"][Level.COUNTY], real_name="陈主任")


def check(page, name: str, full_page: bool = True):
    shot(page, name, full_page=full_page)
    assert_no_horizontal_scroll(page)
    assert small_targets(page, MAIN_CONTROLS) == [], name


@TABLETS
def test_pages_fit_the_tablet_and_targets_are_large(page, officer, tree, viewport):
    wang = register(tree, officer)
    page.goto("/accounts/login/")
    check(page, "login")
    enter(page, officer)
    open_menu(page)  # the collapsed menu's links are touch targets too
    check(page, "home")
    portrait = viewport["width"] < 800

    # The register: stacked cards in portrait (thead hidden, labelled cells), a table in landscape.
    page.goto("/households/")
    check(page, "list", full_page=False)
    table = page.locator("[data-testid=household-table]")
    assert table.locator("thead").is_visible() is not portrait
    display = page.evaluate("getComputedStyle(document.querySelector('[data-testid=household-table] tbody tr')).display")
    assert display == ("grid" if portrait else "table-row")
    if portrait:
        label = page.evaluate("getComputedStyle(document.querySelector('[data-testid=household-table] td.id-number'), '::before').content")
        assert label == '"身份证号码"'

    # The form: one column in portrait, two in landscape.
    page.goto("/households/new/")
    check(page, "form")
    assert len(field_columns(page)) == (1 if portrait else 2)

    pages = {
        "list-page2": "/households/?page=2",
        "detail": f"/households/{wang.pk}/",
        "edit": f"/households/{wang.pk}/edit/",
        "rate": f"/households/{wang.pk}/rate/",
        "policy": "/regions/policy/",
    }
    for name, url in pages.items():
        page.goto(url)
        check(page, name)

    # An invalid form stays within the width too (error texts under the fields).
    page.goto("/households/new/")
    page.locator("[data-testid=household-form] button[type=submit]").click()
    page.locator("[data-testid=form-errors]").wait_for()
    assert page.locator(".invalid-feedback").count() >= 3
    check(page, "form-invalid")
    assert page.server_errors == []


def field_columns(page) -> set[int]:
    """Left edges of the household form's own inputs (not the member rows)."""
    return set(page.evaluate("""() => [...document.querySelectorAll(
        '[data-testid=household-fields] .form-control, [data-testid=household-fields] .form-select')]
        .map(el => Math.round(el.getBoundingClientRect().left))"""))


def test_token_page_for_the_system_administrator(page, tree):
    admin = UserFactory(role=Role.SYSADMIN, region=None, real_name="系统管理员")
    banker = bank_user(tree["a"][Level.TOWNSHIP], real_name="孙信贷")
    enter(page, admin, next_url="/accounts/tokens/")
    assert page.locator("h1").inner_text() == "银行系统 API 令牌"
    page.locator("#id_user").select_option(label=page.locator("#id_user option").nth(1).inner_text())
    page.locator("form.card button").click()
    key = page.locator("[data-testid=new-token] code").inner_text()
    assert len(key) > 20
    assert "孙信贷" in page.locator("table.table-stack tbody").inner_text()
    check(page, "tokens")
    assert banker.api_tokens.count() == 1


@pytest.mark.parametrize("viewport", [{"width": 1366, "height": 768}, {"width": 1920, "height": 1080}], ids=["1366x768", "1920x1080"])
def test_desktop_top_bar_keeps_every_control_on_screen(page, tree, viewport):
    """The widest menu (a county officer's) and a long name: the user bar is one row, inside the window."""
    officer = UserFactory(role=Role.COUNTY_OFFICER, region=tree["a"][Level.COUNTY], real_name="蓬溪县扶贫开发局综合股陈主任")
    enter(page, officer)
    shot(page, "desktop-top-bar", full_page=False)
    assert_no_horizontal_scroll(page)
    boxes = page.evaluate("""() => [...document.querySelectorAll('.navbar .user-bar > *')].map(el => {
        const r = el.getBoundingClientRect(); return [r.left, r.right, r.top, r.bottom]; })""")
    assert len(boxes) >= 4  # name, bell, language, log out
    assert all(0 <= left and right <= viewport["width"] for left, right, _t, _b in boxes)
    tops = {round(top) for _l, _r, top, _b in boxes[1:]}
    assert len(tops) == 1  # the buttons on one row

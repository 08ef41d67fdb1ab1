"""Helpers shared by the browser tests: viewports, login through the form, screenshots, layout measurements."""
import os
import re
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PASSWORD = "pw-Secret-123"  # tests.factories.UserFactory

PORTRAIT = {"width": 768, "height": 1024}
LANDSCAPE = {"width": 1024, "height": 768}
TABLETS = pytest.mark.parametrize("viewport", [PORTRAIT, LANDSCAPE], ids=["768x1024", "1024x768"])

# Every module here starts with `pytestmark = BROWSER`.
BROWSER = [pytest.mark.browser, pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK), reason=f"{CHROMIUM} is not installed")]


def slug(text: str) -> str:
    return re.sub(r"[^\w.-]+", "_", text).strip("_")


def shot(page, name: str, full_page: bool = True) -> Path:
    """A screenshot named after the viewport, e.g. test-artifacts/list-768x1024.png."""
    vp = page.viewport_size
    path = ARTIFACTS / f"{slug(name)}-{vp['width']}x{vp['height']}.png"
    page.screenshot(path=path, full_page=full_page)
    return path


def enter(page, user, next_url: str = "/"):
    """Logged in without the form (a session cookie made by Django's test client), for tests about other pages."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": page.base_url}])
    page.goto(next_url)
    return page


def login(page, user, password: str = PASSWORD, next_url: str = "/"):
    """Through the real login form."""
    page.goto(f"/accounts/login/?next={next_url}")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("form button[type=submit]")
    return page


def upload(page, path):
    """Choose `path` in the import page's upload form and send it (a navigation to the job's page)."""
    form = page.locator("[data-testid=upload-form]")
    form.locator("input[type=file]").set_input_files(str(path))
    with page.expect_navigation():
        form.locator("button[type=submit]").click()


def open_menu(page):
    """Below 1200 px the navigation is behind the menu button: open it."""
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible() and not page.locator("#mainnav.show").count():
        toggler.click()
        page.locator("#mainnav.show").wait_for()


def horizontal_overflow(page) -> dict:
    """The page's scroll width against the window, and the elements that stick out to the right."""
    return page.evaluate("""() => {
        const w = window.innerWidth;
        const culprits = [];
        for (const el of document.body.querySelectorAll('*')) {
            const r = el.getBoundingClientRect();
            if (r.width && r.right > w + 1 && !el.closest('.table-responsive')) {
                culprits.push(`${el.tagName.toLowerCase()}.${[...el.classList].join('.')} right=${Math.round(r.right)}`);
            }
        }
        return {scrollWidth: document.documentElement.scrollWidth, innerWidth: w, culprits: culprits.slice(0, 10)};
    }""")


def assert_no_horizontal_scroll(page):
    m = horizontal_overflow(page)
    assert m["scrollWidth"] <= m["innerWidth"], m
    assert not m["culprits"], m


def small_targets(page, selector: str, minimum: int = 48) -> list[str]:
    """Visible elements matching `selector` whose box is under `minimum` CSS pixels high (or wide)."""
    return page.evaluate("""([selector, minimum]) => {
        const out = [];
        for (const el of document.querySelectorAll(selector)) {
            const r = el.getBoundingClientRect();
            const style = getComputedStyle(el);
            if (!r.width || !r.height || style.visibility === 'hidden') continue;
            if (r.height < minimum || r.width < minimum) {
                const name = (el.innerText || el.value || el.name || el.id || '').trim().slice(0, 20);
                out.push(`${el.tagName.toLowerCase()}[${name}] ${Math.round(r.width)}x${Math.round(r.height)}`);
            }
        }
        return out;
    }""", [selector, minimum])

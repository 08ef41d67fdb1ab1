"""Playwright (sync API) in Debian's Chromium against pytest-django's live server, at tablet viewports.

Every test here is marked `browser` and skipped when /usr/bin/chromium is missing. The browser is launched
once per session; each test gets a fresh context (cookies, storage) so tests do not see each other's logins.
Screenshots go to test-artifacts/ (gitignored); a failing test leaves one named after it.
"""
import os

import pytest

from .support import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, PORTRAIT, slug

# Playwright's sync API runs an event loop in this thread; the ORM calls made by tests and fixtures
# would otherwise trip Django's "You cannot call this from an async context" check.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def chromium():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def media(settings, tmp_path):
    """Uploads (register files, photos) in a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def viewport():
    """Portrait tablet by default; tests override it with @TABLETS (parametrize on `viewport`)."""
    return PORTRAIT


@pytest.fixture
def page(request, chromium, live_server, transactional_db, viewport):
    # zh-CN like the county tablets (the site answers in Chinese whatever the browser asks for); reduced motion
    # so Bootstrap's collapse opens the menu without its animation.
    context = chromium.new_context(viewport=viewport, locale="zh-CN", base_url=live_server.url, reduced_motion="reduce")
    context.set_default_timeout(10_000)
    pg = context.new_page()
    pg.base_url = live_server.url
    pg.server_errors = []
    pg.on("response", lambda r: r.status >= 400 and pg.server_errors.append(f"{r.status} {r.url}"))
    yield pg
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        pg.screenshot(path=ARTIFACTS / f"FAILED-{slug(request.node.name)}.png", full_page=True)
    context.close()



"""Issue 8, item 1 (last bullet): a Content-Security-Policy on the whole site (django-csp).

- every response (HTML pages, the API, error pages) carries the policy: no inline script, no eval, no plugins, no
  framing, no <base> or form posts to another origin; styles from our own files only;
- the CSP report endpoint logs what a browser sends, CSRF-exempt, size-limited and rate-limited;
- no template (and no page as rendered for any role, admin and API docs included) holds an inline <script>, an
  on* handler, a javascript: URL, a style attribute or a <style> element — what the policy would block;
- in Chromium with the policy on, the main pages, the admin, Swagger UI and ReDoc raise no violation and still work:
  tests/browser/test_csp.py (beside the other browser tests, whose session-wide Chromium it shares)."""
import json
import logging
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib import admin
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from apps.accounts.roles import Role
from apps.regions.models import Level
from tests.admin_helpers import county_admin, superuser
from tests.contracts.test_visibility import PUBLIC, ROUTES, _route, env  # noqa: F401 - env: a fixture with every kind of object
from tests.factories import UserFactory, bank_user

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
# WeasyPrint renders these to PDF on the server; no browser ever receives them as HTML.
PDF_ONLY = TEMPLATES / "documents"

EXPECTED = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    "style-src": {"'self'"},
    "img-src": {"'self'", "data:", "blob:"},
    "object-src": {"'none'"},
    "frame-ancestors": {"'none'"},
    "base-uri": {"'self'"},
    "form-action": {"'self'"},
}


def policy(response) -> dict[str, set[str]]:
    header = response.get("Content-Security-Policy")
    assert header, f"{response.status_code} {response.get('Content-Type')}: no Content-Security-Policy header"
    parts = [p.split() for p in header.split(";") if p.strip()]
    return {p[0]: set(p[1:]) for p in parts}


def assert_policy(response):
    found = policy(response)
    for directive, sources in EXPECTED.items():
        assert found.get(directive) == sources, f"{directive}: {found.get(directive)} (whole policy: {found})"
    for directive in ("script-src", "style-src", "default-src"):
        assert not found[directive] & {"'unsafe-inline'", "'unsafe-eval'", "*", "http:", "https:", "data:"}
    assert found["report-uri"] == {reverse("csp-report")}


# --- the header ---------------------------------------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.urls("tests.core.error_urls")
def test_policy_on_html_api_and_error_pages(settings, county_officer):
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    anonymous = [client.get(reverse("accounts:login")), client.get("/api/v1/loans/")]  # a page; the API's 401
    client.force_login(county_officer)
    responses = anonymous + [
        client.get("/"), client.get("/households/"),
        client.get("/api/v1/households/"), client.get("/api/v1/me/"), client.get("/api/schema/"),
        client.get("/nope/"), client.get("/api/v1/nope/"),  # 404 HTML, 404 JSON
        client.get("/boom/"), client.get("/api/v1/plain-boom/"),  # 500 HTML, 500 JSON
        client.get("/forbidden/"),
    ]
    assert [r.status_code for r in responses] == [200, 401, 200, 200, 200, 200, 200, 404, 404, 500, 500, 403]
    for response in responses:
        assert_policy(response)


@pytest.mark.django_db
def test_the_api_answers_a_browser_in_json(client, county_officer):
    """DRF's browsable API pages hold inline styles the policy blocks: the API speaks JSON only."""
    client.force_login(county_officer)
    response = client.get("/api/v1/households/", HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert_policy(response)


# --- the report endpoint ------------------------------------------------------------------------------------------

REPORT = {"csp-report": {"document-uri": "https://mc.example/households/", "violated-directive": "script-src-elem",
                         "effective-directive": "script-src-elem", "blocked-uri": "inline", "source-file":
                         "https://mc.example/households/", "line-number": 12, "script-sample": "alert(1)\n forged line"}}


@pytest.fixture
def reports(settings):
    settings.CSP_REPORT_RATE = 5
    cache.clear()
    return Client(enforce_csrf_checks=True)  # no CSRF token: browsers send reports without one


@pytest.mark.django_db
def test_report_endpoint_logs_one_line(reports, caplog):
    url = reverse("csp-report")
    with caplog.at_level(logging.WARNING, logger="microcredit.csp"):
        response = reports.post(url, data=json.dumps(REPORT), content_type="application/csp-report")
    assert response.status_code == 204
    lines = [r.getMessage() for r in caplog.records if r.name == "microcredit.csp"]
    assert len(lines) == 1 and "script-src-elem" in lines[0] and "/households/" in lines[0], lines
    assert "\n" not in lines[0], "the report's text may not forge log lines"
    # The Reporting API's shape (report-to), as Chromium batches it.
    batch = [{"type": "csp-violation", "url": "https://mc.example/", "body": {
        "documentURL": "https://mc.example/", "effectiveDirective": "style-src-attr", "blockedURL": "inline"}}]
    with caplog.at_level(logging.WARNING, logger="microcredit.csp"):
        assert reports.post(url, data=json.dumps(batch), content_type="application/reports+json").status_code == 204
    assert any("style-src-attr" in r.getMessage() for r in caplog.records)


@pytest.mark.django_db
def test_report_endpoint_refuses_junk_floods_and_other_methods(reports, caplog):
    url = reverse("csp-report")
    assert reports.get(url).status_code == 405
    assert reports.post(url, data="not json", content_type="application/csp-report").status_code == 400
    big = json.dumps({"csp-report": {"blocked-uri": "x" * 100_000}})
    assert reports.post(url, data=big, content_type="application/csp-report").status_code == 413
    with caplog.at_level(logging.WARNING, logger="microcredit.csp"):
        codes = [reports.post(url, data=json.dumps(REPORT), content_type="application/csp-report").status_code
                 for _ in range(8)]
    assert codes.count(429) >= 3 and 204 in codes, codes
    assert sum(r.name == "microcredit.csp" for r in caplog.records) <= 5, "the limit bounds the log, too"


def test_report_route_is_known_to_the_visibility_contract():
    assert "csp-report" in PUBLIC


# --- no inline code in what we serve ------------------------------------------------------------------------------

class InlineCode(HTMLParser):
    """Everything in a page that a policy without 'unsafe-inline' blocks."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attrs:
            if name.startswith("on") or name.startswith("hx-on"):
                self.found.append(f"<{tag} {name}={value!r}>")
            elif name == "style":
                self.found.append(f"<{tag} style={value!r}>")
            elif name in ("href", "src", "action", "formaction") and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value!r}>")
        if tag == "script" and not attributes.get("src") and attributes.get("type") != "application/json":
            self.found.append("inline <script>")
        if tag == "style":
            self.found.append("<style> element")


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.found


def test_the_checker_finds_what_the_policy_blocks():
    html = ('<script>x()</script><script src="/s.js"></script><script type="application/json">{}</script>'
            '<a href="javascript:x()">a</a><select onchange="x()"></select><p style="width:1px"></p><style>p{}</style>'
            '<div hx-on:click="x()"></div>')
    assert len(inline_code(html)) == 6


TEMPLATE_PATTERNS = {
    "inline <script>": re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I),
    "event handler attribute": re.compile(r"\son[a-z]+\s*=", re.I),
    "style attribute": re.compile(r"\sstyle\s*=", re.I),
    "<style> element": re.compile(r"<style[\s>]", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
    "hx-on attribute": re.compile(r"\shx-on", re.I),
}


def test_no_template_holds_inline_code():
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        if path.is_relative_to(PDF_ONLY):
            continue
        text = path.read_text(encoding="utf-8")
        for what, pattern in TEMPLATE_PATTERNS.items():
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(TEMPLATES)}:{line}: {what}")
    assert not found, "inline code the CSP blocks (move it to static/js or static/css):\n" + "\n".join(found)


def _html(response) -> str | None:
    if not response.get("Content-Type", "").startswith("text/html") or response.streaming:
        return None
    return response.content.decode()


def _check(client, url, problems, seen):
    response = client.get(url)
    assert response.status_code < 500, f"{url} → {response.status_code}"
    html = _html(response)
    if html is not None:
        seen.add(url)
        problems.extend(f"{url}: {p}" for p in inline_code(html))
    return response


def _links(html: str, selector_class: str) -> list[str]:
    """hrefs of <a class="… selector_class …"> that stay on the site."""
    return [m.group(2) for m in re.finditer(r'<a class="([^"]*)" href="(/[^"]*)"', html) if selector_class in m.group(1).split()]


@pytest.mark.django_db
def test_every_page_every_role_sees_is_free_of_inline_code(env, settings, tmp_path):  # noqa: F811
    settings.MEDIA_ROOT = tmp_path
    client = Client(raise_request_exception=False)
    problems, seen = [], set()
    # Every HTML route of the visibility contract, as the user it is made for.
    for name in sorted(ROUTES):
        kind, _getter, role, _options, url, api = _route(env, name)
        if api:
            continue
        client.force_login(env["owners"][role])
        _check(client, url, problems, seen)
    # Each role's home page and every entry of its navigation.
    tree, county = env["tree"], env["county_a"]
    users = [
        UserFactory(role=Role.VILLAGE_MEMBER, region=tree["a"][Level.VILLAGE]),
        UserFactory(role=Role.TOWNSHIP_OFFICER, region=tree["a"][Level.TOWNSHIP]),
        UserFactory(role=Role.TOWNSHIP_LEADER, region=tree["a"][Level.TOWNSHIP]),
        UserFactory(role=Role.COUNTY_OFFICER, region=county), UserFactory(role=Role.COUNTY_HEAD, region=county),
        UserFactory(role=Role.FINANCE_OFFICER, region=county), bank_user(tree["a"][Level.TOWNSHIP]),
        UserFactory(role=Role.SUPERVISOR, region=tree["a"][Level.PROVINCE]), county_admin(county),
    ]
    for user in users:
        client.force_login(user)
        home = client.get("/", follow=True)
        problems.extend(f"/ as {user.role}: {p}" for p in inline_code(home.content.decode()))
        for url in _links(home.content.decode(), "nav-link"):
            _check(client, url, problems, seen)
    # The admin, as a superuser and as a county administrator: index, every changelist, add form, a change form.
    for user in (superuser(), county_admin(county)):
        client.force_login(user)
        _check(client, reverse("admin:index"), problems, seen)
        for model, model_admin in admin.site._registry.items():
            info = (model._meta.app_label, model._meta.model_name)
            response = _check(client, reverse("admin:{}_{}_changelist".format(*info)), problems, seen)
            if response.status_code != 200:
                continue
            _check(client, reverse("admin:{}_{}_add".format(*info)), problems, seen)
            obj = model_admin.get_queryset(response.wsgi_request).first()
            if obj is not None:
                _check(client, reverse("admin:{}_{}_change".format(*info), args=[obj.pk]), problems, seen)
    # The API documentation, the login pages and the error pages.
    for url in ("/api/docs/", "/api/redoc/", "/nope/"):
        _check(client, url, problems, seen)
    client.logout()
    for url in (reverse("accounts:login"), reverse("admin:login")):
        _check(client, url, problems, seen)
    assert len(seen) > 60, sorted(seen)
    assert not problems, "inline code the CSP blocks:\n" + "\n".join(problems)

"""Issue 8, item 1: the site's Content-Security-Policy in Chromium (tests/security/test_csp.py checks the header,
the report endpoint and the markup). With the policy on, Swagger UI, ReDoc, the admin and the main pages raise no
`securitypolicyviolation` event, no CSP console message and no report to /csp-report/, and still work: Swagger lists
the operations, ReDoc renders them, the admin's action bar, inline rows, a scoped action and date shortcuts respond,
htmx swaps, the bulletin chart draws, the policy page's county chooser submits, a member is added in the household
form's empty row, and the inspection form previews its downscaled photo from a blob: URL."""
import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.households.models import Household, Member
from apps.postloan import jobs
from apps.regions.models import CalendarYear, Holiday, Level
from tests.admin_helpers import superuser
from tests.approvals.conftest import chain  # noqa: F401 - county, bank, one user per level, a rated household
from tests.factories import HouseholdFactory, valid_id
from tests.loans.test_loan_account import disbursed

from .flows_support import png, sign_in
from .support import BROWSER, PASSWORD, enter

pytestmark = BROWSER

# Every violation a document sees, recorded from its first byte (an init script runs outside the page's CSP).
WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.effectiveDirective + " blocked " + (e.blockedURI || "inline") + " at " +
                              e.sourceFile + ":" + e.lineNumber + " " + (e.sample || ""));
});
"""


class Watch:
    """Violations (events, console messages, reports sent to /csp-report/) and uncaught errors, page by page."""

    def __init__(self, pg):
        self.page, self.problems = pg, []
        pg.context.add_init_script(WATCH)
        pg.context.on("console", self._console)
        pg.on("pageerror", lambda error: self.problems.append(f"{pg.url}: uncaught {error}"))
        pg.context.on("request", lambda r: "/csp-report/" in r.url and self.problems.append(
            f"report sent: {r.post_data}"))

    def _console(self, message):
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.problems.append(f"{self.page.url}: console {message.type}: {message.text}")

    def check(self, where: str):
        """What the current document recorded (call before leaving it)."""
        self.page.wait_for_timeout(200)  # late violations (styles injected after load, workers)
        events = self.page.evaluate("window.__cspViolations || ['no watcher: the init script did not run']")
        self.problems.extend(f"{where}: {v}" for v in events)
        assert self.page.evaluate("document.contentType") == "text/html"
        return self

    def assert_clean(self):
        assert not self.problems, "\n".join(self.problems)
        assert not [e for e in self.page.server_errors if "/csp-report/" not in e], self.page.server_errors


def visit(pg, url: str):
    response = pg.goto(url)
    assert response.status == 200, f"{url} → {response.status}"
    assert_policy_header(response.headers.get("content-security-policy", ""))
    return response


def assert_policy_header(header: str):
    """The policy is on (its exact directives are checked in tests/security/test_csp.py)."""
    assert "script-src 'self'" in header and "'unsafe-inline'" not in header and "'unsafe-eval'" not in header, header


@pytest.fixture
def scene(chain, media):  # noqa: F811
    """The review chain's county and users, a loan disbursed 40 days ago with its inspection due, a bulletin with a
    few days of history (for the chart), the holiday calendar, and a superuser."""
    today = timezone.localdate()
    chain["household"].rated_on = today - dt.timedelta(days=90)
    chain["household"].save()
    loan = disbursed(chain, amount="30000", term=24, signed=today - dt.timedelta(days=40), contract="PX-CSP-0001")
    jobs.inspection_scheduling(today)
    for back in (2, 1, 0):
        jobs.bulletin(today - dt.timedelta(days=back))
    applicant = HouseholdFactory(village=chain["tree"]["a"][Level.VILLAGE], credit_grade="AA", credit_score=80,
                                 rated_on=today - dt.timedelta(days=30))
    return {**chain, "loan": loan, "applicant": applicant, "admin": superuser(), "today": today}


def test_api_docs_work_under_the_policy(page, scene):
    watch = Watch(page)
    enter(page, scene["county_officer"], "/")
    watch.check("/")
    visit(page, "/api/docs/")
    page.locator(".opblock").first.wait_for()
    assert page.locator(".opblock").count() > 20, "Swagger UI lists the operations"
    page.locator(".opblock-summary").first.click()  # an operation opens
    page.locator(".opblock-body").first.wait_for()
    watch.check("Swagger UI")
    visit(page, "/api/redoc/")
    page.locator("[data-section-id^='tag/'], [data-section-id^='operation/']").first.wait_for(timeout=30_000)
    assert page.locator("[data-section-id^='operation/']").count() > 20, "ReDoc renders the operations"
    watch.check("ReDoc")
    watch.assert_clean()


def test_admin_works_under_the_policy(page, scene):
    watch = Watch(page)
    visit(page, "/admin/login/")
    watch.check("admin login")
    page.fill("#id_username", scene["admin"].username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.locator("input[type=submit]").click()
    assert page.url.endswith("/admin/"), page.url
    watch.check("admin index")

    # A changelist with its action bar: ticking a row updates the counter (admin/js/actions.js).
    visit(page, "/admin/households/household/")
    page.locator("input.action-select").first.check()
    page.locator(".action-counter", has_text="1").wait_for()
    watch.check("household changelist")

    # A change form with an inline: "add another" adds a member row (admin/js/inlines.js).
    household = Household.objects.get(pk=scene["household"].pk)
    visit(page, f"/admin/households/household/{household.pk}/change/")
    rows = page.locator(".inline-related tbody tr.form-row:not(.empty-form)")
    before = rows.count()
    page.locator(".add-row a").click()
    assert rows.count() == before + 1
    watch.check("household change form")

    # A scoped admin action run from the changelist: the holiday calendar's "mark the years as complete".
    CalendarYear.objects.all().delete()
    holiday = Holiday.objects.order_by("date").first()
    visit(page, "/admin/regions/holiday/")
    page.locator(f"input.action-select[value='{holiday.pk}']").check()
    page.select_option("select[name=action]", "mark_years_complete")
    with page.expect_navigation():
        page.locator("button[name=index]").click()
    assert page.locator(".messagelist .success").count() == 1
    assert CalendarYear.objects.filter(year=holiday.date.year).exists()
    watch.check("holiday action")

    # django-celery-beat's periodic task form (its inline script now a static file), and a form with date widgets.
    visit(page, "/admin/django_celery_beat/periodictask/add/")
    watch.check("periodic task form")
    visit(page, "/admin/regions/countypolicy/add/")
    page.locator(".datetimeshortcuts a").first.click()  # "today" (admin/js/admin/DateTimeShortcuts.js)
    assert page.locator("#id_effective_on").input_value()
    watch.check("county policy form")
    watch.assert_clean()


def test_main_pages_work_under_the_policy(page, scene):
    watch = Watch(page)
    officer = scene["county_officer"]
    sign_in(page, officer, "/")
    # The bell's count arrives through htmx (hx-trigger=load).
    page.locator("#notification-count").wait_for(state="attached")
    # htmx may not evaluate attribute code, run scripts it swaps in, or inject its indicator styles (base.html).
    config = page.evaluate("[htmx.config.allowEval, htmx.config.allowScriptTags, htmx.config.includeIndicatorStyles]")
    assert config == [False, False, False], config
    watch.check("home")
    for url in ("/loans/", "/approvals/applications/", "/approvals/queue/", "/postloan/inspections/",
                "/postloan/withdrawals/", "/postloan/notices/", "/loans/notices/", "/households/import/",
                f"/loans/{scene['loan'].pk}/", f"/households/{scene['household'].pk}/"):
        visit(page, url)
        watch.check(url)
    # The register: choosing a township reloads the village list (htmx).
    visit(page, "/households/")
    page.select_option("[data-testid=township-select]", index=1)
    page.locator("[data-testid=village-select]:not([disabled])").wait_for()
    assert page.locator("[data-testid=village-select] option").count() > 1
    watch.check("households list")
    # The bulletin's chart is drawn (static/js/bulletin-chart.js).
    visit(page, "/postloan/bulletin/")
    page.wait_for_function("() => window.Chart && Chart.getChart(document.getElementById('bulletin-chart-canvas'))")
    watch.check("bulletin")

    # The policy page's county chooser submits itself (data-autosubmit, static/js/site.js).
    sign_in(page, scene["admin"], "/regions/policy/")
    other = scene["tree"]["b"][Level.COUNTY]
    with page.expect_navigation():
        page.select_option("#county", other.code)
    assert f"county={other.code}" in page.url
    watch.check("policy")

    # The village group: the household form takes a new member in its empty row.
    secretary = scene["secretary"]
    household = scene["household"]
    sign_in(page, secretary, f"/households/{household.pk}/edit/")
    rows = page.locator("[data-testid=member-row]")
    empty = rows.nth(rows.count() - 1)
    empty.locator("input[name$='-name']").fill("王小红")
    empty.locator("input[name$='-id_number']").fill(valid_id("510921", dt.date(2010, 5, 6)))
    empty.locator("select[name$='-relation']").select_option("child")
    watch.check("household form")
    with page.expect_navigation():
        page.locator("[data-testid=household-form] button[type=submit]").click()
    assert Member.objects.filter(household=household, name="王小红").exists(), page.url
    watch.check("household saved")

    # The application form.
    visit(page, reverse("approvals:create") + f"?household={scene['applicant'].pk}")
    assert page.locator("form #id_amount").count() == 1
    watch.check("application form")

    # The inspection form: the photo is downscaled and previewed from a blob: URL (static/js/inspection.js).
    page.context.grant_permissions(["geolocation"], origin=page.base_url)
    page.context.set_geolocation({"latitude": 30.49, "longitude": 105.71, "accuracy": 15})
    visit(page, reverse("postloan:inspect", args=[scene["loan"].pk]))
    page.locator("[data-location-status]", has_text="15").wait_for()
    page.locator("input[type=file][name=photos]").set_input_files(
        [{"name": "field.png", "mimeType": "image/png", "buffer": png(640, 480)}])
    preview = page.locator("[data-photo-preview] img")
    preview.wait_for()
    assert preview.get_attribute("src").startswith("blob:")
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=preview.element_handle())
    watch.check("inspection form")
    watch.assert_clean()

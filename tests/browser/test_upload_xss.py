"""Issue 8 item 1 in Chromium: the county head opens inspection photos that a village member uploaded with a script
inside (a PNG with `<script>` appended, named report.html) — a new upload, and legacy rows written straight into
storage under .html names as the old code kept them — as pages and as <img> on the inspection page. None runs its
script. The checks on what is stored and the headers are in tests/security/test_upload_xss.py."""
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.approvals.conftest import chain  # noqa: F401
from tests.security.test_upload_xss import LEGACY_HTML, _media, hostile_png, legacy_photo, loan, record  # noqa: F401

from .support import BROWSER, enter

pytestmark = BROWSER


def test_in_chromium_no_uploaded_script_runs_for_the_county_head(page, chain, loan):  # noqa: F811
    """New uploads (re-encoded) and legacy rows written straight into storage under a .html name: opened as a page
    and shown as <img> on the inspection page, none runs its script (which would set window.__pwned and the title,
    and call /__pwned__)."""
    inspection = record(chain, loan, SimpleUploadedFile("report.html", hostile_png(), content_type="text/html"))
    photos = [inspection.photos.get(), legacy_photo(inspection, "report.html", hostile_png()),
              legacy_photo(inspection, "page.html", LEGACY_HTML)]
    beacons = []
    page.on("request", lambda r: "__pwned__" in r.url and beacons.append(r.url))
    enter(page, chain["county_head"], reverse("postloan:inspection-detail", args=[inspection.pk]))
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=photos] img").count() == 3
    from playwright.sync_api import Error as PlaywrightError

    for photo in photos:
        url = reverse("postloan:photo", args=[photo.pk])
        try:
            response = page.goto(url)
        except PlaywrightError as exc:  # served as an attachment: Chromium downloads it instead of opening it
            assert "Download is starting" in str(exc) or "ERR_ABORTED" in str(exc), exc
            response = None
        page.wait_for_timeout(300)
        assert (page.evaluate("() => window.__pwned"), page.title(), beacons) == (None, page.title(), []), url
        assert page.title() != "PWNED", url
        assert response is None or "text/html" not in response.headers["content-type"]

"""Issue 8 item 1: nothing uploaded can run as script. Every upload goes through apps/core/uploads.py: the type is
detected from the bytes and checked against the use's allow-list, the file is stored under a name the server makes,
photos are re-encoded (decoded, turned upright, metadata dropped, downscaled, written as JPEG), and a stored file is
served with the type we wrote, inline only for images, with nosniff and a sandboxing CSP. Files stored the old way
(client-chosen name) are sniffed when served: a non-image goes out as an octet-stream attachment.

The same hostile files opened by the county head in Chromium: tests/browser/test_upload_xss.py (it lives there to share
the session's one Playwright browser)."""
import io
import re
import struct
import zlib

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook
from PIL import Image

from apps.core.errors import DomainError
from apps.core.messages import message
from apps.households.models import ImportJob
from apps.postloan import jobs, services
from apps.postloan.models import Inspection, InspectionPhoto
from tests.approvals.conftest import chain  # noqa: F401
from tests.loans.test_loan_account import disbursed

TODAY = timezone.localdate()
PAYLOAD = b"<script>window.__pwned=1;document.title='PWNED';fetch('/__pwned__')</script>"
LEGACY_HTML = b"<!doctype html><html><body><h1>report</h1>" + PAYLOAD
SERVER_NAME = re.compile(r"^inspections/\d{4}/\d{2}/[0-9a-f]{32}\.jpg$")


def png(size=(64, 48), mode="RGB", color=(40, 120, 40)) -> bytes:
    buf = io.BytesIO()
    Image.new(mode, size, color).save(buf, "PNG")
    return buf.getvalue()


def hostile_png() -> bytes:
    """A valid PNG with a script appended: it decodes as an image and, served as text/html, runs."""
    return png() + PAYLOAD


def bomb_png(side=30_000) -> bytes:
    """A real decompression bomb: a 1-bit side×side PNG (≈100 KB on disk, ~900 MB once decoded by Pillow)."""
    row = b"\x00" + b"\x00" * ((side + 7) // 8)
    z = zlib.compressobj(9)
    idat = b"".join(z.compress(row) for _ in range(side)) + z.flush()

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0))
            + chunk(b"IDAT", idat) + chunk(b"IEND", b""))


def exif_jpeg() -> bytes:
    """60×40 JPEG, left half red, with EXIF orientation 6 (camera held rotated), a GPS position, maker and comment."""
    image = Image.new("RGB", (60, 40), (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, 30, 40))
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    exif[0x010F] = "SecretCam"  # Make
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (30.0, 29.0, 37.7), 3: "E", 4: (105.0, 42.0, 44.9)})
    buf = io.BytesIO()
    image.save(buf, "JPEG", exif=exif, comment=b"home of household 42")
    return buf.getvalue()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def loan(chain):  # noqa: F811
    loan = disbursed(chain, amount="30000", term=36)
    jobs.inspection_scheduling(loan.disbursed_on)
    return loan


def inspection_data(**extra):
    data = {"done_on": TODAY.isoformat(), "actual_use": "购买肉牛 5 头", "use_matches": "1", "production_status": "存栏 5 头",
            "inspectors": "张书记", "client_id": "", "latitude": "", "longitude": "", "accuracy_m": ""}
    data.update(extra)
    return data


def post_photos(client, chain, loan, *files):  # noqa: F811
    client.force_login(chain["secretary"])
    return client.post(reverse("postloan:inspect", args=[loan.pk]), inspection_data(photos=list(files)))


def record(chain, loan, *files):  # noqa: F811
    inspection, _created = services.inspection_record(
        chain["secretary"], loan, done_on=TODAY, actual_use="购买肉牛", use_matches=True, production_status="存栏 5 头",
        inspectors="张书记", photos=list(files))
    return inspection


def legacy_photo(inspection, name: str, content: bytes) -> InspectionPhoto:
    """A row as the old code stored it: the client's name (and extension) kept on disk."""
    path = default_storage.save(f"inspections/{inspection.done_on:%Y/%m}/{inspection.pk}-{name}", ContentFile(content))
    return InspectionPhoto.objects.create(inspection=inspection, image=path)


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


# --- what is stored ----------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_hostile_photo_from_the_form_is_stored_as_a_clean_jpeg_under_a_server_name(client, chain, loan):  # noqa: F811
    r = post_photos(client, chain, loan, SimpleUploadedFile("report.html", hostile_png(), content_type="text/html"))
    assert r.status_code == 302, r.content.decode()[:2000]
    stored = Inspection.objects.get().photos.get()
    assert SERVER_NAME.match(stored.image.name), stored.image.name
    assert "report" not in stored.image.name and stored.content_type == "image/jpeg"
    data = stored.image.read()
    assert b"<script" not in data and data[:3] == b"\xff\xd8\xff"
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG" and image.size == (64, 48)
        image.load()


@pytest.mark.django_db
def test_the_service_reencodes_too_whoever_calls_it(chain, loan):  # noqa: F811
    inspection = record(chain, loan, SimpleUploadedFile("x.png", hostile_png(), content_type="image/png"))
    stored = inspection.photos.get()
    assert SERVER_NAME.match(stored.image.name) and b"<script" not in stored.image.read()


@pytest.mark.django_db
@pytest.mark.parametrize("content,name", [
    (PAYLOAD, "<img src=x onerror=alert(1)>.jpg"),  # a script named like a photo (the name is shown escaped)
    (b"GIF89a" + PAYLOAD, "a.gif"),  # a GIF signature and nothing an image decoder can read
    (b"%PDF-1.4\n" + PAYLOAD, "scan.pdf"),  # a type that is not a photo
])
def test_a_non_image_is_refused_with_its_code(client, chain, loan, content, name):  # noqa: F811
    with pytest.raises(DomainError) as exc:
        record(chain, loan, SimpleUploadedFile(name, content, content_type="image/jpeg"))
    assert exc.value.code in ("upload_type_not_allowed", "image_unreadable")
    assert exc.value.fields == {"photos": [exc.value.code]}
    r = post_photos(client, chain, loan, SimpleUploadedFile(name, content, content_type="image/jpeg"))
    assert r.status_code == 200 and not Inspection.objects.exists()
    assert message(exc.value.code) in r.content.decode() and "<img src=x" not in r.content.decode()


@pytest.mark.django_db
def test_a_decompression_bomb_is_refused_before_it_is_decoded(client, chain, loan):  # noqa: F811
    bomb = bomb_png()
    assert len(bomb) < 200_000
    with pytest.raises(DomainError) as exc:
        record(chain, loan, SimpleUploadedFile("bomb.png", bomb))
    assert exc.value.code == "image_too_large"
    r = post_photos(client, chain, loan, SimpleUploadedFile("bomb.png", bomb))
    assert r.status_code == 200 and message("image_too_large") in r.content.decode()
    assert not Inspection.objects.exists()


@pytest.mark.django_db
def test_too_many_bytes_are_refused(chain, loan, settings):  # noqa: F811
    settings.UPLOAD_PHOTO_MAX_BYTES = 1000
    with pytest.raises(DomainError) as exc:
        record(chain, loan, SimpleUploadedFile("big.png", png((400, 400), color=(1, 2, 3)) + b"\0" * 2000))
    assert exc.value.code == "upload_too_large"


@pytest.mark.django_db
def test_a_body_over_the_request_limit_is_refused_before_it_is_read(client, chain, loan, settings):  # noqa: F811
    settings.UPLOAD_MAX_REQUEST_BYTES = 50_000
    r = post_photos(client, chain, loan, SimpleUploadedFile("big.png", png() + b"\0" * 60_000))
    assert r.status_code in (400, 413) and not Inspection.objects.exists()


@pytest.mark.django_db
def test_exif_and_gps_are_dropped_orientation_applied_alpha_flattened_size_bounded(chain, loan, settings):  # noqa: F811
    settings.UPLOAD_IMAGE_MAX_SIDE = 100
    rgba = io.BytesIO()
    Image.new("RGBA", (400, 200), (255, 0, 0, 0)).save(rgba, "PNG")  # fully transparent: white once flattened
    inspection = record(chain, loan, SimpleUploadedFile("a.jpg", exif_jpeg()), SimpleUploadedFile("b.png", rgba.getvalue()))
    upright, flat = inspection.photos.order_by("id")
    data = upright.image.read()
    assert b"SecretCam" not in data and b"household 42" not in data and b"Exif" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert image.size == (40, 60)  # turned upright
        assert not image.getexif() and "exif" not in image.info and "comment" not in image.info
        assert image.getpixel((20, 5))[0] > 200 and image.getpixel((20, 55))[2] > 200  # red half now on top
    with Image.open(flat.image) as image:
        assert image.format == "JPEG" and image.size == (100, 50)
        assert min(image.getpixel((50, 25))) > 245


# --- register import files ---------------------------------------------------------------------------------------

def xlsx() -> bytes:
    wb = Workbook()
    wb.active.append(["户主姓名", "户主身份证号", "所在村", "户类别"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.mark.django_db
def test_import_file_with_a_hostile_name_is_stored_under_a_server_name(client, chain):  # noqa: F811
    hostile = '"><img src=x onerror=alert(1)>.html'
    client.force_login(chain["county_officer"])
    client.post(reverse("households:import"), {"file": SimpleUploadedFile(hostile, xlsx(), content_type="text/html")})
    job = ImportJob.objects.latest("created_at")
    assert re.match(r"^imports/\d{4}/\d{2}/[0-9a-f]{32}\.xlsx$", job.file.name), job.file.name
    assert job.original_name == hostile  # kept for display only
    listing = client.get(reverse("households:import")).content.decode()
    assert "<img src=x" not in listing and "&lt;img src=x onerror=alert(1)&gt;" in listing


@pytest.mark.django_db
def test_a_zip_that_is_not_a_workbook_is_refused_and_not_kept(client, chain):  # noqa: F811
    buf = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("index.html", PAYLOAD)
    client.force_login(chain["county_officer"])
    client.post(reverse("households:import"), {"file": SimpleUploadedFile("a.xlsx", buf.getvalue())})
    job = ImportJob.objects.latest("created_at")
    assert job.state == ImportJob.State.INVALID and job.message == "import_not_excel" and not job.file


# --- what is served ----------------------------------------------------------------------------------------------

def assert_safe_headers(response):
    assert response["X-Content-Type-Options"] == "nosniff"
    csp = response["Content-Security-Policy"]
    assert "sandbox" in csp and "default-src 'none'" in csp


@pytest.mark.django_db
def test_a_photo_is_served_as_the_jpeg_we_wrote_inline_nosniff_sandboxed(client, chain, loan):  # noqa: F811
    inspection = record(chain, loan, SimpleUploadedFile("report.html", hostile_png(), content_type="text/html"))
    client.force_login(chain["county_head"])
    r = client.get(reverse("postloan:photo", args=[inspection.photos.get().pk]))
    assert r.status_code == 200 and r["Content-Type"] == "image/jpeg"
    assert r["Content-Disposition"].startswith("inline") and "report" not in r["Content-Disposition"]
    assert_safe_headers(r)
    assert b"<script" not in body(r)


@pytest.mark.django_db
def test_legacy_files_with_a_client_name_are_sniffed_when_served(client, chain, loan):  # noqa: F811
    inspection = record(chain, loan)
    image = legacy_photo(inspection, "report.html", hostile_png())
    html = legacy_photo(inspection, "page.html", LEGACY_HTML)
    client.force_login(chain["county_head"])
    r = client.get(reverse("postloan:photo", args=[image.pk]))
    assert r["Content-Type"] == "image/png" and r["Content-Disposition"].startswith("inline")  # the bytes are a PNG
    assert_safe_headers(r)
    r = client.get(reverse("postloan:photo", args=[html.pk]))
    assert r["Content-Type"] == "application/octet-stream" and r["Content-Disposition"].startswith("attachment")
    assert ".html" not in r["Content-Disposition"]
    assert_safe_headers(r)


def test_every_file_field_stores_under_a_server_made_name():
    """Future uploads too (receipts, scans…): a model FileField must name its files with ServerName, so that whatever
    reaches storage keeps nothing of the client's name; and the admin does not offer a way around accept()."""
    from django.apps import apps
    from django.contrib import admin
    from django.db.models import FileField

    from apps.core.uploads import ServerName

    fields = [f for model in apps.get_models() for f in model._meta.get_fields() if isinstance(f, FileField)]
    assert {f"{f.model.__name__}.{f.name}" for f in fields} >= {"InspectionPhoto.image", "ImportJob.file"}
    for f in fields:
        assert isinstance(f.upload_to, ServerName), f"{f.model.__name__}.{f.name} keeps the client's file name"
        model_admin = admin.site._registry.get(f.model)
        assert model_admin is None or f.name in (model_admin.exclude or ()) or f.name in model_admin.readonly_fields

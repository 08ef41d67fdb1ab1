"""Every uploaded file goes through here, and every stored file is served through here (issue 8).

Accepting (`accept(upload, USE)`): the type is detected from the bytes — never from the client's name or Content-Type —
and checked against the use's allow-list and size limit; images are re-encoded with Pillow (decoded within a pixel
budget, turned upright by their EXIF orientation, stripped of every metadata block, downscaled, written as JPEG on
white), so what is stored and later served is what we wrote. The result is named `<uuid4>.<ext of the detected type>`;
models store it with `upload_to=ServerName("folder")`, which keeps nothing of a client name either. The client's name
survives only as `Accepted.original_name`, for display.

Serving (`file_response(field_file, stored_type)`): the stored type (or, for files stored before this module, the type
sniffed from the bytes), inline only for images, nosniff, and a sandboxing CSP, so even a file that slipped through
cannot run script in our origin.

Refusals are DomainErrors with the field given by the caller: upload_empty, upload_too_large, upload_type_not_allowed,
image_unreadable, image_too_large."""
import io
import struct
import uuid
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.base import File
from django.core.files.uploadhandler import FileUploadHandler
from django.http import FileResponse
from django.utils import timezone
from django.utils.deconstruct import deconstructible

from .errors import DomainError

JPEG, PNG, GIF, WEBP, PDF, XLSX, ZIP = ("image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf",
                                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/zip")
OCTET = "application/octet-stream"
EXTENSIONS = {JPEG: "jpg", PNG: "png", GIF: "gif", WEBP: "webp", PDF: "pdf", XLSX: "xlsx", ZIP: "zip", OCTET: "bin"}
PIL_FORMATS = {JPEG: "JPEG", PNG: "PNG", GIF: "GIF", WEBP: "WEBP"}
INLINE_TYPES = frozenset(PIL_FORMATS)  # shown in the browser; anything else is a download
# A workbook has a few dozen members; a zip claiming many more is refused before Python reads its directory.
MAX_ZIP_MEMBERS = 10_000
# The response is a file, never a document: no script, no plugin, no form, its own opaque origin.
SANDBOX_CSP = "sandbox; default-src 'none'; img-src 'self'"


@dataclass(frozen=True)
class Use:
    """What one kind of upload may be: detected types allowed, the setting holding its byte limit, re-encoded or not."""

    types: frozenset
    max_bytes_setting: str
    reencode_image: bool = False


PHOTO = Use(frozenset({JPEG, PNG, WEBP, GIF}), "UPLOAD_PHOTO_MAX_BYTES", reencode_image=True)
REGISTER_IMPORT = Use(frozenset({XLSX}), "IMPORT_MAX_FILE_BYTES")


class Accepted(File):
    """An accepted upload, ready for a FileField: a server-made name and the type of the bytes it holds."""

    def __init__(self, fileobj, content_type: str, original_name: str):
        super().__init__(fileobj, name=f"{uuid.uuid4().hex}.{EXTENSIONS[content_type]}")
        self.content_type = content_type
        self.original_name = original_name


def sniff(head: bytes) -> str:
    """The type the first bytes announce (a zip is only a zip here: `detect` looks inside)."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"%PDF-"):
        return PDF
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return ZIP
    return OCTET


def _zip_member_count(fileobj) -> int | None:
    """Entries declared by the end-of-central-directory record, or None if there is none (not a zip)."""
    fileobj.seek(0, io.SEEK_END)
    size = fileobj.tell()
    tail_len = min(size, 65_536 + 22)
    fileobj.seek(size - tail_len)
    tail = fileobj.read(tail_len)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) < at + 22:
        return None
    return struct.unpack("<H", tail[at + 10:at + 12])[0]


def _is_ooxml_workbook(fileobj) -> bool:
    """A zip with the OPC content-types part and a workbook part: what Excel, WPS and LibreOffice write as .xlsx.
    Only the central directory is read; no member is decompressed here."""
    count = _zip_member_count(fileobj)
    if count is None or count == 0xFFFF or count > MAX_ZIP_MEMBERS:  # 0xFFFF: zip64, which no register file needs
        return False
    fileobj.seek(0)
    try:
        with zipfile.ZipFile(fileobj) as z:
            names = set(z.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return False
    return "[Content_Types].xml" in names and "xl/workbook.xml" in names


def detect(fileobj) -> str:
    """The content type of a file object from its bytes. Leaves the position at 0."""
    fileobj.seek(0)
    kind = sniff(fileobj.read(32))
    if kind == ZIP and _is_ooxml_workbook(fileobj):
        kind = XLSX
    fileobj.seek(0)
    return kind


def _refuse(code: str, field: str | None):
    return DomainError(code, fields={field: [code]} if field else None)


def reencode_image(fileobj, kind: str, field: str | None = None) -> bytes:
    """The image decoded within the pixel budget, upright, without metadata, at most UPLOAD_IMAGE_MAX_SIDE on its long
    side, as a JPEG on white."""
    from PIL import Image, ImageOps

    max_side, max_pixels = settings.UPLOAD_IMAGE_MAX_SIDE, settings.UPLOAD_IMAGE_MAX_PIXELS
    fileobj.seek(0)
    try:
        with Image.open(fileobj, formats=[PIL_FORMATS[kind]]) as image:
            if image.width * image.height > max_pixels:  # decided from the header, before any pixel is decoded
                raise _refuse("image_too_large", field)
            image.draft("RGB", (max_side, max_side))  # JPEG: decode at 1/2, 1/4 or 1/8 scale when that is enough
            upright = ImageOps.exif_transpose(image)
            upright.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
            if upright.mode not in ("RGB", "L"):
                upright = upright.convert("RGBA")
            # A new image carries no info dict: no EXIF (GPS, camera), XMP, ICC, comment or text chunk survives.
            clean = Image.new("RGB", upright.size, (255, 255, 255))
            clean.paste(upright, mask=upright if upright.mode == "RGBA" else None)
            out = io.BytesIO()
            clean.save(out, "JPEG", quality=settings.UPLOAD_IMAGE_JPEG_QUALITY, optimize=True)
    except DomainError:
        raise
    except Image.DecompressionBombError:
        raise _refuse("image_too_large", field) from None
    except Exception:  # whatever a decoder or the EXIF parser throws on hostile bytes: not a photo we can use
        raise _refuse("image_unreadable", field) from None
    return out.getvalue()


def accept(upload, use: Use, field: str | None = None) -> Accepted:
    """The upload checked for `use` and ready to store, or a DomainError on `field`. Accepting twice is a no-op."""
    if isinstance(upload, Accepted):
        return upload
    original_name = (getattr(upload, "name", "") or "").rsplit("/", 1)[-1][-200:]
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, io.SEEK_END)
        size = upload.tell()
    if not size:
        raise _refuse("upload_empty", field)
    if size > getattr(settings, use.max_bytes_setting):
        raise _refuse("upload_too_large", field)
    kind = detect(upload)
    if kind not in use.types:
        raise _refuse("upload_type_not_allowed", field)
    if use.reencode_image:
        return Accepted(io.BytesIO(reencode_image(upload, kind, field)), JPEG, original_name)
    return Accepted(upload, kind, original_name)  # kept as sent (a workbook cannot be rewritten), streamed to storage


class RequestSizeLimit(FileUploadHandler):
    """First of FILE_UPLOAD_HANDLERS: a multipart body declaring more than UPLOAD_MAX_REQUEST_BYTES is refused before
    any of it is read (Django's own DATA_UPLOAD_MAX_MEMORY_SIZE leaves file parts out, so they would be spooled to disk
    however large). Django answers RequestDataTooBig with 400, as for its own limit. Without a Content-Length Django
    reads no multipart body at all."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length > settings.UPLOAD_MAX_REQUEST_BYTES:
            raise RequestDataTooBig("The request body is larger than UPLOAD_MAX_REQUEST_BYTES.")

    def receive_data_chunk(self, raw_data, start):
        return raw_data

    def file_complete(self, file_size):
        return None


@deconstructible
class ServerName:
    """upload_to for every FileField: `<folder>/<yyyy>/<mm>/<uuid4>.<ext>`. Only the extension is taken from the
    name it is given, and only when it is one we write (Accepted names carry the detected type's)."""

    def __init__(self, folder: str):
        self.folder = folder

    def __call__(self, instance, filename: str) -> str:
        ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
        ext = ext if ext in EXTENSIONS.values() else "bin"
        return f"{self.folder}/{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}.{ext}"

    def __eq__(self, other):
        return isinstance(other, ServerName) and other.folder == self.folder


def file_response(field_file, stored_type: str = "", download_name: str = "file") -> FileResponse:
    """A stored file as a response that cannot run script: the stored type when it is one we write, else (files stored
    before this module) the type sniffed from the bytes; inline only for images, else an octet-stream attachment;
    nosniff and a sandboxing CSP either way. `download_name` is ours (the client's name never goes out in a header).
    Raises FileNotFoundError/ValueError when the file is gone."""
    handle = field_file.open("rb")
    kind = stored_type if stored_type in EXTENSIONS else detect(handle)
    inline = kind in INLINE_TYPES
    if not inline and kind != XLSX:
        kind = OCTET
    response = FileResponse(handle, content_type=kind, as_attachment=not inline,
                            filename=f"{download_name}.{EXTENSIONS[kind]}")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SANDBOX_CSP
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response

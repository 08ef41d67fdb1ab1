"""HTML template → PDF bytes with WeasyPrint (DESIGN §9), and the download response for any generated file.

Chinese needs a CJK font on `html` *and* in `@page` and its margin boxes: page footers are laid out in the page
context, which does not inherit from `body`, so without it they fall back to a Latin font and render Chinese as
empty boxes. The font configuration and the base stylesheet are built once per process and reused; with
libharfbuzz-subset0 installed WeasyPrint embeds only the glyphs used, which keeps a one-page form fast and small."""
import functools
import threading
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import translation

# WenQuanYi Micro Hei is the small Debian font (fonts-wqy-microhei); Noto CJK is used where it is installed instead.
CJK_FONTS = '"WenQuanYi Micro Hei", "Noto Sans CJK SC", "Noto Serif CJK SC", "Source Han Sans SC", "Droid Sans Fallback", sans-serif'
MARGIN_BOXES = ("top-left", "top-center", "top-right", "bottom-left", "bottom-center", "bottom-right")
BASE_CSS = (
    f"html, body {{ font-family: {CJK_FONTS}; }}\n"
    f"@page {{ font-family: {CJK_FONTS}; "
    + " ".join(f"@{box} {{ font-family: {CJK_FONTS}; }}" for box in MARGIN_BOXES)
    + " }\n"
)
# Formal documents are Chinese forms in every UI language: labels, choice names and dates render in zh-Hans.
DOCUMENT_LANGUAGE = "zh-hans"
PDF_CONTENT_TYPE = "application/pdf"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_lock = threading.Lock()


@functools.cache
def _font_config():
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


@functools.cache
def _base_stylesheet():
    from weasyprint import CSS

    return CSS(string=BASE_CSS, font_config=_font_config())


def default_base_url() -> str:
    """Relative URLs in document templates (`css/…`, `img/…`) resolve against the project's static folder."""
    dirs = list(getattr(settings, "STATICFILES_DIRS", []) or [])
    root = Path(dirs[0]) if dirs else Path(settings.BASE_DIR) / "static"
    return root.resolve().as_uri() + "/"


def html_to_pdf(html: str, *, base_url: str | None = None) -> bytes:
    from weasyprint import HTML

    document = HTML(string=html, base_url=base_url or default_base_url())
    # The font configuration caches fontconfig state and is not meant for concurrent use: one render at a time
    # per process (a one-page form takes a fraction of a second; gunicorn scales with processes anyway).
    with _lock:
        return document.write_pdf(stylesheets=[_base_stylesheet()], font_config=_font_config())


def render_pdf(template_name: str, context: dict, *, base_url: str | None = None) -> bytes:
    """Render a Django template in the document language and return the PDF bytes."""
    with translation.override(DOCUMENT_LANGUAGE):
        html = render_to_string(template_name, context)
    return html_to_pdf(html, base_url=base_url)


def content_disposition(filename: str, *, inline: bool = False) -> str:
    """`attachment; filename="<ascii fallback>"; filename*=UTF-8''<percent-encoded>` (RFC 6266 / RFC 5987)."""
    suffix = Path(filename).suffix
    stem = Path(filename).stem.encode("ascii", "ignore").decode().strip(" -_.") or "document"
    fallback = (stem + suffix).replace("\\", "_").replace('"', "_")
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def file_response(content: bytes, filename: str, content_type: str, *, inline: bool = False) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition(filename, inline=inline)
    response["Content-Length"] = str(len(content))
    # Documents carry personal data: never cached by a shared proxy.
    response["Cache-Control"] = "private, no-store"
    return response

"""apps/core/pdf.py: a CJK font on html and in the page margin boxes; RFC 5987 file names."""
from urllib.parse import unquote

from apps.core import pdf

from .pdf_tools import assert_cjk_fonts_embedded, needs_poppler, save, squeeze, text


def test_cjk_font_is_set_on_html_and_in_every_page_margin_box():
    assert "html, body { font-family: \"WenQuanYi Micro Hei\"" in pdf.BASE_CSS
    page = pdf.BASE_CSS[pdf.BASE_CSS.index("@page"):]
    assert page.startswith("@page { font-family: \"WenQuanYi Micro Hei\"")
    for box in ("bottom-center", "bottom-right", "bottom-left", "top-center"):
        assert f"@{box} {{ font-family: \"WenQuanYi Micro Hei\"" in page


def test_font_configuration_is_built_once():
    assert pdf._font_config() is pdf._font_config()
    assert pdf._base_stylesheet() is pdf._base_stylesheet()


def test_content_disposition_has_an_ascii_fallback_and_the_utf8_name():
    value = pdf.content_disposition("扶贫小额信贷审批表-张三-12.pdf")
    assert value.startswith('attachment; filename="12.pdf"; ')
    encoded = value.split("filename*=UTF-8''", 1)[1]
    assert unquote(encoded) == "扶贫小额信贷审批表-张三-12.pdf"
    assert all(ord(c) < 128 for c in value)
    assert pdf.content_disposition("公示.pdf").startswith('attachment; filename="document.pdf"')
    assert pdf.content_disposition("a.pdf", inline=True).startswith("inline;")


@needs_poppler
def test_a_chinese_page_footer_alone_is_set_in_the_embedded_cjk_font(tmp_path):
    """Latin body text in a Latin font: the only Chinese on the page is the footer in the @page margin box."""
    html = ("<style>@page { @bottom-center { content: '第 ' counter(page) ' 页 共 ' counter(pages) ' 页'; } }"
            "p { font-family: 'DejaVu Sans', sans-serif; }</style><p>Summary</p>")
    path = save(pdf.html_to_pdf(html), tmp_path, "footer")
    assert_cjk_fonts_embedded(path)
    assert "第1页共1页" in squeeze(text(path))

"""Open generated PDFs as a reader would: which fonts are embedded (pdffonts), the text (pdftotext), and page 1
as a PNG (pdftoppm) kept in test-artifacts/ to look at. Skipped cleanly where poppler-utils is not installed."""
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
TOOLS = {name: shutil.which(name) for name in ("pdffonts", "pdftotext", "pdftoppm")}
needs_poppler = pytest.mark.skipif(not all(TOOLS.values()), reason="poppler-utils (pdffonts, pdftotext, pdftoppm) is not installed")
CJK_FONT_NAMES = ("WenQuanYi", "NotoSansCJK", "NotoSerifCJK", "SourceHan", "DroidSansFallback")


def save(pdf: bytes, tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    return path


def fonts(path: Path) -> list[dict]:
    """pdffonts as rows {name, type, emb}; columns are cut at the widths of its dashed ruler line."""
    lines = subprocess.run([TOOLS["pdffonts"], str(path)], check=True, capture_output=True, text=True).stdout.splitlines()
    header, ruler, *rows = lines
    spans, start = [], 0
    for part in ruler.split(" "):
        spans.append((start, start + len(part)))
        start += len(part) + 1
    names = [header[a:b].strip() for a, b in spans]
    return [{key: line[a:b].strip() for key, (a, b) in zip(names, spans, strict=True)} for line in rows if line.strip()]


def assert_cjk_fonts_embedded(path: Path) -> None:
    rows = fonts(path)
    assert rows, "no fonts in the PDF"
    assert all(r["emb"] == "yes" for r in rows), f"fonts not embedded: {rows}"
    assert any(any(cjk in r["name"].replace("-", "") for cjk in CJK_FONT_NAMES) for r in rows), f"no CJK font: {rows}"


def text(path: Path) -> str:
    return subprocess.run([TOOLS["pdftotext"], "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True, text=True).stdout


def squeeze(value: str) -> str:
    """Text without any whitespace: table cells may wrap a long value onto two lines."""
    return "".join(value.split())


def page_png(path: Path, name: str, *, min_bytes: int = 15_000) -> Path:
    """Page 1 at 60 dpi into test-artifacts/<name>.png; a blank or broken page would be a few hundred bytes."""
    ARTIFACTS.mkdir(exist_ok=True)
    prefix = ARTIFACTS / name
    subprocess.run([TOOLS["pdftoppm"], "-r", "60", "-png", "-singlefile", str(path), str(prefix)], check=True, capture_output=True)
    png = prefix.with_suffix(".png")
    assert png.exists(), f"{png} was not written"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > min_bytes, f"{png} is only {png.stat().st_size} bytes"
    return png


def page_count(path: Path) -> int:
    out = subprocess.run([TOOLS["pdftotext"], str(path), "-"], check=True, capture_output=True).stdout
    return out.count(b"\f")

"""Issue 8, item 4: decompression bombs in the household register import.

Every hostile workbook here is built with zipfile and is small on disk (a few hundred KB at most) but inflates to
tens or hundreds of MB. Each is refused with its own code, writes nothing, and — measured in a fresh process, so
nothing else in the test run blurs the figure — reading it raises the peak RSS by less than MEMORY_BOUND_MB.
A file that lies in its <dimension> is checked by the background task, whatever it claims."""
import json
import os
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.core.messages import message
from apps.households import importing
from apps.households.models import Household, HouseholdEvent, ImportJob, Member

ROOT = Path(__file__).resolve().parents[2]
MEMORY_BOUND_MB = 100
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
HEADER = ("户主姓名", "户主身份证号", "所在村", "户类别")
MB = 1024 * 1024


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def officer_client(client, county_officer):
    client.force_login(county_officer)
    return client


# -- building workbooks by hand -------------------------------------------------------------------------------


def _inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def _header_row() -> str:
    return '<row r="1">' + "".join(_inline(f"{c}1", h) for c, h in zip("ABCD", HEADER, strict=True)) + "</row>"


def _write_chunks(zf: zipfile.ZipFile, name: str, parts):
    """A member written from an iterable of str pieces, so a 300 MB member never sits in memory here."""
    info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    with zf.open(info, "w") as f:
        for part in parts:
            f.write(part.encode())


def _repeat(piece: str, total_bytes: int, step: int = MB):
    block = piece * max(1, step // len(piece))
    for _ in range(max(1, total_bytes // len(block))):
        yield block


def workbook(path: Path, sheet_parts, *, shared=None, styles=None, prefix: str = "", dimension: str = "",
             tail=()) -> Path:
    """A minimal .xlsx: one sheet 户信息 whose XML is `sheet_parts` (pieces of text inside <sheetData>), optional
    sharedStrings.xml / styles.xml pieces; `prefix` writes the sheet with a namespace prefix (<x:worksheet>);
    `dimension` is the range the sheet claims to cover; `tail` pieces follow </sheetData>."""
    p = f"{prefix}:" if prefix else ""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        overrides = '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' \
                    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        if shared is not None:
            overrides += '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        if styles is not None:
            overrides += '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        zf.writestr("[Content_Types].xml", '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                    f'<Default Extension="xml" ContentType="application/xml"/>{overrides}</Types>')
        zf.writestr("_rels/.rels", '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        zf.writestr("xl/workbook.xml", f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">'
                    '<sheets><sheet name="户信息" sheetId="1" r:id="rId1"/></sheets></workbook>')
        rels = '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        if shared is not None:
            rels += '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
        if styles is not None:
            rels += '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
        zf.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0" encoding="UTF-8"?>'
                    f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>')
        head = f'<?xml version="1.0" encoding="UTF-8"?><{p}worksheet xmlns{":" + prefix if prefix else ""}="{MAIN_NS}">'
        dim = f'<{p}dimension ref="{dimension}"/>' if dimension else ""
        _write_chunks(zf, "xl/worksheets/sheet1.xml", [head, dim, f"<{p}sheetData>", *sheet_parts, f"</{p}sheetData>", *tail, f"</{p}worksheet>"])
        if shared is not None:
            _write_chunks(zf, "xl/sharedStrings.xml", [f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN_NS}">', *shared, "</sst>"])
        if styles is not None:
            _write_chunks(zf, "xl/styles.xml", [f'<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="{MAIN_NS}">', *styles, "</styleSheet>"])
    return path


def _dimension_rows(n: int) -> list[str]:
    return [f'<row r="{r}">' + _inline(f"A{r}", f"张{r}") + _inline(f"B{r}", "510921198001011234") + _inline(f"C{r}", "村")
            + _inline(f"D{r}", "贫困户") + "</row>" for r in range(2, n + 2)]


def understate_size(path: Path, member: str, claimed: int):
    """Rewrite the central directory so `member` claims to inflate to `claimed` bytes."""
    data = bytearray(path.read_bytes())
    name = member.encode()
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        name_len = struct.unpack_from("<H", data, at + 28)[0]
        if bytes(data[at + 46:at + 46 + name_len]) == name:
            struct.pack_into("<I", data, at + 24, claimed)
            break
        at = data.find(b"PK\x01\x02", at + 4)
    else:
        raise AssertionError("member not found")
    path.write_bytes(bytes(data))


# The hostile files. Each maps to (builder, the code it must be refused with).
def cell_inline(path):  # the 150 KB upload with one 150 MB cell
    return workbook(path, [_header_row(), '<row r="2"><c r="A2" t="inlineStr"><is><t>', *_repeat("A", 150 * MB), "</t></is></c></row>"])


def cell_shared(path):  # the same cell as a shared string: sharedStrings.xml is the bomb
    return workbook(path, [_header_row(), '<row r="2"><c r="A2" t="s"><v>0</v></c></row>'],
                    shared=["<si><t>", *_repeat("A", 150 * MB), "</t></si>"])


def row_of_cells(path):  # one row of five million small cells
    return workbook(path, [_header_row(), '<row r="2">', *_repeat('<c r="B2"><v>1</v></c>', 110 * MB), "</row>"])


def unterminated_row(path):  # a row that never ends
    return workbook(path, [_header_row(), '<row r="2">', *_repeat(" ", 150 * MB)])


def huge_member(path):  # a sheet part inflating past the limit (declared honestly)
    return workbook(path, [_header_row(), *_repeat("       \n", 300 * MB)])


def lying_member(path):  # the same, but its directory entry claims 4 KB
    workbook(path, [_header_row(), '<row r="2">', *_repeat(" ", 150 * MB), "</row>"])
    understate_size(path, "xl/worksheets/sheet1.xml", 4096)
    return path


def prefixed_cell(path):  # <x:worksheet>: the fast reader hands it to openpyxl, which must not get the bomb
    return workbook(path, ['<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>户主姓名</x:t></x:is></x:c></x:row>',
                           '<x:row r="2"><x:c r="A2" t="inlineStr"><x:is><x:t>', *_repeat("A", 150 * MB), "</x:t></x:is></x:c></x:row>"],
                    prefix="x")


def formula_then_styles(path):  # a formula cell sends the sheet to openpyxl, which parses styles.xml whole
    return workbook(path, [_header_row(), '<row r="2"><c r="A2"><f>1+1</f><v>2</v></c></row>'],
                    styles=["<numFmts>", *_repeat('<numFmt numFmtId="200" formatCode="0"/>', 120 * MB), "</numFmts>"])


# name: (builder, code when the zip directory is believed, code when only the bounded reading stands). Every bomb here
# is caught by the directory check (a part over the size limit or compressed over 100:1); with that check off
# (IMPORT_MAX_COMPRESSION_RATIO huge) the bounds on what is really inflated must catch it on their own.
UP_FRONT = "import_file_too_large_uncompressed"
HOSTILE = {
    "cell_inline": (cell_inline, UP_FRONT, "import_cell_too_long"),
    "cell_shared": (cell_shared, UP_FRONT, "import_cell_too_long"),
    "row_of_cells": (row_of_cells, UP_FRONT, "import_row_too_long"),
    "unterminated_row": (unterminated_row, UP_FRONT, "import_row_too_long"),
    "huge_member": (huge_member, UP_FRONT, UP_FRONT),
    "lying_member": (lying_member, "import_not_excel", "import_not_excel"),  # zipfile stops at the claimed size: CRC error
    "prefixed_cell": (prefixed_cell, UP_FRONT, "import_cell_too_long"),
    "formula_then_styles": (formula_then_styles, UP_FRONT, UP_FRONT),
}
NO_RATIO_CHECK = {"IMPORT_MAX_COMPRESSION_RATIO": str(10**9)}


# Run in a fresh interpreter: set Django up, note the peak RSS, read the file, note the peak RSS again.
_MEASURE = """
import datetime, json, sys
import django
django.setup()
from apps.households import importing
def status_mb(key):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(key + ":")) / 1024
what, path = sys.argv[1], sys.argv[2]
try:
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # reset the peak (VmHWM) to the current RSS: what setting Django up cost is not counted
except OSError:
    pass
before = status_mb("VmRSS")
with open(path, "rb") as f:
    if what == "parse":
        out = importing.parse_file(f, scope_prefix="", today=datetime.date(2025, 1, 1), check_db=False)
        result = {"code": out.file_code, "rows": out.row_count}
    else:
        result = {"in_request": importing.read_in_request(f)}
result["growth_mb"] = status_mb("VmHWM") - before  # the peak while reading, over the RSS before
print(json.dumps(result))
"""


def measure(what: str, path: Path, **env_vars) -> dict:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="microcredit.settings.test", **env_vars)
    done = subprocess.run([sys.executable, "-c", _MEASURE, what, str(path)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_workbook_is_refused_in_bounded_memory(tmp_path, name):
    build, up_front, bounded = HOSTILE[name]
    path = build(tmp_path / f"{name}.xlsx")
    assert path.stat().st_size < 1 * MB, "the hostile file is small on disk"
    for env, code in (({}, up_front), (NO_RATIO_CHECK, bounded)):
        result = measure("parse", path, **env)
        assert result["code"] == code, (env, result)
        assert result["growth_mb"] < MEMORY_BOUND_MB, (env, result)


def test_the_counting_reader_refuses_what_inflates_past_its_limit():
    import io

    reader = importing._Bounded(io.BytesIO(b"x" * 1000), limit=999)
    assert len(reader.read(999)) == 999
    with pytest.raises(importing.ImportRefused) as refused:
        reader.read(10)
    assert refused.value.code == "import_file_too_large_uncompressed"
    with pytest.raises(importing.ImportRefused):
        importing._Bounded(io.BytesIO(b"x" * 1000), limit=999).read()


def test_lying_dimension_is_not_believed_and_the_check_costs_little_memory(tmp_path):
    """The issue's 7 MB file claiming 2 rows and holding 200,000: the request measures it (bounded) and hands it over."""
    path = workbook(tmp_path / "lying.xlsx", [_header_row(), *_dimension_rows(200_000)], dimension="A1:D2")
    assert path.stat().st_size < 8 * MB
    with zipfile.ZipFile(path) as zf, zf.open("xl/worksheets/sheet1.xml") as sheet:
        assert b'<dimension ref="A1:D2"/>' in sheet.read(4096)
    result = measure("decide", path)
    assert result["in_request"] is False, result
    assert result["growth_mb"] < 30, result


# -- through the upload page ------------------------------------------------------------------------------------


def _upload(client, path: Path):
    return client.post(reverse("households:import"), {"file": SimpleUploadedFile(path.name, path.read_bytes())})


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["cell_inline", "cell_shared", "row_of_cells", "huge_member"])
def test_upload_of_a_hostile_file_shows_its_error_and_writes_nothing(officer_client, tree, tmp_path, settings,
                                                                   django_capture_on_commit_callbacks, name):
    settings.IMPORT_MAX_COMPRESSION_RATIO = 10**9  # the bounded reading's own code, not the directory check's
    build, _up_front, code = HOSTILE[name]
    with django_capture_on_commit_callbacks(execute=True):  # files that inflate this much are checked by the task
        response = _upload(officer_client, build(tmp_path / f"{name}.xlsx"))
    job = ImportJob.objects.order_by("-id").first()
    assert response.status_code == 302 and job.state == ImportJob.State.INVALID and job.message == code
    page = officer_client.get(reverse("households:import-detail", args=[job.pk])).content.decode()
    assert message(code) in page
    assert not Household.objects.exists() and not Member.objects.exists() and not HouseholdEvent.objects.exists()


@pytest.mark.django_db
def test_a_bomb_caught_by_the_directory_check_is_refused_in_the_request(officer_client, tree, tmp_path):
    response = _upload(officer_client, cell_inline(tmp_path / "bomb.xlsx"))
    job = ImportJob.objects.order_by("-id").first()
    assert response.status_code == 302 and job.state == ImportJob.State.INVALID and job.message == UP_FRONT
    page = officer_client.get(reverse("households:import-detail", args=[job.pk])).content.decode()
    assert message(UP_FRONT) in page and 'data-testid="file-problem"' in page
    assert not Household.objects.exists()


@pytest.mark.django_db
def test_file_lying_about_its_rows_goes_to_the_background(officer_client, tree, tmp_path, settings, django_capture_on_commit_callbacks):
    settings.IMPORT_SYNC_MAX_ROWS = 100
    path = workbook(tmp_path / "lying.xlsx", [_header_row(), *_dimension_rows(1_000)], dimension="A1:D2")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _upload(officer_client, path)
    job = ImportJob.objects.order_by("-id").first()
    assert job.state == ImportJob.State.VALIDATING, "not checked inside the request"
    assert callbacks, "handed to the Celery task"
    assert job.total_rows > settings.IMPORT_SYNC_MAX_ROWS


@pytest.mark.django_db
def test_too_many_rows_and_too_many_shared_strings_are_refused(tree, tmp_path, settings):
    settings.IMPORT_MAX_ROWS = 500
    path = workbook(tmp_path / "rows.xlsx", [_header_row(), *_dimension_rows(600)])
    with open(path, "rb") as f:
        out = importing.parse_file(f, scope_prefix="", today=importing.dt.date(2025, 1, 1), check_db=False)
    assert out.file_code == "import_too_many_rows"
    settings.IMPORT_MAX_ROWS = 10_000
    settings.IMPORT_MAX_SHARED_STRINGS = 1000
    path = workbook(tmp_path / "strings.xlsx", [_header_row(), '<row r="2"><c r="A2" t="s"><v>0</v></c></row>'],
                    shared=[f"<si><t>{i}</t></si>" for i in range(2000)])
    with open(path, "rb") as f:
        out = importing.parse_file(f, scope_prefix="", today=importing.dt.date(2025, 1, 1), check_db=False)
    assert out.file_code == "import_too_many_shared_strings"


# -- what real writers produce still reads -------------------------------------------------------------------


def test_cell_shapes_of_excel_wps_and_libreoffice_read_as_openpyxl_reads_them(tmp_path):
    """Shared strings with rich-text runs, phonetic runs and escapes, `t="str"` formula results, inline strings and
    attributes in the orders Excel, WPS and LibreOffice write: the bounded readers give what openpyxl gives."""
    import openpyxl

    shared = ["<si><t>张三</t></si>", '<si><r><rPr><b/></rPr><t>李</t></r><r><t xml:space="preserve">四 </t></r></si>',
              '<si><t>王五</t><rPh sb="0" eb="2"><t>ワンウー</t></rPh><phoneticPr fontId="1"/></si>', "<si><t>a &amp; b &lt;c&gt;</t></si>"]
    rows = [
        _header_row(),
        '<row r="2" spans="1:4"><c r="A2" s="0" t="s"><v>0</v></c><c r="B2" t="s"><v>1</v></c><c r="C2" t="s" s="0"><v>2</v></c>'
        '<c r="D2" t="s"><v>3</v></c></row>',
        '<row r="3"><c r="A3" t="str"><v>公式结果</v></c><c r="B3"><v>510921198001011234</v></c><c r="C3" t="n"><v>2.5</v></c>'
        '<c r="D3" t="b"><v>1</v></c></row>',
        '<row r="5"><c r="B5" t="inlineStr"><is><t xml:space="preserve"> 空格 </t></is></c><c r="D5"/></row>',
        '<row r="6"><c r="A6"><f>1+1</f><v>2</v></c><c r="B6" t="inlineStr"><is><r><t>富</t></r><r><t>文本</t></r></is></c></row>',
    ]
    path = workbook(tmp_path / "shapes.xlsx", rows, shared=shared)
    with open(path, "rb") as f:
        ours = list(importing.XlsxReader(f).rows("户信息"))
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    theirs = dict(enumerate(wb["户信息"].iter_rows(values_only=True), start=1))
    strip = [(n, tuple(v for v in values)) for n, values in ours]
    assert [n for n, _ in strip] == [1, 2, 3, 5, 6]
    assert strip[1][1] == ("张三", "李四 ", "王五", "a & b <c>")
    assert strip[2][1] == ("公式结果", 510921198001011234, 2.5, True)
    assert strip[3][1][1] == " 空格 "
    assert strip[4][1][:2] == (2, "富文本")
    for n, values in strip:
        expected = theirs[n]
        assert values == expected[:len(values)] and not any(expected[len(values):]), (n, values, expected)


def test_two_hundred_thousand_rows_read_under_the_default_limits(tmp_path):
    path = workbook(tmp_path / "big.xlsx", [_header_row(), *_dimension_rows(200_000)])
    with open(path, "rb") as f:
        reader = importing.XlsxReader(f)
        assert sum(1 for _ in reader.rows("户信息")) == 200_001


def test_a_long_tail_after_the_rows_is_not_read(tmp_path):
    """Merged cells and validations follow the rows; a register with many of them is not refused as a long row."""
    path = workbook(tmp_path / "merged.xlsx", [_header_row(), *_dimension_rows(3)],
                    tail=["<mergeCells>", *_repeat('<mergeCell ref="A2:B2"/>', 6 * MB), "</mergeCells>"])
    with open(path, "rb") as f:
        assert [n for n, _ in importing.XlsxReader(f).rows("户信息")] == [1, 2, 3, 4]


def many_parts(path):  # a zip directory of 300,000 empty entries: zipfile builds an object for each
    workbook(path, [_header_row()])
    with zipfile.ZipFile(path, "a", zipfile.ZIP_STORED) as zf:
        for i in range(300_000):
            zf.writestr(f"x/{i}", b"")
    return path


def test_a_directory_of_countless_parts_is_refused_before_zipfile_reads_it(tmp_path):
    path = many_parts(tmp_path / "parts.xlsx")
    assert path.stat().st_size < 40 * MB
    result = measure("parse", path)
    assert result["code"] == UP_FRONT, result
    assert result["growth_mb"] < 30, result

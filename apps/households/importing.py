"""Household register import from Excel (.xlsx): parse → validate (a dry run listing every bad row) → commit,
all-or-nothing. Small files are handled in the request; larger ones by Celery tasks (apps.households.tasks)
that report progress on the ImportJob row.

Reading: openpyxl's read-only reader manages about 4,000 rows/s here (it builds an object per cell and per
shared string), far from the 5,000 rows/s the whole import must reach, so `XlsxReader` reads the sheet XML
directly — a string-split and regex fast path for the cell shapes every writer produces, and openpyxl as the
fallback for anything unusual (formula-only cells, prefixed namespaces, rich text), so nothing is misread.
Validation is set-based: duplicates by dict, the database checked in chunks of IDs, villages resolved once.
The commit re-checks villages and scope inside its transaction and writes (COPY on PostgreSQL, bulk_create
elsewhere); ID and national numbers registered since the dry run are refused by the unique indexes, and the
file is then validated again to list which rows clash."""
import codecs
import datetime as dt
import html
import json
import logging
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from decimal import Decimal
from xml.etree import ElementTree
from xml.parsers import expat

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, IntegrityError, connection, connections, transaction
from django.db.models import Q
from django.utils import timezone, translation

from apps.core import idnumber, uploads
from apps.core.errors import DomainError
from apps.core.xlsx import untext
from apps.regions.models import PREFIX_LENGTH, Level, Region, level_of

from . import policy
from .models import Household, HouseholdEvent, ImportJob, LabourCapacity, Member, Relation, Status

log = logging.getLogger(__name__)

HOUSEHOLD_SHEET = "户信息"
MEMBER_SHEET = "成员"
GUIDE_SHEET = "填写说明"
# (header, key, required, max length). The header row may carry a note in brackets, e.g. 所在村（区划代码或村名）.
HOUSEHOLD_COLUMNS = [
    ("户主姓名", "head_name", True, 50),
    ("户主身份证号", "head_id_number", True, 18),
    ("所在村", "village", True, 100),
    ("户类别", "status", True, 30),
    ("国家系统户编号", "national_no", False, 30),
    ("联系电话", "phone", False, 20),
    ("家庭人口", "size", False, None),
    ("劳动力人数", "labour_count", False, None),
    ("家庭年纯收入", "annual_income", False, None),
    ("主要产业", "industry", False, 100),
    ("住址", "address", False, 200),
]
MEMBER_COLUMNS = [
    ("户主身份证号", "head_id_number", True, 18),
    ("姓名", "name", True, 50),
    ("身份证号", "id_number", True, 18),
    ("与户主关系", "relation", True, 20),
    ("劳动能力", "labour_capacity", False, 20),
]
HEADER_ALIASES = {
    "户主身份证号码": "户主身份证号", "身份证号码": "身份证号", "证件号码": "身份证号", "户属性": "户类别", "贫困户属性": "户类别",
    "电话": "联系电话", "手机号": "联系电话", "家庭人口数": "家庭人口", "劳动力数": "劳动力人数", "年纯收入": "家庭年纯收入",
    "家庭住址": "住址", "村": "所在村", "村名": "所在村", "村代码": "所在村", "成员姓名": "姓名",
}
# The label written by the export and listed in the template for each code (the first label policy accepts).
STATUS_LABEL = {}
for _label, _value in policy.STATUS_BY_LABEL.items():
    STATUS_LABEL.setdefault(_value, _label)
RELATION_LABEL = {}
for _label, _value in policy.RELATION_BY_LABEL.items():
    RELATION_LABEL.setdefault(_value, _label)
LABOUR_LABEL = {}
for _label, _value in policy.LABOUR_BY_LABEL.items():
    LABOUR_LABEL.setdefault(_value, _label)

MAX_STORED_ERRORS = 200_000
DB_CHUNK = 5000
BATCH = 2000
COPY_BATCH = 10_000
PROGRESS_STEP = 5000


class NotExcel(Exception):
    """The upload is not an .xlsx workbook we can read."""


class ImportRefused(Exception):
    """The workbook passes a bound on what it may unpack to: refused as a whole, before it costs memory."""

    def __init__(self, code: str, sheet: str = "", row: int = 0, column: str = ""):
        super().__init__(code)
        self.code, self.sheet, self.row, self.column = code, sheet, row, column


# ---------------------------------------------------------------------------------------------------------------
# Reading .xlsx
#
# A workbook is a zip of XML parts, and a few hundred KB of zip can inflate to gigabytes. So nothing here trusts
# what the file says about itself: every part is read through _Bounded, which counts the bytes it inflates to;
# the zip directory's sizes and compression ratios are checked up front too (a cheap early refusal, not the
# bound); the row reader never buffers more than IMPORT_MAX_ROW_CHARS of XML without a row end; cells, cells per
# row, rows and shared strings are counted. openpyxl (the fallback) parses styles and shared strings whole, so it
# only gets a file whose parts, rows and strings our bounded readers have already measured.

_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_SHARED = "xl/sharedStrings.xml"
_SMALL_PART_BYTES = 8 * 1024 * 1024  # workbook, rels, styles...: kilobytes in any real file, parsed whole
_MAX_DIRECTORY_BYTES = 1024 * 1024  # ~10,000 parts
_RATIO_FROM_BYTES = 16 * 1024 * 1024  # the ratio check: below this a part is harmless whatever its ratio
_ROW_R = re.compile(r'\br="(\d+)"')
_ROOT = re.compile(r"<(?:([A-Za-z_][\w.-]*):)?worksheet\b")
_CELL_START = re.compile(r"<(?:[A-Za-z_][\w.-]*:)?c[\s>/]")
_ROW_START = re.compile(r"<(?:[A-Za-z_][\w.-]*:)?row[\s>/]")
# A cell as written by Excel, WPS, LibreOffice and openpyxl: value, shared or inline string, or empty.
_CELL = re.compile(
    r'<c r="([A-Z]{1,3})\d+"(?: s="\d+")?(?: t="(\w+)")?(?: s="\d+")?\s*'
    r'(?:/>|>(?:<v>([^<]*)</v>|<is><t(?: xml:space="preserve")?>([^<]*)</t></is>)?</c>)'
)
_COLS: dict[str, int] = {}


def _col_index(ref: str) -> int:
    n = _COLS.get(ref)
    if n is None:
        n = 0
        for ch in ref:
            n = n * 26 + ord(ch) - 64
        n -= 1
        _COLS[ref] = n
    return n


def _col_letters(index: int) -> str:
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _number(text: str):
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text


class _Fallback(Exception):
    pass


class _Bounded:
    """A zip part read through a count of the bytes it inflates to: past `limit` the file is refused. (zipfile
    itself stops at the size the directory declares, but a bound of ours does not rest on a library's habit.)"""

    def __init__(self, raw, limit: int):
        self.raw, self.limit, self.count = raw, limit, 0

    def read(self, n: int = -1) -> bytes:
        if n is None or n < 0:
            parts = []
            while part := self.read(1 << 20):
                parts.append(part)
            return b"".join(parts)
        data = self.raw.read(n)
        self.count += len(data)
        if self.count > self.limit:
            raise ImportRefused("import_file_too_large_uncompressed")
        return data

    def close(self):
        self.raw.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class _SharedStrings:
    """expat handlers collecting each <si>'s text (phonetic runs left out) with every string, and their number,
    bounded: ElementTree would hold a whole 150 MB text node before we could look at it."""

    def __init__(self, max_chars: int, max_count: int):
        self.max_chars, self.max_count = max_chars, max_count
        self.out: list[str] = []
        self.parts: list[str] = []
        self.length = self.skip = 0
        self.in_t = False

    def start(self, tag, _attrs):
        local = _local(tag)
        if local == "si":
            self.parts, self.length = [], 0
        elif local == "rPh":
            self.skip += 1
        elif local == "t" and not self.skip:
            self.in_t = True

    def end(self, tag):
        local = _local(tag)
        if local == "si":
            self.out.append("".join(self.parts))
            self.parts = []
            if len(self.out) > self.max_count:
                raise ImportRefused("import_too_many_shared_strings")
        elif local == "rPh":
            self.skip -= 1
        elif local == "t":
            self.in_t = False

    def data(self, text):
        if self.in_t:
            self.length += len(text)
            if self.length > self.max_chars:
                raise ImportRefused("import_cell_too_long")
            self.parts.append(text)


def _check_central_directory(fileobj):
    """zipfile reads the whole central directory and makes an object per entry before anything else: a 40 MB
    upload of empty entries would cost hundreds of MB there. A workbook has a few dozen parts (a few KB of
    directory), so a directory over _MAX_DIRECTORY_BYTES is refused before zipfile sees it."""
    try:
        end = zipfile._EndRecData(fileobj)  # the end record, zip64 included (private, but stable since Python 2)
    except (AttributeError, OSError):
        return
    finally:
        fileobj.seek(0)
    if end and end[zipfile._ECD_SIZE] > _MAX_DIRECTORY_BYTES:
        raise ImportRefused("import_file_too_large_uncompressed")


class XlsxReader:
    """Values of an .xlsx workbook's sheets, row by row: (Excel row number, tuple of values). Raises NotExcel or
    ImportRefused (from the constructor and while rows are read)."""

    def __init__(self, fileobj):
        self.rows_read = 0
        try:
            _check_central_directory(fileobj)
            self.zip = zipfile.ZipFile(fileobj)
            self._check_directory()
            names = set(self.zip.namelist())
            self._fileobj = fileobj
            root = self._xml("xl/workbook.xml") if "xl/workbook.xml" in names else None
            if root is None:
                raise NotExcel
            rels = {}
            if "xl/_rels/workbook.xml.rels" in names:
                for rel in self._xml("xl/_rels/workbook.xml.rels").iter():
                    if _local(rel.tag) == "Relationship":
                        rels[rel.get("Id")] = rel.get("Target", "")
            self.sheets: dict[str, str] = {}
            for el in root.iter():
                if _local(el.tag) == "sheet":
                    rid = next((v for k, v in el.attrib.items() if _local(k) == "id"), None)
                    target = rels.get(rid, "")
                    target = target.lstrip("/") if target.startswith("/") else "xl/" + target
                    if target in names:
                        self.sheets[el.get("name", "")] = target
        except (zipfile.BadZipFile, ElementTree.ParseError, KeyError, OSError, ValueError, EOFError, zlib.error):
            raise NotExcel from None
        if not self.sheets:
            raise NotExcel
        self._strings: list[str] | None = None

    def _check_directory(self):
        """What the zip directory declares, checked before anything is inflated: a quick refusal of the obvious
        bomb. Not the bound itself (a directory can lie): _Bounded counts what is really read."""
        max_part, ratio = settings.IMPORT_MAX_PART_BYTES, settings.IMPORT_MAX_COMPRESSION_RATIO
        for info in self.zip.infolist():
            if info.file_size > max_part or (
                    info.file_size > _RATIO_FROM_BYTES and info.file_size > ratio * max(info.compress_size, 1)):
                raise ImportRefused("import_file_too_large_uncompressed")

    def _open(self, name, limit: int | None = None) -> _Bounded:
        return _Bounded(self.zip.open(name), settings.IMPORT_MAX_PART_BYTES if limit is None else limit)

    def _xml(self, name):
        with self._open(name, _SMALL_PART_BYTES) as f:
            return ElementTree.parse(f).getroot()

    @property
    def sheet_names(self) -> list[str]:
        return list(self.sheets)

    def shared_strings(self) -> list[str]:
        if self._strings is None:
            handler = _SharedStrings(settings.IMPORT_MAX_CELL_CHARS, settings.IMPORT_MAX_SHARED_STRINGS)
            if _SHARED in self.zip.namelist():
                parser = expat.ParserCreate(namespace_separator="}")
                parser.buffer_text = True
                parser.StartElementHandler, parser.EndElementHandler = handler.start, handler.end
                parser.CharacterDataHandler = handler.data
                try:
                    with self._open(_SHARED) as f:
                        while chunk := f.read(1 << 16):
                            parser.Parse(chunk, False)
                        parser.Parse(b"", True)
                except (expat.ExpatError, zipfile.BadZipFile, zlib.error, EOFError):
                    raise NotExcel from None
            self._strings = handler.out
        return self._strings

    def measure(self, sheet: str, others: list[str], max_rows: int, max_bytes: int) -> tuple[bool, int]:
        """The rows of `sheet`, counted to its end (a streaming pass, bounded like every read), and whether it has at
        most `max_rows` of them and neither it, the `others` nor the shared strings unpack past `max_bytes` (each
        of those passes stops there). Read and counted, never believed from the file's <dimension>."""
        rows = size = 0
        tail = b""
        with self._open(self.sheets[sheet]) as f:
            while chunk := f.read(1 << 20):
                size += len(chunk)
                both = tail + chunk  # a row end split between two chunks; one wholly inside `tail` was counted already
                rows += both.count(b"/row>") + both.count(b":row>")  # </row>, </x:row>
                tail = chunk[-4:]
        small = rows <= max_rows and size <= max_bytes
        names = [self.sheets[s] for s in others] + ([_SHARED] if _SHARED in self.zip.namelist() else [])
        for name in names if small else ():
            size = 0
            with self._open(name) as f:
                while small and (chunk := f.read(1 << 20)):
                    size += len(chunk)
                    small = size <= max_bytes
        return small, rows

    def _count_row(self, sheet, number):
        self.rows_read += 1
        if self.rows_read > settings.IMPORT_MAX_ROWS:
            raise ImportRefused("import_too_many_rows", sheet, number)

    def rows(self, sheet: str):
        last, before = 0, self.rows_read
        try:
            try:
                for number, values in self._fast_rows(sheet):
                    last = number
                    self._count_row(sheet, number)
                    yield number, values
            except _Fallback:
                self._before_openpyxl(sheet, before)
                for number, values in self._openpyxl_rows(sheet, last + 1):
                    self._count_row(sheet, number)
                    yield number, values
        except (zipfile.BadZipFile, zlib.error, EOFError, UnicodeDecodeError):
            raise NotExcel from None

    @staticmethod
    def _too_long(sheet, xml: str, number: int) -> ImportRefused:
        """Too much XML without a row end: a cell that long, or a row of too many cells (told apart by the longest
        stretch between two cell starts). Only on the way to a refusal, so the scans do not matter."""
        rows = list(_ROW_START.finditer(xml))
        row = rows[-1] if rows else None
        if row is not None:
            m = _ROW_R.search(xml, row.start(), row.start() + 200)
            number = int(m.group(1)) if m else number + 1
        starts = [m.start() for m in _CELL_START.finditer(xml, row.start() if row else 0)] + [len(xml)]
        longest = max((b - a for a, b in zip(starts, starts[1:], strict=False)), default=0)
        code = "import_cell_too_long" if longest > settings.IMPORT_MAX_ROW_CHARS // 2 else "import_row_too_long"
        return ImportRefused(code, sheet, number)

    def _fast_rows(self, sheet):
        name = self.sheets[sheet]
        max_row, max_cell, max_cols = settings.IMPORT_MAX_ROW_CHARS, settings.IMPORT_MAX_CELL_CHARS, settings.IMPORT_MAX_COLUMNS
        strings = None
        decoder = codecs.getincrementaldecoder("utf-8")()
        buf, number, checked = "", 0, False
        with self._open(name) as f:
            while True:
                chunk = f.read(1 << 20)
                buf += decoder.decode(chunk, final=not chunk)
                if not checked:
                    if not chunk or len(buf) > 2048:
                        if "<worksheet" not in buf[:4096]:  # a prefixed namespace (<x:worksheet>): let openpyxl read it
                            raise _Fallback
                        checked = True
                    else:
                        continue
                end = buf.rfind("</row>")
                if end < 0:
                    if not chunk or "</sheetData>" in buf:
                        return  # what follows the rows (merged cells, validations...) is not read
                    if len(buf) > max_row:
                        raise self._too_long(sheet, buf, number)
                    continue
                pieces = buf[:end].split("</row>")
                buf = buf[end + 6:]
                for piece in pieces:
                    i = max(piece.rfind("<row "), piece.rfind("<row>"))
                    if i < 0:
                        raise _Fallback
                    if len(piece) - i > max_row:
                        raise self._too_long(sheet, piece, number)
                    gt = piece.find(">", i)
                    m = _ROW_R.search(piece, i, gt)
                    number = int(m.group(1)) if m else number + 1
                    body = piece[gt + 1:]
                    cells = _CELL.findall(body)
                    if len(cells) != body.count("<c ") + body.count("<c>"):
                        raise _Fallback
                    if len(cells) > max_cols:
                        raise ImportRefused("import_row_too_long", sheet, number)
                    row = []
                    for ref, kind, v, inline in cells:
                        col = _col_index(ref)
                        if col != len(row):
                            if col < len(row):
                                raise _Fallback
                            if col >= max_cols:
                                raise ImportRefused("import_row_too_long", sheet, number, ref)
                            row.extend([None] * (col - len(row)))
                        if kind == "inlineStr":
                            value = html.unescape(inline) if "&" in inline else inline
                        elif not v:
                            value = None
                        elif kind == "s":
                            if strings is None:
                                strings = self.shared_strings()
                            value = strings[int(v)]
                        elif not kind or kind == "n":
                            value = _number(v)
                        elif kind == "b":
                            value = v == "1"
                        else:  # str (formula result), e (error), d (ISO date)
                            value = html.unescape(v) if "&" in v else v
                        row.append(value)
                    if len(body) > max_cell:  # only a row this long can hold a cell over the limit
                        _check_cells(sheet, number, row, max_cell)
                    yield number, tuple(row)
                if not chunk:
                    return

    def _before_openpyxl(self, sheet, rows_before: int):
        """openpyxl holds the shared strings and parses styles and every other small part whole, and builds each row
        in memory: it gets the file only once our bounded readers have measured all of these."""
        for info in self.zip.infolist():
            if info.filename.endswith((".xml", ".rels")) and info.filename not in self.sheets.values() \
                    and info.filename != _SHARED and info.file_size > _SMALL_PART_BYTES:
                raise ImportRefused("import_file_too_large_uncompressed")
        self.shared_strings()
        max_row, rows = settings.IMPORT_MAX_ROW_CHARS, 0
        decoder = codecs.getincrementaldecoder("utf-8")()
        buf, end_tag, done = "", None, None
        with self._open(self.sheets[sheet]) as f:
            while True:
                chunk = f.read(1 << 20)
                buf += decoder.decode(chunk, final=not chunk)
                if end_tag is None:
                    m = _ROOT.search(buf[:4096])
                    if m is None and chunk and len(buf) < 4096:
                        continue
                    prefix = m.group(1) if m else None
                    end_tag, done = (f"</{prefix}:row>", f"</{prefix}:sheetData>") if prefix else ("</row>", "</sheetData>")
                pieces = buf.split(end_tag)
                buf = pieces.pop()
                for piece in pieces:
                    if len(piece) > max_row:
                        raise self._too_long(sheet, piece, rows)
                rows += len(pieces)
                if rows_before + rows > settings.IMPORT_MAX_ROWS:  # the rows of the sheets read before this one
                    raise ImportRefused("import_too_many_rows", sheet)
                if not chunk or done in buf:
                    return
                if len(buf) > max_row:
                    raise self._too_long(sheet, buf, rows)

    def _openpyxl_rows(self, sheet, min_row):
        import openpyxl

        max_cell = settings.IMPORT_MAX_CELL_CHARS
        self._fileobj.seek(0)
        try:
            wb = openpyxl.load_workbook(self._fileobj, read_only=True, data_only=True)
            ws = wb[sheet]
            for offset, values in enumerate(ws.iter_rows(min_row=min_row, values_only=True)):
                _check_cells(sheet, min_row + offset, values, max_cell)
                yield min_row + offset, tuple(values)
        except (KeyError, ValueError, zipfile.BadZipFile, TypeError) as exc:
            raise NotExcel from exc


def _check_cells(sheet, number, values, max_chars):
    for i, value in enumerate(values):
        if isinstance(value, str) and len(value) > max_chars:
            raise ImportRefused("import_cell_too_long", sheet, number, _col_letters(i))


# ---------------------------------------------------------------------------------------------------------------
# Parsing values


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return untext(value).strip()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%Y-%m-%d")
    return str(value).strip()


def _header_key(value) -> str:
    text = re.sub(r"\s+", "", _text(value)).lstrip("*＊")
    text = re.split(r"[（(]", text, maxsplit=1)[0]
    return HEADER_ALIASES.get(text, text)


_STATUS_LABELS: dict[str, str] | None = None


def _status_labels() -> dict[str, str]:
    """Codes, policy's Chinese labels and the display labels in both languages."""
    global _STATUS_LABELS
    if _STATUS_LABELS is None:
        labels = {s.value: s.value for s in Status} | dict(policy.STATUS_BY_LABEL)
        for lang in ("zh-hans", "en"):
            with translation.override(lang):
                labels.update({str(s.label): s.value for s in Status})
        _STATUS_LABELS = labels
    return _STATUS_LABELS


def _choice(text: str, choices, labels: dict) -> str | None:
    if text in choices:
        return text
    if text in labels:
        return labels[text]
    return None


@dataclass
class Problem:
    sheet: str
    row: int
    column: str
    value: str
    code: str
    first_row: int | None = None

    def as_dict(self) -> dict:
        d = {"sheet": self.sheet, "row": self.row, "column": self.column, "value": self.value[:60], "code": self.code}
        if self.first_row:
            d["first_row"] = self.first_row
        return d


@dataclass
class Parsed:
    """The outcome of reading and checking a file: clean rows when there is no problem."""

    file_code: str = ""  # a problem with the file as a whole (import_not_excel, import_empty, ...)
    file_detail: str = ""
    file_sheet: str = ""  # where a file refused as a whole was refused (a cell too long, ...), when known
    file_row: int = 0
    households: list = field(default_factory=list)  # dicts, in file order
    members: list = field(default_factory=list)  # dicts with "head_id_number"
    problems: list = field(default_factory=list)
    row_count: int = 0  # household rows read, good and bad

    @property
    def ok(self) -> bool:
        return not self.file_code and not self.problems

    @property
    def bad_rows(self) -> int:
        return len({(p.sheet, p.row) for p in self.problems})


def scope_of(job: ImportJob) -> str:
    """The uploader's scope prefix, recovered from the padded code stored on the job."""
    code = job.region_code or ""
    if not code.strip("0"):
        return ""
    return code[: PREFIX_LENGTH[level_of(code)]]


def padded_scope(prefix: str | None) -> str:
    return (prefix or "").ljust(12, "0")


def _find_header(rows_iter, wanted: set[str]):
    """The header is the first row (of the first ten) naming a wanted column; else the first non-empty row."""
    first = None
    for number, values in rows_iter:
        keys = [_header_key(v) for v in values]
        if not any(keys):
            continue
        if first is None:
            first = (number, keys)
        if wanted & set(keys):
            return number, keys
        if number >= 10:
            break
    return first


def _columns(keys: list[str], spec) -> tuple[dict[str, int], list[str]]:
    index = {}
    for pos, key in enumerate(keys):
        index.setdefault(key, pos)
    cols = {k: index[h] for h, k, _req, _max in spec if h in index}
    missing = [h for h, k, req, _max in spec if req and k not in cols]
    return cols, missing


def _take(values: tuple, cols: dict[str, int]) -> dict:
    n = len(values)
    return {k: (values[i] if i < n else None) for k, i in cols.items()}


def _pick_sheets(names: list[str]) -> tuple[str, str | None]:
    """The household sheet (by name, else the first that is not the members or the guide) and the member sheet."""
    house_sheet = next((n for n in names if n.strip() in (HOUSEHOLD_SHEET, "户", "农户", "户表")), None)
    if house_sheet is None:
        house_sheet = next((n for n in names if n.strip() not in (MEMBER_SHEET, GUIDE_SHEET)), names[0])
    return house_sheet, next((n for n in names if n.strip() == MEMBER_SHEET), None)


def parse_file(fileobj, *, scope_prefix: str, today: dt.date, progress=None, check_db: bool = True) -> Parsed:
    """Read and check the whole file. Every problem is collected (no early exit), with Excel row numbers."""
    out = Parsed()
    try:
        reader = XlsxReader(fileobj)
        house_sheet, member_sheet = _pick_sheets(reader.sheet_names)
        h_rows = _read_sheet(reader, house_sheet, HOUSEHOLD_COLUMNS, out, progress)
        if out.file_code:
            return out
        m_rows = _read_sheet(reader, member_sheet, MEMBER_COLUMNS, out, None) if member_sheet else []
        if out.file_code:
            return out
    except NotExcel:
        out.file_code = "import_not_excel"
        return out
    except ImportRefused as exc:
        out.file_code, out.file_sheet, out.file_row, out.file_detail = exc.code, exc.sheet, exc.row, exc.column
        return out
    if not h_rows:
        out.file_code = "import_empty"
        return out
    out.row_count = len(h_rows)
    _validate(out, h_rows, m_rows, scope_prefix=scope_prefix, today=today, check_db=check_db)
    return out


def _read_sheet(reader, sheet, spec, out: Parsed, progress):
    rows = reader.rows(sheet)
    found = _find_header(rows, {h for h, *_ in spec})
    if found is None:
        if spec is HOUSEHOLD_COLUMNS:
            out.file_code = "import_empty"
        return []
    _hdr, keys = found
    cols, missing = _columns(keys, spec)
    if missing:
        out.file_code = "import_missing_columns"
        out.file_detail = "、".join(missing) if spec is HOUSEHOLD_COLUMNS else f"{sheet}: " + "、".join(missing)
        return []
    data = []
    for number, values in rows:
        if not any(v is not None and v != "" for v in values):
            continue
        row = _take(values, cols)
        row["_row"] = number
        data.append(row)
        if progress and len(data) % PROGRESS_STEP == 0:
            progress(len(data))
    return data


def _add(out: Parsed, sheet, row, column, value, code, first_row=None):
    out.problems.append(Problem(sheet, row, column, _text(value), code, first_row))


def _validate(out: Parsed, h_rows, m_rows, *, scope_prefix, today, check_db):
    lookups = _Lookups() if check_db else None
    try:
        _validate_rows(out, h_rows, m_rows, scope_prefix=scope_prefix, today=today, lookups=lookups)
    finally:
        if lookups:
            lookups.close()


def _validate_rows(out: Parsed, h_rows, m_rows, *, scope_prefix, today, lookups):
    H, M = HOUSEHOLD_SHEET, MEMBER_SHEET
    hdr = {k: h for h, k, _r, _m in HOUSEHOLD_COLUMNS}
    mhdr = {k: h for h, k, _r, _m in MEMBER_COLUMNS}
    max_len = {k: m for _h, k, _r, m in HOUSEHOLD_COLUMNS if m}
    mmax_len = {k: m for _h, k, _r, m in MEMBER_COLUMNS if m}
    statuses = _status_labels()
    status_values = set(Status.values)
    seen_ids: dict[str, tuple[str, int]] = {}
    seen_national: dict[str, int] = {}
    heads_in_file: dict[str, dict] = {}  # normalized head ID (even if invalid) → household dict
    id_rows: list[tuple[str, str, int, str]] = []  # (id, sheet, row, column) of valid IDs, for the DB check
    national_rows: list[tuple[str, int]] = []
    village_values: dict[str, list[int]] = {}
    households = []

    for r in h_rows:
        n = r["_row"]
        h = {"_row": n}
        for key in ("head_name", "national_no", "phone", "industry", "address"):
            text = _text(r.get(key))
            if key in max_len and len(text) > max_len[key]:
                _add(out, H, n, hdr[key], text, "import_value_too_long")
            h[key] = text
        if not h["head_name"]:
            _add(out, H, n, hdr["head_name"], "", "household_field_missing")
        raw_id = _text(r.get("head_id_number"))
        head_id = idnumber.normalize(raw_id)
        h["head_id_number"] = head_id
        heads_in_file.setdefault(head_id, h)
        codes = idnumber.problems(raw_id, today)
        if codes:
            for code in codes:
                _add(out, H, n, hdr["head_id_number"], raw_id, code)
        elif head_id in seen_ids:
            _add(out, H, n, hdr["head_id_number"], raw_id, "id_number_duplicate_in_file", seen_ids[head_id][1])
        else:
            seen_ids[head_id] = (H, n)
            id_rows.append((head_id, H, n, hdr["head_id_number"]))
            if lookups:
                lookups.add("id", head_id)
        village = _text(r.get("village"))
        h["village_raw"] = village
        if not village:
            _add(out, H, n, hdr["village"], "", "household_field_missing")
        else:
            village_values.setdefault(village, []).append(len(households))
        status_text = _text(r.get("status"))
        if not status_text:
            _add(out, H, n, hdr["status"], "", "household_field_missing")
        else:
            h["status"] = _choice(status_text, status_values, statuses)
            if h["status"] is None:
                _add(out, H, n, hdr["status"], status_text, "household_status_unknown")
        if h["national_no"]:
            if h["national_no"] in seen_national:
                _add(out, H, n, hdr["national_no"], h["national_no"], "household_national_no_duplicate_in_file",
                     seen_national[h["national_no"]])
            else:
                seen_national[h["national_no"]] = n
                national_rows.append((h["national_no"], n))
                if lookups:
                    lookups.add("national", h["national_no"])
        if h["phone"] and policy.phone_problems(h["phone"]):
            _add(out, H, n, hdr["phone"], h["phone"], "household_phone_bad")
        for key in ("size", "labour_count"):
            try:
                h[key] = policy.parse_count(r.get(key))
                if key == "size" and h[key] == 0:
                    raise ValueError
            except ValueError:
                h[key], h["_bad_count"] = None, True
                _add(out, H, n, hdr[key], r.get(key), "household_bad_number")
        try:
            h["annual_income"] = policy.parse_amount(r.get("annual_income"))
        except ValueError:
            h["annual_income"] = None
            _add(out, H, n, hdr["annual_income"], r.get("annual_income"), "household_bad_number")
        h["members"] = 0
        households.append(h)

    members = []
    relation_values, labour_values = set(Relation.values), set(LabourCapacity.values)
    for r in m_rows:
        n = r["_row"]
        m = {"_row": n}
        raw_head = _text(r.get("head_id_number"))
        m["head_id_number"] = head_key = idnumber.normalize(raw_head)
        owner = heads_in_file.get(head_key)
        if not raw_head:
            _add(out, M, n, mhdr["head_id_number"], "", "household_field_missing")
        elif owner is None:
            _add(out, M, n, mhdr["head_id_number"], raw_head, "import_member_household_unknown")
        m["name"] = _text(r.get("name"))
        if not m["name"]:
            _add(out, M, n, mhdr["name"], "", "household_field_missing")
        elif len(m["name"]) > mmax_len["name"]:
            _add(out, M, n, mhdr["name"], m["name"], "import_value_too_long")
        relation_text = _text(r.get("relation"))
        relation = _choice(relation_text, relation_values, policy.RELATION_BY_LABEL) if relation_text else None
        raw_id = _text(r.get("id_number"))
        m["id_number"] = member_id = idnumber.normalize(raw_id)
        if relation == Relation.HEAD and owner is not None and member_id == head_key:
            continue  # the head listed again among the members: already imported from the household sheet
        codes = idnumber.problems(raw_id, today)
        if codes:
            for code in codes:
                _add(out, M, n, mhdr["id_number"], raw_id, code)
        elif member_id in seen_ids:
            first_sheet, first_row = seen_ids[member_id]
            _add(out, M, n, mhdr["id_number"], raw_id, "id_number_duplicate_in_file", first_row)
        else:
            seen_ids[member_id] = (M, n)
            id_rows.append((member_id, M, n, mhdr["id_number"]))
            if lookups:
                lookups.add("id", member_id)
        if not relation_text:
            _add(out, M, n, mhdr["relation"], "", "household_field_missing")
        elif relation is None:
            _add(out, M, n, mhdr["relation"], relation_text, "import_choice_unknown")
        elif relation == Relation.HEAD:
            _add(out, M, n, mhdr["relation"], relation_text, "household_member_head_twice")
        m["relation"] = relation
        labour_text = _text(r.get("labour_capacity"))
        m["labour_capacity"] = _choice(labour_text, labour_values, policy.LABOUR_BY_LABEL) if labour_text else LabourCapacity.FULL
        if m["labour_capacity"] is None:
            _add(out, M, n, mhdr["labour_capacity"], labour_text, "import_choice_unknown")
        if owner is not None:
            owner["members"] += 1
        members.append(m)

    for h in households:
        if h["size"] is None:
            h["size"] = 1 + h["members"]
        if h["labour_count"] is None:
            h["labour_count"] = 0
        if h["labour_count"] > h["size"] and not h.pop("_bad_count", False):
            _add(out, H, h["_row"], hdr["labour_count"], h["labour_count"], "household_labour_exceeds_size")

    _resolve_villages(out, households, village_values, scope_prefix)
    if lookups:
        _check_database(out, id_rows, national_rows, lookups.taken())
    out.problems.sort(key=lambda p: (p.sheet != H, p.row))
    if out.ok:
        out.households, out.members = households, members


_VILLAGE_SPLIT = re.compile(r"^(.+?(?:镇|乡|街道|街道办事处|办事处))[\s/／\-·、]*(.+)$")


def _resolve_villages(out: Parsed, households, village_values: dict[str, list[int]], scope_prefix: str):
    """Each distinct value once: a 12-digit code, a village name unique in the scope, or township + village."""
    col = HOUSEHOLD_COLUMNS[2][0]
    codes = {v for v in village_values if v.isdigit() and len(v) == 12}
    names: dict[str, tuple[str | None, str]] = {}
    for v in village_values:
        if v in codes:
            continue
        parts = re.split(r"[\s/／\-·、]+", v)
        if len(parts) >= 2:
            names[v] = (parts[-2], parts[-1])
        elif m := _VILLAGE_SPLIT.match(v):
            names[v] = (m.group(1), m.group(2))
        else:
            names[v] = (None, v)
    by_code: dict[str, tuple[int, str]] = {}
    code_list = sorted(codes)
    for i in range(0, len(code_list), DB_CHUNK):
        for pk, code in Region.objects.filter(level=Level.VILLAGE, active=True, code__in=code_list[i:i + DB_CHUNK]).values_list("id", "code"):
            by_code[code] = (pk, code)
    village_names = sorted({vn for _t, vn in names.values()} | {v for v in names})
    by_name: dict[str, list[tuple[int, str, str]]] = {}
    for i in range(0, len(village_names), DB_CHUNK):
        rows = Region.objects.filter(level=Level.VILLAGE, active=True, name__in=village_names[i:i + DB_CHUNK]).values_list(
            "id", "code", "name", "parent__name")
        for pk, code, name, township in rows:
            by_name.setdefault(name, []).append((pk, code, township or ""))
    for raw, indexes in village_values.items():
        code_out, resolved = None, None
        if raw in codes:
            found = by_code.get(raw)
            if found is None:
                code_out = "household_village_unknown"
            elif not found[1].startswith(scope_prefix):
                code_out = "household_village_out_of_scope"
            else:
                resolved = found
        else:
            candidates = list(by_name.get(raw, []))
            township, vname = names[raw]
            if not candidates and township:
                candidates = [c for c in by_name.get(vname, []) if c[2] == township]
            inside = [c for c in candidates if c[1].startswith(scope_prefix)]
            if len(inside) == 1:
                resolved = (inside[0][0], inside[0][1])
            elif len(inside) > 1:
                code_out = "household_village_ambiguous"
            elif candidates:
                code_out = "household_village_out_of_scope"
            else:
                code_out = "household_village_unknown"
        for idx in indexes:
            h = households[idx]
            if code_out:
                _add(out, HOUSEHOLD_SHEET, h["_row"], col, raw, code_out)
            else:
                h["village_id"], h["region_code"] = resolved


def _taken(pairs: list[tuple[str, str]], values: list[str]) -> set[str]:
    """Which of `values` already exist in any of the (table, column) pairs: chunks of IN (...) on the unique
    indexes. (Measured at a million households: as fast as a temporary table joined to each, and simpler.)
    The `<> ''` lets PostgreSQL use a partial unique index (national numbers, blank allowed many times): it
    proves an IN list implies the index's predicate only for lists of up to 100 values, and scans otherwise."""
    found: set[str] = set()
    with connection.cursor() as cur:
        for i in range(0, len(values), DB_CHUNK):
            chunk = values[i:i + DB_CHUNK]
            for table, column in pairs:
                cur.execute(f"SELECT {column} FROM {table} WHERE {column} <> '' AND {column} IN ({', '.join(['%s'] * len(chunk))})",
                            chunk)
                found.update(r[0] for r in cur.fetchall())
    return found


def _lookup_pairs() -> dict[str, list[tuple[str, str]]]:
    """An ID number exists once in the whole system (members, heads included); so does a national number."""
    household, member = Household._meta.db_table, Member._meta.db_table
    return {"id": [(member, "id_number"), (household, "head_id_number")], "national": [(household, "national_no")]}


class _Lookups:
    """Which ID and national numbers of the file are already registered. On PostgreSQL, outside a transaction
    (the dry run), a second connection answers in a thread, a chunk at a time, while this one goes on checking
    the file: the database's work and ours overlap. Inside a transaction — whose rows no other connection can
    see — or on SQLite, the same questions are asked at the end on this connection."""

    def __init__(self):
        self.pairs = _lookup_pairs()
        self.pending: dict[str, list[str]] = {"id": [], "national": []}
        self.futures = []
        self.executor = None
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            from concurrent.futures import ThreadPoolExecutor

            self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-lookups")

    def add(self, kind: str, value: str):
        values = self.pending[kind]
        values.append(value)
        if self.executor is not None and len(values) >= DB_CHUNK:
            self._submit(kind)

    def _submit(self, kind: str):
        values, self.pending[kind] = self.pending[kind], []
        if values:
            self.futures.append((kind, self.executor.submit(_taken, self.pairs[kind], values)))

    def taken(self) -> dict[str, set[str]]:
        found: dict[str, set[str]] = {"id": set(), "national": set()}
        for kind in found:
            if self.executor is None:
                found[kind] = _taken(self.pairs[kind], self.pending[kind])
            else:
                self._submit(kind)
        for kind, future in self.futures:
            found[kind] |= future.result()
        return found

    def close(self):
        if self.executor is not None:
            self.executor.submit(lambda: connection.close())  # looked up in the thread: its own connection
            self.executor.shutdown(wait=True, cancel_futures=False)
            self.executor = None


def _check_database(out: Parsed, id_rows, national_rows, taken: dict[str, set[str]]):
    if taken["id"]:
        for number, sheet, row, column in id_rows:
            if number in taken["id"]:
                _add(out, sheet, row, column, number, "id_number_taken")
    if taken["national"]:
        col = HOUSEHOLD_COLUMNS[4][0]
        for number, row in national_rows:
            if number in taken["national"]:
                _add(out, HOUSEHOLD_SHEET, row, col, number, "household_national_no_taken")


# ---------------------------------------------------------------------------------------------------------------
# The job: start, validate, commit


def _require(actor, capability="household.import"):
    if actor is None or not actor.can(capability) or actor.scope_prefix is None:
        raise DomainError("permission_denied", status=403)


def _open(job: ImportJob):
    job.file.open("rb")
    return job.file


def read_in_request(fileobj) -> bool:
    """Whether the dry run of this workbook may run in the web request (see _measure)."""
    return _measure(fileobj)[0]


def _measure(fileobj) -> tuple[bool, int]:
    """Whether the dry run may run in the request, and the household rows (the progress bar's scale when it may
    not). Measured, never believed from the file's <dimension>: the household sheet's rows counted, it, the member
    sheet and the shared strings inflated up to IMPORT_SYNC_MAX_BYTES. A file that is no workbook, or is refused
    up front, is small: its dry run ends at once."""
    try:
        reader = XlsxReader(fileobj)
        house, member = _pick_sheets(reader.sheet_names)
        small, rows = reader.measure(house, [member] if member else [], settings.IMPORT_SYNC_MAX_ROWS + 1,
                                     settings.IMPORT_SYNC_MAX_BYTES)
        return small, max(0, rows - 1)  # the header row is not a household
    except (NotExcel, ImportRefused, zipfile.BadZipFile, zlib.error, EOFError):
        return True, 0


# The import's own codes for the upload refusals (they name the register file in the job's history).
UPLOAD_CODES = {"upload_empty": "import_empty", "upload_too_large": "import_too_large", "upload_type_not_allowed": "import_not_excel"}


def household_import_start(actor, upload) -> ImportJob:
    """Store the upload as an ImportJob and validate it: in the request when it is small, else in a task."""
    _require(actor)
    job = ImportJob(created_by=actor, region_code=padded_scope(actor.scope_prefix),
                    original_name=(getattr(upload, "name", "") or "upload.xlsx")[-200:])
    try:
        accepted = uploads.accept(upload, uploads.REGISTER_IMPORT)  # an .xlsx by its bytes, under a server-made name
    except DomainError as exc:
        return _finish_invalid(job, UPLOAD_CODES.get(exc.code, exc.code))
    job.file.save(accepted.name, accepted, save=False)
    job.save()
    f = _open(job)
    try:
        small, estimate = _measure(f)
    finally:
        f.close()
    if small:
        household_import_validate(job.pk)
        job.refresh_from_db()
    else:
        from .tasks import import_validate

        job.total_rows = estimate  # so the progress bar has a scale (the dry run sets the exact count)
        job.save(update_fields=["total_rows"])
        transaction.on_commit(lambda: import_validate.delay(job.pk))
    return job


def _finish_invalid(job: ImportJob, code: str, detail: str = "") -> ImportJob:
    job.state, job.message = ImportJob.State.INVALID, code
    if detail:
        job.errors = [{"sheet": "", "row": 1, "column": detail, "value": "", "code": code}]
    job.finished_at = timezone.now()
    job.save()
    return job


def _store_problems(job: ImportJob, parsed: Parsed):
    job.errors = [p.as_dict() for p in parsed.problems[:MAX_STORED_ERRORS]]
    job.error_count = parsed.bad_rows


def _parse_job(job: ImportJob, progress=None, check_db=True) -> Parsed:
    f = _open(job)
    try:
        return parse_file(f, scope_prefix=scope_of(job), today=timezone.localdate(), progress=progress, check_db=check_db)
    finally:
        f.close()


def household_import_validate(job_id: int) -> ImportJob | None:
    """The dry run: read and check every row; the job ends `ready` or `invalid` with every problem listed.
    Idempotent: does nothing unless the job is validating."""
    job = ImportJob.objects.filter(pk=job_id, state=ImportJob.State.VALIDATING).first()
    if job is None:
        return None

    def progress(n):
        ImportJob.objects.filter(pk=job_id).update(processed_rows=n)

    try:
        parsed = _parse_job(job, progress=progress)
    except Exception:
        log.exception("import %s: validation failed", job_id)
        ImportJob.objects.filter(pk=job_id).update(state=ImportJob.State.FAILED, message="server_error", finished_at=timezone.now())
        raise
    _apply_validation(job, parsed)
    if job.state == ImportJob.State.READY:
        _save_checked(job, parsed)
    job.save()
    return job


# The dry run keeps its checked rows beside the upload, so the commit need not read and check the (unchanged)
# file again: it re-runs every check that depends on the database — villages and scope, ID numbers and national
# numbers already registered — inside its transaction. Without the side file the commit starts from the upload.
_H_KEYS = ("_row", "head_name", "head_id_number", "village_raw", "status", "national_no", "phone", "size", "labour_count",
           "annual_income", "industry", "address", "members")
_M_KEYS = ("_row", "head_id_number", "name", "id_number", "relation", "labour_capacity")
_CHECKED_VERSION = 1


def _checked_name(job: ImportJob) -> str:
    return f"{job.file.name}.checked.json"


def _save_checked(job: ImportJob, parsed: Parsed):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    data = {
        "v": _CHECKED_VERSION, "file": job.file.name,
        "households": [[h[k] if k != "annual_income" or h[k] is None else str(h[k]) for k in _H_KEYS] for h in parsed.households],
        "members": [[m[k] for k in _M_KEYS] for m in parsed.members],
    }
    try:
        default_storage.delete(_checked_name(job))
        default_storage.save(_checked_name(job), ContentFile(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()))
    except OSError:
        log.warning("import %s: could not keep the checked rows; the commit will read the file again", job.pk)


def _drop_checked(job: ImportJob):
    from django.core.files.storage import default_storage

    try:
        default_storage.delete(_checked_name(job))
    except OSError:
        pass


def _recheck(job: ImportJob) -> Parsed | None:
    """The dry run's rows with every database-dependent check run again; None when they were not kept."""
    from django.core.files.storage import default_storage

    try:
        with default_storage.open(_checked_name(job), "rb") as f:
            data = json.loads(f.read())
    except (OSError, ValueError):
        return None
    if data.get("v") != _CHECKED_VERSION or data.get("file") != job.file.name:
        return None
    out = Parsed()
    households = [dict(zip(_H_KEYS, row, strict=True)) for row in data["households"]]
    members = [dict(zip(_M_KEYS, row, strict=True)) for row in data["members"]]
    village_values: dict[str, list[int]] = {}
    for idx, h in enumerate(households):
        if h["annual_income"] is not None:
            h["annual_income"] = Decimal(h["annual_income"])
        village_values.setdefault(h["village_raw"], []).append(idx)
    _resolve_villages(out, households, village_values, scope_of(job))
    # ID and national numbers registered since the dry run are not looked up again: the unique indexes refuse
    # them at the write, and household_import_run_commit then re-validates the file to list which rows clash.
    out.problems.sort(key=lambda p: (p.sheet != HOUSEHOLD_SHEET, p.row))
    if out.ok:
        out.households, out.members = households, members
    return out


def purge_import_files(now=None) -> dict[str, int]:
    """Uploaded registers carry the personal data of whole villages, so they are not kept for ever: a job left
    unfinished for IMPORT_FILE_RETENTION_DAYS (a preview never committed, a task that never ran) expires, and the
    file (with the dry run's kept rows) of any job ended that long ago is deleted, as are the cell values quoted in
    its list of problems. The job's record stays: who, when, the counts, and which rows had which problem.
    Idempotent; an expiry and a commit of the same preview cannot both happen (each claims `ready`)."""
    from django.core.files.storage import default_storage

    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.IMPORT_FILE_RETENTION_DAYS)
    unfinished = [ImportJob.State.READY, ImportJob.State.VALIDATING, ImportJob.State.IMPORTING]
    expired = ImportJob.objects.filter(state__in=unfinished, created_at__lt=cutoff).update(
        state=ImportJob.State.FAILED, message="import_expired", finished_at=now)
    ended = ImportJob.objects.filter(
        Q(finished_at__lt=cutoff) | Q(message="import_expired"),
        state__in=[ImportJob.State.DONE, ImportJob.State.INVALID, ImportJob.State.FAILED], purged_at__isnull=True,
    ).exclude(file="", errors=[])  # nothing kept (an upload refused before it was stored)
    purged = 0
    for job in ended.only("id", "file", "errors").iterator(chunk_size=200):
        for name in ((job.file.name, _checked_name(job)) if job.file else ()):
            try:
                default_storage.delete(name)
            except OSError:
                log.warning("import %s: could not delete %s", job.pk, name)
        errors = [{**e, "value": ""} for e in job.errors or []]
        purged += ImportJob.objects.filter(pk=job.pk).update(file="", errors=errors, purged_at=now)
    if expired or purged:
        log.info("import files: %s jobs expired, %s jobs purged", expired, purged)
    return {"expired": expired, "purged": purged}


def _apply_validation(job: ImportJob, parsed: Parsed):
    if parsed.file_code:
        job.state, job.message = ImportJob.State.INVALID, parsed.file_code
        job.errors = [{"sheet": parsed.file_sheet, "row": parsed.file_row or 1, "column": parsed.file_detail, "value": "",
                       "code": parsed.file_code}] if parsed.file_detail or parsed.file_row else []
        job.error_count = 0
        job.finished_at = timezone.now()
        return
    job.total_rows = parsed.row_count or len(parsed.households) or job.total_rows
    job.processed_rows = job.total_rows
    if parsed.problems:
        _store_problems(job, parsed)
        job.state, job.message = ImportJob.State.INVALID, "import_has_errors"
        job.finished_at = timezone.now()
    else:
        job.errors, job.error_count = [], 0
        job.state, job.message = ImportJob.State.READY, ""


def household_import_commit(actor, job: ImportJob) -> ImportJob:
    """Ask for the commit of a validated job: in the request for small files, else in a task."""
    _require(actor)
    job = ImportJob.objects.visible_to(actor).get(pk=job.pk)
    claimed = ImportJob.objects.filter(pk=job.pk, state=ImportJob.State.READY).update(
        state=ImportJob.State.IMPORTING, processed_rows=0)
    if not claimed:
        raise DomainError("import_not_ready", status=409)
    if job.total_rows > settings.IMPORT_SYNC_MAX_ROWS:
        from .tasks import import_commit

        transaction.on_commit(lambda: import_commit.delay(job.pk, actor.pk))
    else:
        household_import_run_commit(job.pk, actor.pk)
    job.refresh_from_db()
    return job


class _SideProgress:
    """Progress written on a second connection, so the page sees it while the commit's transaction is open.
    PostgreSQL only (SQLite has a single writer); any failure just stops the reports."""

    def __init__(self, job_id: int, enabled: bool = True):
        self.job_id, self.conn = job_id, None
        if enabled and connection.vendor == "postgresql":
            try:
                self.conn = connections.create_connection(DEFAULT_DB_ALIAS)
                with self.conn.cursor() as cur:
                    cur.execute("SET lock_timeout = '500ms'")
            except DatabaseError:
                self.conn = None

    def __call__(self, n: int):
        if self.conn is None:
            return
        try:
            with self.conn.cursor() as cur:
                cur.execute(f"UPDATE {ImportJob._meta.db_table} SET processed_rows = %s WHERE id = %s", [n, self.job_id])
        except DatabaseError:
            self.close()

    def close(self):
        if self.conn is not None:
            try:
                self.conn.close()
            except DatabaseError:
                pass
            self.conn = None


def household_import_run_commit(job_id: int, actor_id: int) -> ImportJob | None:
    """Re-validate inside one transaction and write everything, or nothing. Idempotent: only an `importing`
    job is committed, and a concurrent second run of the same job backs off."""
    from apps.accounts.models import User

    job = ImportJob.objects.filter(pk=job_id, state=ImportJob.State.IMPORTING).first()
    if job is None:
        return None
    actor = User.objects.filter(pk=actor_id).select_related("region").first()
    total = job.total_rows or 1
    side = _SideProgress(job_id, enabled=job.total_rows > settings.IMPORT_SYNC_MAX_ROWS)  # nobody polls a commit in a request
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cur:
                    cur.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [0x486F7573, job_id])
                    if not cur.fetchone()[0]:
                        return None
            if not ImportJob.objects.filter(pk=job_id, state=ImportJob.State.IMPORTING).exists():
                return None
            parsed = _recheck(job) or _parse_job(job, progress=lambda n: side(n // 2))
            if not parsed.ok:
                side.close()
                _apply_validation(job, parsed)
                job.save()
                return job
            side(total // 2)
            created = _write(parsed, actor, job, progress=lambda n: side(total // 2 + n // 2))
            side.close()
            job.state, job.message = ImportJob.State.DONE, ""
            job.created_count, job.processed_rows = created, job.total_rows
            job.errors, job.error_count = [], 0
            job.finished_at = timezone.now()
            job.save()
            transaction.on_commit(lambda: _drop_checked(job))
            return job
    except IntegrityError:
        # Someone registered a conflicting ID after the check: nothing was written; list why.
        side.close()
        log.warning("import %s: lost a race at commit; re-validating", job_id)
        job.refresh_from_db()
        parsed = _parse_job(job)
        _apply_validation(job, parsed)
        if job.state == ImportJob.State.READY:
            job.state, job.message = ImportJob.State.FAILED, "conflict"
        job.finished_at = job.finished_at or timezone.now()
        job.save()
        return job
    except Exception:
        side.close()
        log.exception("import %s: commit failed", job_id)
        ImportJob.objects.filter(pk=job_id).update(state=ImportJob.State.FAILED, message="server_error", finished_at=timezone.now())
        raise
    finally:
        side.close()


def _write(parsed: Parsed, actor, job: ImportJob, progress=None) -> int:
    if connection.vendor == "postgresql":
        return _write_copy(parsed, actor, job, progress)
    return _write_bulk(parsed, actor, job, progress)


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value
    return value.isoformat() if isinstance(value, dt.date | dt.datetime) else str(value)


def _copy_line(row, suffix: str) -> str:
    """One row in COPY's text format. Most rows need no escaping, which one look at the joined line tells: it
    then holds one tab per separator, one backslash per NULL marker, and no line break."""
    texts = [_copy_text(v) for v in row]
    joined = "\t".join(texts)
    if (joined.count("\\") != row.count(None) or joined.count("\t") != len(texts) - 1
            or "\n" in joined or "\r" in joined):
        joined = "\t".join("\\N" if v is None else t.translate(_COPY_ESCAPES) for v, t in zip(row, texts, strict=True))
    return joined + suffix


class _Lines:
    """A read()-able view of an iterator of lines: COPY sends the first lines to the server while the next are
    being built, so the database's work and ours overlap (on two cores they run side by side)."""

    def __init__(self, lines):
        self._lines = lines

    def read(self, size=-1):
        parts, n = [], 0
        for line in self._lines:
            parts.append(line)
            n += len(line)
            if 0 <= size <= n:
                break
        return "".join(parts)


class _Copy:
    """COPY into a model's table: the given columns, every other column at its field default (so a field added
    later with a default needs no change here)."""

    def __init__(self, model, columns: list[str], now):
        self.model, self.columns = model, columns
        extra_cols, extra_vals = [], []
        for f in model._meta.concrete_fields:
            if f.attname in columns or f.primary_key:
                continue
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                value = now
            else:
                value = f.get_db_prep_save(f.get_default(), connection)
            if isinstance(value, dict | list):
                value = json.dumps(value)
            extra_cols.append(f.column)
            extra_vals.append(_copy_line([value], ""))
        names = [model._meta.get_field(c).column if c != "id" else "id" for c in columns] + extra_cols
        self.sql = f"COPY {model._meta.db_table} ({', '.join(connection.ops.quote_name(c) for c in names)}) FROM STDIN"
        self.suffix = ("\t" + "\t".join(extra_vals) if extra_vals else "") + "\n"

    def __call__(self, cursor, rows):
        suffix = self.suffix
        lines = _Lines(_copy_line(row, suffix) for row in rows)
        with connection.wrap_database_errors:  # a clash with a unique index surfaces as Django's IntegrityError
            cursor.cursor.copy_expert(self.sql, lines, size=1 << 16)


def _write_copy(parsed: Parsed, actor, job: ImportJob, progress=None) -> int:
    """PostgreSQL: the same rows as _write_bulk, loaded with COPY (ids drawn from the sequence first), which
    spares building a model instance per row — most of the commit's time with bulk_create."""
    now = timezone.now()
    actor_id = actor.pk if actor else None
    h_copy = _Copy(Household, ["id", "village_id", "region_code", "head_name", "head_id_number", "status", "national_no", "phone",
                               "address", "size", "labour_count", "annual_income", "industry", "created_by_id"], now)
    m_copy = _Copy(Member, ["household_id", "name", "id_number", "relation", "labour_capacity", "phone"], now)
    e_copy = _Copy(HouseholdEvent, ["household_id", "region_code", "actor_id", "action", "changes"], now)
    members_by_head: dict[str, list[dict]] = {}
    for m in parsed.members:
        members_by_head.setdefault(m["head_id_number"], []).append(m)
    rows = parsed.households
    file_name = json.dumps(job.original_name[:100], ensure_ascii=False)
    created = 0
    with connection.cursor() as cur:
        for start in range(0, len(rows), COPY_BATCH):
            chunk = rows[start:start + COPY_BATCH]
            cur.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                        [Household._meta.db_table, len(chunk)])
            ids = [r[0] for r in cur.fetchall()]
            h_rows, m_rows, e_rows = [], [], []
            for hid, h in zip(ids, chunk, strict=True):
                h_rows.append((hid, h["village_id"], h["region_code"], h["head_name"], h["head_id_number"], h["status"],
                               h["national_no"], h["phone"], h["address"], h["size"], h["labour_count"], h["annual_income"],
                               h["industry"], actor_id))
                m_rows.append((hid, h["head_name"], h["head_id_number"], Relation.HEAD, LabourCapacity.FULL, h["phone"]))
                for m in members_by_head.get(h["head_id_number"], ()):
                    m_rows.append((hid, m["name"], m["id_number"], m["relation"], m["labour_capacity"], ""))
                e_rows.append((hid, h["region_code"], actor_id, "imported",
                               f'{{"import": {job.pk}, "row": {h["_row"]}, "file": {file_name}}}'))
            h_copy(cur, h_rows)
            m_copy(cur, m_rows)
            e_copy(cur, e_rows)
            created += len(chunk)
            if progress:
                progress(created)
    return created


def _write_bulk(parsed: Parsed, actor, job: ImportJob, progress=None) -> int:
    """bulk_create in batches: households, then head and other members, then one `imported` event each."""
    returns_pks = connection.features.can_return_rows_from_bulk_insert
    members_by_head: dict[str, list[dict]] = {}
    for m in parsed.members:
        members_by_head.setdefault(m["head_id_number"], []).append(m)
    created = 0
    rows = parsed.households
    for start in range(0, len(rows), BATCH):
        chunk = rows[start:start + BATCH]
        objs = [
            Household(
                village_id=h["village_id"], region_code=h["region_code"], head_name=h["head_name"],
                head_id_number=h["head_id_number"], status=h["status"], national_no=h["national_no"], phone=h["phone"],
                address=h["address"], size=h["size"], labour_count=h["labour_count"], annual_income=h["annual_income"],
                industry=h["industry"], created_by=actor,
            )
            for h in chunk
        ]
        Household.objects.bulk_create(objs, batch_size=BATCH)
        if not returns_pks:
            ids = dict(Household.objects.filter(head_id_number__in=[o.head_id_number for o in objs]).values_list("head_id_number", "id"))
            for o in objs:
                o.pk = ids[o.head_id_number]
        people, events = [], []
        for h, o in zip(chunk, objs, strict=True):
            people.append(Member(household_id=o.pk, name=o.head_name, id_number=o.head_id_number, relation=Relation.HEAD,
                                 phone=o.phone))
            for m in members_by_head.get(o.head_id_number, ()):
                people.append(Member(household_id=o.pk, name=m["name"], id_number=m["id_number"], relation=m["relation"],
                                     labour_capacity=m["labour_capacity"]))
            events.append(HouseholdEvent(household_id=o.pk, region_code=o.region_code, actor=actor, action="imported",
                                         changes={"import": job.pk, "row": h["_row"], "file": job.original_name[:100]}))
        Member.objects.bulk_create(people, batch_size=BATCH * 2)
        HouseholdEvent.objects.bulk_create(events, batch_size=BATCH)
        created += len(objs)
        if progress:
            progress(created)
    return created

"""The one writer of every workbook the platform produces (issue 8: formula injection).

A spreadsheet runs a cell that starts with `=` as a formula: a head name `=HYPERLINK("http://…","点我")` typed into
a form, sent through the API or imported would become a live link in the register export or the 汇总表. So:

- text is stored as text (an inline string, never inferred as a formula or an error value such as `#N/A`);
- text a spreadsheet would run — first character `=`, `+`, `-` or `@` (also after leading whitespace), or a leading
  tab or carriage return — is prefixed with a single quote, as OWASP recommends: shown as typed, inert even when
  someone edits the cell or copies it into CSV;
- numbers, Decimals and dates stay typed cells (a negative amount is a number, not text); aware datetimes are
  written in local time (Excel has no time zones);
- control characters XML 1.0 cannot carry (openpyxl raises IllegalCharacterError) are dropped, not a 500.

`Workbook` is openpyxl's workbook with this built in: values given to `ws.append`, `ws.cell(value=…)`, `ws[…] = …`
and `cell(ws, …)` are neutralised as they are written, and saving an in-memory workbook seals every cell once more,
however it was set. `Workbook(streaming=True)` is openpyxl's write-only mode (rows go to a temporary file as they
are appended, memory stays flat) for large exports. tests/contracts/test_exports.py keeps every workbook writer on
this module and checks what every export route returns."""
import datetime as dt
import re
from decimal import Decimal

from django.utils import timezone
from django.utils.functional import Promise
from openpyxl import Workbook as _OpenpyxlWorkbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, Cell
from openpyxl.utils.exceptions import ReadOnlyWorkbookException
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.worksheet import Worksheet

_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # openpyxl's ILLEGAL_CHARACTERS_RE
_RUNNABLE = re.compile(r"\s*[=+\-@]|[\t\r]")
# One search tells whether a string needs any work: a register export writes millions of plain ones.
_SUSPECT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]|^(?:\s*[=+\-@]|[\t\r])")
_ERROR_CODES = frozenset(ERROR_CODES)
_PLAIN = frozenset({int, float, bool, Decimal, dt.date, dt.time, dt.timedelta})


def text(value: str) -> str:
    """User text as the workbook stores it: legal characters only, never something a spreadsheet would run.
    (openpyxl cuts text at Excel's 32,767 characters itself.)"""
    if not _SUSPECT.search(value):
        return value
    value = _ILLEGAL.sub("", value)
    return "'" + value if _RUNNABLE.match(value) else value


def untext(value: str) -> str:
    """The inverse of `text` for a reader (the import): the quote this writer put before runnable text comes off, so
    an exported register imports as it was."""
    return value[1:] if value[:1] == "'" and _RUNNABLE.match(value, 1) else value


def cell_value(v):
    """Any value for a cell: text neutralised, numbers and dates kept typed, aware datetimes as local time."""
    kind = type(v)
    if kind is str:
        return text(v)
    if v is None or kind in _PLAIN:
        return v
    if isinstance(v, dt.datetime):
        return timezone.localtime(v).replace(tzinfo=None) if timezone.is_aware(v) else v
    if isinstance(v, str | Promise):  # SafeString, lazy translations
        return text(str(v))
    return v  # anything else: openpyxl takes it as a typed value or refuses it


def _seal(c: Cell) -> Cell:
    """Store a cell's text as text (not a formula, not an error value), whatever way it was assigned."""
    if isinstance(c._value, str):
        c._value = text(c._value)
        c.data_type = "s"
    return c


def cell(ws, value, **style) -> Cell:
    """A styled cell to pass to `ws.append` (write-only rows take styles only this way):
    `cell(ws, "户主姓名", font=bold, fill=blue)`."""
    c = _seal(WriteOnlyCell(ws, value=cell_value(value)))
    for name, setting in style.items():
        setattr(c, name, setting)
    return c


class _Sheet(Worksheet):
    def cell(self, row, column, value=None):
        return _seal(super().cell(row, column, cell_value(value)))

    def __setitem__(self, key, value):
        c = self[key]
        c.value = cell_value(value)
        _seal(c)

    def append(self, iterable):
        if isinstance(iterable, dict):
            return super().append({k: cell_value(v) for k, v in iterable.items()})
        return super().append([cell_value(v) for v in iterable])


class _StreamSheet(WriteOnlyWorksheet):
    def append(self, row):
        values = []
        for v in row:  # `cell_value` inlined for text: this loop runs for every cell of a register export
            if type(v) is not str and v is not None and type(v) not in _PLAIN:
                if isinstance(v, Cell):
                    values.append(_seal(v))
                    continue
                v = cell_value(v)
            if type(v) is str:
                if _SUSPECT.search(v):
                    v = text(v)
                if v in _ERROR_CODES:
                    v = _seal(WriteOnlyCell(self, value=v))
            values.append(v)
        super().append(values)


class Workbook(_OpenpyxlWorkbook):
    """openpyxl's Workbook whose sheets neutralise what is written to them (see the module's docstring)."""

    def __init__(self, *, streaming: bool = False):
        super().__init__(write_only=streaming)
        if not streaming:  # replace openpyxl's first sheet by ours
            self._sheets = []
            self._sheets.append(_Sheet(self))

    def create_sheet(self, title=None, index=None):
        if self.read_only:
            raise ReadOnlyWorkbookException("Cannot create new sheet in a read-only workbook")
        ws = (_StreamSheet if self.write_only else _Sheet)(parent=self, title=title)
        self._add_sheet(sheet=ws, index=index)
        return ws

    def save(self, out):
        """Write to a path or file object; a file object is returned positioned at its start."""
        if not self.write_only:
            for ws in self.worksheets:
                for c in ws._cells.values():
                    _seal(c)
        super().save(out)
        if hasattr(out, "seek"):
            out.seek(0)
        return out

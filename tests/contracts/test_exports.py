"""Every spreadsheet the platform hands out is inert (issue 8, item 2), present and future.

- `test_every_workbook_is_written_through_the_core_writer`: no module outside apps/core/xlsx.py builds a workbook
  (openpyxl's Workbook or cells, another xlsx library) or writes CSV: they go through the one writer, which stores
  user text as text and defuses what a spreadsheet would run.
- `test_every_export_route_is_inert`: with hostile text in every free-text column of every table, every named route
  (the visibility contract's ROUTES, which must list them all) is fetched by the owner of each role; every response
  that is a workbook or CSV is read back: no formula cell, no error cell, no text cell starting with `=`, `+`, `-`,
  `@`, tab or CR. The routes found must be exactly EXPORTS: a new export route fails here until it is listed (it
  is checked either way), and an export that stops answering — or 500s on hostile data — is missing."""
import ast
import csv
import io
import re
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.db import models
from django.test import Client
from openpyxl import load_workbook

from tests.contracts.test_visibility import ROUTES, _route, all_routes, env  # noqa: F401 - env is the fixture

ROOT = Path(__file__).resolve().parents[2]
WRITER = ROOT / "apps" / "core" / "xlsx.py"

# name → does the file carry user data (so the hostile text must show up in it, neutralised)?
EXPORTS = {
    "households:export": True,  # the register (户信息)
    "households:import-template": False,  # the import template and its 填写说明: no user data
    "approvals:batch-xlsx": True,  # a review batch's 汇总表
}

HOSTILE = ['=HYPERLINK("http://evil.example/x","点我")', "=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1", "\r=1",
           " =1+1"]
RUNNABLE = re.compile(r"\s*[=+\-@]|[\t\r]")
NUMBER = re.compile(r"-?\d+(?:\.\d+)?")  # a CSV field has no type: a plain negative number is a number
# Columns that code parses or that select rows (codes, ID numbers, keys, states, roles): not free text, and a
# hostile value there would only break the fixture, not test an export.
NOT_FREE_TEXT = re.compile(r"code|id_number|id_masked|password|username|email|prefix|digest|key|link|source|client_id|"
                           r"action|role|state|status|channel|job|grade")


def make_everything_hostile() -> int:
    """Every free-text column of every row of the project's tables gets one of HOSTILE (plus the pk, for unique ones)."""
    n = 0
    for model in django_apps.get_models():
        if not model.__module__.startswith("apps."):
            continue
        fields = [f for f in model._meta.concrete_fields if isinstance(f, models.CharField | models.TextField)
                  and not f.choices and not NOT_FREE_TEXT.search(f.name) and (f.max_length or 1000) >= 8]
        for pk in model._base_manager.values_list("pk", flat=True) if fields else ():
            update = {}
            for f in fields:
                update[f.name] = f"{HOSTILE[n % len(HOSTILE)]} {pk}"[:f.max_length]
                n += 1
            model._base_manager.filter(pk=pk).update(**update)
    return n


def spreadsheet_kind(response) -> str | None:
    kind, disposition = response.get("Content-Type", ""), response.get("Content-Disposition", "")
    if "spreadsheetml" in kind or "ms-excel" in kind or re.search(r"\.xls[xm]?\b", disposition):
        return "xlsx"
    if kind.startswith("text/csv") or re.search(r"\.csv\b", disposition):
        return "csv"
    return None


def inspect(kind: str, raw: bytes) -> tuple[list[str], int]:
    """(problems, number of neutralised hostile texts) of a workbook or CSV file."""
    problems, defused = [], 0
    if kind == "xlsx":
        wb = load_workbook(io.BytesIO(raw))  # in full: read-only cells do not tell their type
        items = [(f"{ws.title}!{c.coordinate}", c.data_type, c.value)
                 for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    else:
        text = raw.decode("utf-8-sig")
        items = [(f"line {i}", "s", v) for i, row in enumerate(csv.reader(io.StringIO(text)), 1) for v in row]
    for where, data_type, value in items:
        if data_type in ("f", "e"):
            problems.append(f"{where} is stored as {data_type!r}: {value!r}")
        elif isinstance(value, str):
            if RUNNABLE.match(value) and not (kind == "csv" and NUMBER.fullmatch(value)):
                problems.append(f"{where} starts with a formula character: {value!r}")
            defused += value.startswith("'") and bool(RUNNABLE.match(value[1:]))
    return problems, defused


@pytest.mark.django_db
def test_every_export_route_is_inert(env):  # noqa: F811
    assert make_everything_hostile() > 50
    client = Client(raise_request_exception=False)  # a page that 500s on hostile data is not this contract's business
    found, problems, defused = set(), [], {}
    routes = all_routes()
    for name in sorted(set(ROUTES) & set(routes)):
        _kind, _getter, _role, _options, url, _api = _route(env, name)
        for owner in env["owners"].values():
            client.force_login(owner)
            response = client.get(url)
            kind = spreadsheet_kind(response) if response.status_code == 200 else None
            if kind is None:
                continue
            found.add(name)
            raw = b"".join(response.streaming_content) if response.streaming else response.content
            bad, count = inspect(kind, raw)
            problems += [f"{name} ({owner.role}): {p}" for p in bad]
            defused[name] = max(defused.get(name, 0), count)
    assert not problems, "\n".join(problems[:30])
    assert not found - set(EXPORTS), f"new export routes (checked, and inert): list them in EXPORTS: {sorted(found - set(EXPORTS))}"
    assert not set(EXPORTS) - found, f"listed exports that no owner got as a spreadsheet: {sorted(set(EXPORTS) - found)}"
    silent = sorted(name for name, carries in EXPORTS.items() if carries and not defused.get(name))
    assert not silent, f"exports that showed none of the hostile data, so proved nothing: {silent}"


def test_the_inspection_catches_what_openpyxl_writes_by_default():
    """The check itself: a raw openpyxl workbook with user text is caught (formula, error value, runnable text)."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["=1+1", "#N/A", "'=1+1", "张三", -3])
    wb.active["A2"].value = "\t=1"
    wb.active["A2"].data_type = "s"
    out = io.BytesIO()
    wb.save(out)
    problems, defused = inspect("xlsx", out.getvalue())
    assert len(problems) == 3 and defused == 1, problems
    problems, defused = inspect("csv", "名字,金额\n=1+1,5\n'-1,-1\n".encode())
    assert len(problems) == 1 and defused == 1, problems


def test_spreadsheets_are_recognised_by_type_or_file_name():
    from django.http import HttpResponse

    def response(kind, name=""):
        r = HttpResponse(b"", content_type=kind)
        if name:
            r["Content-Disposition"] = f'attachment; filename="{name}"'
        return r

    assert spreadsheet_kind(response("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")) == "xlsx"
    assert spreadsheet_kind(response("application/octet-stream", "summary.xlsx")) == "xlsx"
    named = response("application/octet-stream")
    named["Content-Disposition"] = "attachment; filename*=utf-8''%E6%B1%87%E6%80%BB%E8%A1%A8.csv"
    assert spreadsheet_kind(named) == "csv"
    assert spreadsheet_kind(response("text/csv; charset=utf-8")) == "csv"
    assert spreadsheet_kind(response("text/html")) is None and spreadsheet_kind(response("application/pdf", "a.pdf")) is None


# --- no workbook written around the core writer ------------------------------------------------------------------

OTHER_WRITERS = {"xlsxwriter", "xlwt", "pyexcel", "pandas", "tablib", "pyexcelerate"}
OPENPYXL_ALLOWED = {"load_workbook", "styles", "utils"}  # reading, and styling cells the writer makes


def writer_uses(path: Path) -> list[str]:
    """What in a module builds a workbook or CSV without apps.core.xlsx."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            top = node.module.split(".")[0]
            if top in OTHER_WRITERS:
                found.append(f"from {node.module} import …")
            elif top == "openpyxl":
                sub = node.module.split(".")[1:2]
                names = [a.name for a in node.names]
                bad = (names if sub[0] not in OPENPYXL_ALLOWED else []) if sub else [n for n in names if n not in OPENPYXL_ALLOWED]
                found += [f"from {node.module} import {name}" for name in bad]
        elif isinstance(node, ast.Import):
            found += [f"import {a.name}" for a in node.names if a.name.split(".")[0] in OTHER_WRITERS]
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id == "openpyxl" and node.attr not in OPENPYXL_ALLOWED:
                found.append(f"openpyxl.{node.attr}")
            elif node.value.id == "csv" and node.attr in ("writer", "DictWriter"):
                found.append(f"csv.{node.attr}")
    return found


def test_every_workbook_is_written_through_the_core_writer():
    offenders = {}
    for base in ("apps", "microcredit"):
        for path in (ROOT / base).rglob("*.py"):
            if path != WRITER and "migrations" not in path.parts and (uses := writer_uses(path)):
                offenders[str(path.relative_to(ROOT))] = uses
    assert not offenders, f"write workbooks and CSV through apps.core.xlsx (Workbook, cell, text): {offenders}"


def test_the_writer_rule_sees_the_old_ways(tmp_path):
    old = tmp_path / "old.py"
    old.write_text("import csv\nimport openpyxl\nfrom openpyxl import Workbook, load_workbook\nfrom openpyxl.cell import WriteOnlyCell\n"
                   "from openpyxl.styles import Font\nwb = openpyxl.Workbook()\nr = openpyxl.load_workbook('x')\n"
                   "w = csv.writer(f)\nimport xlsxwriter\n", encoding="utf-8")
    assert sorted(writer_uses(old)) == ["csv.writer", "from openpyxl import Workbook", "from openpyxl.cell import WriteOnlyCell",
                                        "import xlsxwriter", "openpyxl.Workbook"]

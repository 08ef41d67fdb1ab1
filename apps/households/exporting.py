"""Excel out: the visible register (streamed, constant memory, re-importable: same headers as the template)
and the import template with its column guide."""
import datetime as dt
import tempfile

from django.utils.translation import gettext as _
from openpyxl.styles import Alignment, Font, PatternFill

from apps.core.xlsx import Workbook, cell

from . import policy, selectors
from .importing import (
    GUIDE_SHEET,
    HOUSEHOLD_COLUMNS,
    HOUSEHOLD_SHEET,
    LABOUR_LABEL,
    MEMBER_COLUMNS,
    MEMBER_SHEET,
    RELATION_LABEL,
    STATUS_LABEL,
)
from .models import Relation

EXTRA_COLUMNS = ["所在乡镇", "村名", "信用等级", "信用评分", "评级日期"]
EXPORT_FIELDS = ("head_name", "head_id_number", "region_code", "status", "national_no", "phone", "size", "labour_count",
                 "annual_income", "industry", "address", "village__parent__name", "village__name", "credit_grade",
                 "credit_score", "rated_on")
WIDTHS = {"户主姓名": 12, "户主身份证号": 22, "所在村": 16, "户类别": 16, "国家系统户编号": 18, "联系电话": 15, "住址": 28,
          "主要产业": 14, "家庭年纯收入": 14, "所在乡镇": 14, "村名": 14, "身份证号": 22, "与户主关系": 12, "劳动能力": 14}
CHUNK = 2000


def _letter(i: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(i + 1)


def _header_row(ws, names):
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    ws.append([cell(ws, name, font=bold, fill=fill) for name in names])


def household_export(actor, *, q: str = "", village: str = "", status: str = "", grade: str = "",
                     rating_due_on: dt.date | None = None, out=None):
    """Write the households the actor may see (the list page's filters) to an .xlsx file object, returned at
    position 0. openpyxl's write-only mode spills rows to disk; the query streams in chunks of 2,000 rows and
    reads only the exported columns, so a million rows need little memory. apps.core.xlsx writes user text as
    inert text and keeps numbers and dates typed."""
    out = out or tempfile.TemporaryFile(suffix=".xlsx")
    wb = Workbook(streaming=True)
    ws = wb.create_sheet(HOUSEHOLD_SHEET)
    headers = [h for h, *_ in HOUSEHOLD_COLUMNS] + EXTRA_COLUMNS
    for i, name in enumerate(headers):
        ws.column_dimensions[_letter(i)].width = WIDTHS.get(name, 11)
    ws.freeze_panes = "A2"
    _header_row(ws, headers)
    qs = selectors.household_list(actor, q=q, village=village, status=status, grade=grade, rating_due_on=rating_due_on)
    rows = qs.order_by("region_code", "head_name", "id").values_list(*EXPORT_FIELDS).iterator(chunk_size=CHUNK)
    labels = STATUS_LABEL
    append = ws.append
    for (name, id_number, code, status_value, national_no, phone, size, labour, income, industry, address, township,
         village_name, credit_grade, score, rated_on) in rows:
        append((name, id_number, code, labels.get(status_value, status_value), national_no or None, phone or None, size, labour,
                income, industry or None, address or None, township, village_name, credit_grade or None, score,
                rated_on))
    return wb.save(out)


def import_template(out=None):
    """The import template: the household sheet, the optional member sheet and a column guide."""
    out = out or tempfile.TemporaryFile(suffix=".xlsx")
    wb = Workbook()
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    ws = wb.active
    ws.title = HOUSEHOLD_SHEET
    for sheet, columns in ((ws, HOUSEHOLD_COLUMNS), (wb.create_sheet(MEMBER_SHEET), MEMBER_COLUMNS)):
        for i, (header, key, _req, _max) in enumerate(columns):
            head = sheet.cell(row=1, column=i + 1, value=header)
            head.font, head.fill = bold, fill
            letter = _letter(i)
            sheet.column_dimensions[letter].width = WIDTHS.get(header, 12)
            if key in ("head_id_number", "id_number", "national_no", "phone", "village"):
                # Text, so Excel keeps all 18 digits (and a trailing X) instead of turning them into a number.
                sheet.column_dimensions[letter].number_format = "@"
        sheet.freeze_panes = "A2"
    guide = wb.create_sheet(GUIDE_SHEET)
    guide.column_dimensions["A"].width = 12
    guide.column_dimensions["B"].width = 16
    guide.column_dimensions["C"].width = 8
    guide.column_dimensions["D"].width = 70
    guide.column_dimensions["E"].width = 24
    guide.append([_("Sheet"), _("Column"), _("Required"), _("What to enter"), _("Example")])
    for head in guide[1]:
        head.font, head.fill = bold, fill
    yes, no = _("yes"), _("no")
    statuses = "、".join(STATUS_LABEL.values())
    relations = "、".join(label for value, label in RELATION_LABEL.items() if value != Relation.HEAD)
    labour = "、".join(LABOUR_LABEL.values())
    notes = {
        "head_name": (_("Name of the head of household."), "张三"),
        "head_id_number": (_("18-character resident ID number of the head; a final x is accepted. Unique in the whole system."),
                           "510921198001011234"),
        "village": (_("The 12-digit statistical code of the village, or its name (add the township name when "
                      "several villages in your area share it, e.g. 赤城镇/新桥村). Must be inside your area."), "510921100201"),
        "status": (_("Registration status, one of: %(values)s.") % {"values": statuses}, "建档立卡贫困户"),
        "national_no": (_("Household number in the national poverty-alleviation system; unique when given."), "5109210001"),
        "phone": (_("11-digit mobile number, or a landline with area code."), "13800000000"),
        "size": (_("Number of people in the household; when empty, the head plus the members listed."), "4"),
        "labour_count": (_("Number of labourers; cannot exceed the household size."), "2"),
        "annual_income": (_("Annual net income in yuan."), "12000.00"),
        "industry": (_("Main industry or project."), "生猪养殖"),
        "address": (_("Address."), "新桥村3组"),
    }
    member_notes = {
        "head_id_number": (_("ID number of the head, as in the household sheet: links the member to the household."),
                           "510921198001011234"),
        "name": (_("Name of the member."), "李四"),
        "id_number": (_("18-character resident ID number of the member; unique in the whole system."), "51092119820202123X"),
        "relation": (_("Relation to the head, one of: %(values)s.") % {"values": relations}, "配偶"),
        "labour_capacity": (_("Labour capacity, one of: %(values)s. Empty means full labour capacity.") % {"values": labour},
                            "普通劳动力"),
    }
    for header, key, required, _max in HOUSEHOLD_COLUMNS:
        guide.append([HOUSEHOLD_SHEET, header, yes if required else no, *notes[key]])
    for header, key, required, _max in MEMBER_COLUMNS:
        guide.append([MEMBER_SHEET, header, yes if required else no, *member_notes[key]])
    guide.append([])
    guide.append([_("Notes")])
    for line in (
        _("The first row of each sheet is the header; keep the column names. Columns may be in any order; extra columns are ignored."),
        _("The member sheet is optional. List the other members of each household there (the head is already in the household sheet)."),
        _("The file is checked in full first: every bad row is listed with the reason, and nothing is saved until you commit a file without errors."),
        _("A file exported from the register can be imported again with the same headers."),
        _("Accepted labels for the registration status: %(values)s.") % {"values": "、".join(policy.STATUS_BY_LABEL)},
    ):
        guide.append(["", line])
    for row in guide.iter_rows(min_row=2):
        for c in row:
            c.alignment = Alignment(wrap_text=True, vertical="top")
    return wb.save(out)

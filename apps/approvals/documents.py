"""Formal documents of the review chain: the 《扶贫小额信贷审批表》 of one application (PDF) and the
汇总表 of a review batch (PDF and Excel).

These are Chinese government forms whatever the UI language: their fixed labels (titles, column headings,
the totals line) are written in Chinese here and in templates/documents/ on purpose, and choice names
(registration status, purpose, state) render in zh-Hans. They are not UI strings and are not in the catalogue.

Visibility is the caller's: views pass applications from `Application.objects.visible_to(user)` and use
`batch_applications(user, batch)` for a batch."""
import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone, translation

from apps.core.dates import formal_date
from apps.core.money import amount_in_words, to_wan
from apps.core.pdf import DOCUMENT_LANGUAGE, render_pdf
from apps.loans.documents import percent, yuan
from apps.loans.models import Purpose
from apps.regions.models import Region

from .models import Application, Decision, Level, ReviewBatch, ReviewDecision

FORM_TITLE = "扶贫小额信贷审批表"
SUMMARY_TITLE = "扶贫小额信贷审批汇总表"
# The review blocks of the form, bottom-up; the template gives each its heading.
REVIEW_LEVELS = [Level.VILLAGE, Level.TOWNSHIP, Level.COUNTY, Level.BANK]
# Decisions that settle an application at a level; opinions (初审意见) are listed apart.
VERDICTS = [Decision.APPROVE, Decision.RECOMMEND, Decision.RETURN, Decision.REJECT]
# (heading, width in Excel characters, width in the landscape PDF in mm) — one list for both formats.
SUMMARY_COLUMNS = [
    ("序号", 6, 11), ("户主姓名", 12, 20), ("身份证号", 22, 38), ("村", 16, 24), ("户类别", 16, 26), ("信用等级", 10, 16),
    ("申请金额（元）", 15, 24), ("期限（月）", 10, 14), ("用途", 30, 43), ("承贷银行", 22, 30), ("当前状态", 16, 24),
]
AMOUNT_FORMAT = "0.00"
LEVEL_NAMES = {Level.VILLAGE: "村级", Level.TOWNSHIP: "乡镇级", Level.COUNTY: "县级", Level.BANK: "承贷银行"}


def purpose_label(code: str) -> str:
    return str(dict(Purpose.choices).get(code, code))


def _local_date(value: dt.datetime) -> dt.date:
    return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()


@dataclass
class Opinion:
    comment: str
    by: str
    on: str
    decision: str = Decision.OPINION


@dataclass
class ReviewBlock:
    level: str
    decision: str = ""  # a Decision value, "" while the level has not decided in the current round
    comment: str = ""
    signer: str = ""
    signed: bool = False  # the accountable signer's name (signer_name) rather than the clerk who acted
    on: str = ""
    opinions: list[Opinion] = field(default_factory=list)
    earlier: list[Opinion] = field(default_factory=list)  # verdicts of earlier rounds, e.g. a return since corrected


# Bottom-up order of the levels; a decision at one level opens a new round for every level above it.
RANK = {Level.APPLICANT: 0, Level.VILLAGE: 1, Level.TOWNSHIP: 2, Level.COUNTY: 3, Level.BANK: 4}


def review_blocks(decisions: list[ReviewDecision]) -> dict[str, ReviewBlock]:
    """One block per level from the append-only decisions (oldest first): the latest verdict at the level and every
    opinion given there. When a lower level decides again (after a return), the verdicts above it belonged to the
    earlier round: they move to `earlier` so the form shows the level as waiting, with the history kept."""
    blocks = {level: ReviewBlock(level=level) for level in REVIEW_LEVELS}
    for d in decisions:
        on = formal_date(_local_date(d.at))
        if d.decision in VERDICTS or d.decision == Decision.SUBMIT:
            for above in REVIEW_LEVELS:
                stale = blocks[above]
                if RANK[above] > RANK.get(d.level, 0) and stale.decision:
                    stale.earlier.append(Opinion(comment=stale.comment, by=stale.signer, on=stale.on, decision=stale.decision))
                    stale.decision, stale.comment, stale.signer, stale.signed, stale.on = "", "", "", False, ""
        block = blocks.get(d.level)
        if block is None:
            continue
        if d.decision == Decision.OPINION:
            block.opinions.append(Opinion(comment=d.comment, by=d.actor.display_name, on=on))
        elif d.decision in VERDICTS:
            block.decision, block.comment, block.on = d.decision, d.comment, on
            block.signed = bool(d.signer_name)
            block.signer = d.signer_name or d.actor.display_name
    return blocks


def form_queryset(queryset):
    """Applications with everything the form shows, in a fixed number of queries."""
    return queryset.select_related("household__village__parent", "borrower", "bank", "loan__bank", "loan__branch").prefetch_related("decisions__actor")


def application_form_context(app: Application, *, today: dt.date | None = None) -> dict:
    household, loan = app.household, app.loan
    with translation.override(DOCUMENT_LANGUAGE):
        status = str(household.get_status_display())
        purpose = purpose_label(app.purpose)
        state = str(app.get_state_display())
    # Causal order: decisions on one application are written one at a time under its row lock, so ids increase.
    decisions = sorted(app.decisions.all(), key=lambda d: d.id)
    approved = app.approved_amount
    return {
        "title": FORM_TITLE,
        "app": app,
        "household": household,
        "borrower": app.borrower,
        "borrower_is_head": app.borrower.relation == "head",
        "village_path": household.village.full_name(),
        "status": status,
        "state": state,
        "score": f"{household.credit_score:.1f}" if household.credit_score is not None else "",
        "rated_on": formal_date(household.rated_on),
        "income": yuan(household.annual_income),
        "amount": yuan(app.amount),
        "amount_words": amount_in_words(app.amount),
        "purpose": purpose,
        "applied_on": formal_date(app.applied_on),
        "blocks": review_blocks(decisions),
        "approved_amount": yuan(approved),
        "approved_words": amount_in_words(approved) if approved is not None else "",
        "loan": loan,
        "loan_rate": percent(loan.annual_rate) if loan else "",
        "loan_signed_on": formal_date(loan.signed_on) if loan else "",
        "loan_maturity_on": formal_date(loan.maturity_on) if loan else "",
        "generated_on": formal_date(today or timezone.localdate()),
    }


def application_form_pdf(app: Application, *, today: dt.date | None = None) -> bytes:
    return render_pdf("documents/application_form.html", application_form_context(app, today=today))


def application_form_filename(app: Application) -> str:
    return f"{FORM_TITLE}-{app.household.head_name}-{app.pk}.pdf"


# --- the batch summary (汇总表) -------------------------------------------------------------------------

def batch_applications(actor, batch: ReviewBatch):
    """The batch's applications that `actor` may see: those decided in the batch (a later batch at a higher level
    moves `Application.batch`, the decisions keep the history) or still pointing at it."""
    in_batch = ReviewDecision.objects.filter(batch=batch).values("application_id")
    return (Application.objects.visible_to(actor).filter(Q(pk__in=in_batch) | Q(batch=batch))
            .select_related("household__village__parent", "borrower", "bank")
            .order_by("household__region_code", "id"))


@dataclass
class SummaryRow:
    no: int
    head_name: str
    id_number: str
    village: str
    status: str
    grade: str
    amount: Decimal
    term_months: int
    purpose: str
    bank: str
    state: str

    @property
    def amount_text(self) -> str:
        return yuan(self.amount)

    def values(self) -> list:
        return [self.no, self.head_name, self.id_number, self.village, self.status, self.grade, self.amount,
                self.term_months, self.purpose, self.bank, self.state]


def summary_rows(applications) -> list[SummaryRow]:
    apps = list(applications)
    townships = {a.household.village.parent_id for a in apps}
    rows = []
    with translation.override(DOCUMENT_LANGUAGE):
        for no, a in enumerate(apps, start=1):
            household, village = a.household, a.household.village
            # Village names repeat across townships: name the township too when the batch spans several.
            place = village.name if len(townships) <= 1 or village.parent is None else village.parent.name + village.name
            head = household.head_name
            if a.borrower.relation != "head":
                head = f"{head}（借款人：{a.borrower.name}）"
            purpose = purpose_label(a.purpose) + (f"：{a.project}" if a.project else "")
            rows.append(SummaryRow(
                no=no, head_name=head, id_number=household.head_id_number, village=place, status=str(household.get_status_display()),
                grade=household.credit_grade or "—", amount=a.amount, term_months=a.term_months, purpose=purpose,
                bank=a.bank.short_name or a.bank.name, state=str(a.get_state_display()),
            ))
    return rows


def summary_context(batch: ReviewBatch, applications, *, today: dt.date | None = None) -> dict:
    rows = summary_rows(applications)
    total = sum((r.amount for r in rows), Decimal("0"))
    region = Region.objects.filter(code=batch.region_code).first()
    level = LEVEL_NAMES.get(batch.level, batch.level)
    return {
        "title": SUMMARY_TITLE,
        "batch": batch,
        "unit": region.full_name() if region else batch.region_code,
        "level": level,
        "created_on": formal_date(_local_date(batch.created_at)),
        "created_by": batch.created_by.display_name,
        "columns": SUMMARY_COLUMNS,
        "rows": rows,
        "count": len(rows),
        "total": total,
        "total_text": yuan(total),
        "total_wan": f"{to_wan(total):,.2f}",
        "total_words": amount_in_words(total),
        "generated_on": formal_date(today or timezone.localdate()),
    }


def batch_summary_pdf(batch: ReviewBatch, applications, *, today: dt.date | None = None) -> bytes:
    return render_pdf("documents/batch_summary.html", summary_context(batch, applications, today=today))


def batch_summary_xlsx(batch: ReviewBatch, applications, *, today: dt.date | None = None) -> bytes:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    from apps.core.xlsx import Workbook

    ctx = summary_context(batch, applications, today=today)
    wb = Workbook()
    ws = wb.active
    ws.title = "汇总表"
    ncol = len(SUMMARY_COLUMNS)
    last = get_column_letter(ncol)
    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    amount_col, term_col = 7, 8

    ws.merge_cells(f"A1:{last}1")
    ws["A1"] = SUMMARY_TITLE
    ws["A1"].font = Font(size=16, bold=True)
    ws["A1"].alignment = center
    ws.row_dimensions[1].height = 30
    ws.merge_cells(f"A2:{last}2")
    info = [f"填报单位：{ctx['unit']}", f"审核层级：{ctx['level']}" if ctx["level"] else "", f"批次号：{batch.pk}",
            f"提交日期：{ctx['created_on']}", f"填表人：{ctx['created_by']}"]
    ws["A2"] = "    ".join(part for part in info if part)
    ws["A2"].alignment = Alignment(horizontal="left", vertical="center")

    header_row = 3
    for col, (heading, width, _mm) in enumerate(SUMMARY_COLUMNS, start=1):
        cell = ws.cell(row=header_row, column=col, value=heading)
        cell.font = Font(bold=True)
        cell.alignment = center
        cell.border = border
        cell.fill = PatternFill("solid", fgColor="DDDDDD")
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.row_dimensions[header_row].height = 22

    row = header_row
    for r in ctx["rows"]:
        row += 1
        for col, value in enumerate(r.values(), start=1):
            cell = ws.cell(row=row, column=col, value=float(value) if isinstance(value, Decimal) else value)
            cell.border = border
            cell.alignment = Alignment(vertical="center", wrap_text=True,
                                       horizontal="right" if col == amount_col else "center" if col in (1, 6, term_col) else "left")
        ws.cell(row=row, column=amount_col).number_format = AMOUNT_FORMAT
        ws.cell(row=row, column=3).number_format = "@"  # ID numbers stay text (18 digits would lose precision)

    total = ctx["total"]
    for label, value in ((f"合计（共{ctx['count']}户，元）", total), ("合计（万元）", to_wan(total))):
        row += 1
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=amount_col - 1)
        ws.cell(row=row, column=1, value=label)
        ws.cell(row=row, column=amount_col, value=float(value)).number_format = AMOUNT_FORMAT
        for col in range(1, ncol + 1):
            cell = ws.cell(row=row, column=col)
            cell.font = Font(bold=True)
            cell.border = border
            cell.alignment = Alignment(horizontal="right" if col == amount_col else "center", vertical="center")
    row += 1
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=ncol)
    ws.cell(row=row, column=1, value=f"合计金额大写：人民币{ctx['total_words']}    生成日期：{ctx['generated_on']}")

    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    return wb.save(io.BytesIO()).getvalue()


def batch_filename(batch: ReviewBatch, ext: str) -> str:
    return f"{SUMMARY_TITLE}-{batch.pk}.{ext}"

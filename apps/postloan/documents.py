"""Formal documents after disbursement (DOMAIN "After disbursement"): the 《扶贫小额信贷贷后检查表》 of one
inspection with its photos, the 《到期催收通知书》 / 《逾期催收通知书》 of one collection notice with a tear-off
回执, and the 一日一通报 of a day (PDF).

These are Chinese government forms whatever the UI language: their fixed wording (titles, labels, the text of
the notices) is written in Chinese here and in templates/documents/ on purpose, and choice names (purpose,
finding category, rectification state, roles) render in zh-Hans. They are not UI strings.

Visibility is the caller's: views pass objects looked up through `visible_to(user)` and build the bulletin's rows
with `bulletin_rows(user, …)`. The collection notice goes to the household itself, so it carries the borrower's
full ID number; nothing here is for publication."""
import base64
import datetime as dt
import io
import logging
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone, translation

from apps.accounts.models import User
from apps.accounts.roles import Position, Role
from apps.core.dates import add_days, formal_date
from apps.core.money import amount_in_words, round_half_up, to_wan
from apps.core.pdf import DOCUMENT_LANGUAGE, render_pdf
from apps.loans import policy as loan_policy
from apps.loans import selectors as loan_selectors
from apps.loans.documents import percent, yuan
from apps.regions.models import Region
from apps.regions.selectors import policy_for

from . import policy as postloan_policy
from .models import BulletinRow, CollectionNotice, Finding, Inspection

logger = logging.getLogger(__name__)

INSPECTION_TITLE = "扶贫小额信贷贷后检查表"
NOTICE_TITLES = {CollectionNotice.Kind.DUE: "到期催收通知书", CollectionNotice.Kind.OVERDUE: "逾期催收通知书"}
BULLETIN_TITLE = "扶贫小额信贷一日一通报"
SUSPECT_LOCATION = "位置精度为 0，疑似虚拟定位"

PHOTOS_PER_PAGE = 4
# The tablet downscales photos before upload; anything far bigger is not one of them and is left out.
MAX_PHOTO_BYTES = 8 * 1024 * 1024
PHOTO_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}

# Rectification steps as the form names them (FindingStep.action).
STEP_NAMES = {
    "found": "检查发现问题", "propose": "提出整改方案", "township_approve": "乡镇审批同意", "send_back": "乡镇退回方案",
    "county_agree": "县扶贫办同意", "bank_agree": "承贷银行同意", "rectify": "整改完成", "verify": "验收确认",
}
POSITION_ORDER = [Position.FIRST_SECRETARY, Position.PARTY_SECRETARY, Position.ACCOUNTANT, Position.CADRE, Position.CREDIT_OFFICER]
NAME_SEPARATORS = re.compile(r"[、,，;；/\s]+")
UNSAFE_IN_FILENAMES = re.compile(r'[\\/:*?"<>|\s]+')


def _local_date(value: dt.datetime) -> dt.date:
    return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()


def safe_filename(name: str) -> str:
    """Contract numbers and place names may hold characters a file name cannot: they become "_"."""
    return UNSAFE_IN_FILENAMES.sub("_", name).strip("_") or "document"


def _place(loan) -> str:
    village = loan.household.village
    return village.full_name() if village else ""


def _declared_purpose(loan) -> str:
    label = str(loan.get_purpose_display())
    return label + (f"：{loan.purpose_detail}" if loan.purpose_detail else "")


def _bank_name(loan) -> str:
    return loan.bank.name + (f" {loan.branch.name}" if loan.branch_id else "")


# --- 《扶贫小额信贷贷后检查表》 ---------------------------------------------------------------------------------

@dataclass
class Photo:
    no: int
    src: str  # a data: URI, so the PDF never depends on where the storage lives
    taken: str


@dataclass
class PhotoPage:
    no: int
    photos: list[Photo]

    @property
    def rows(self) -> list[list[Photo]]:
        """Two photos to a row."""
        return [self.photos[i:i + 2] for i in range(0, len(self.photos), 2)]


@dataclass
class Step:
    on: str
    name: str
    actor: str
    role: str
    comment: str


@dataclass
class FindingBlock:
    no: int
    category: str
    description: str
    state: str
    plan: str
    deadline: str
    responsible: str
    result: str
    verified_on: str
    steps: list[Step] = field(default_factory=list)


def inspection_queryset(queryset):
    """Inspections with everything the form shows, in a fixed number of queries."""
    return (queryset.select_related("loan__household__village__parent", "loan__borrower", "loan__bank", "loan__branch", "recorded_by")
            .prefetch_related("photos", "problems__steps__actor", "problems__responsible"))


def _photo(photo, no: int) -> Photo | None:
    """The photo as a data: URI, or None when its file is missing, too large or not an image."""
    from PIL import Image, UnidentifiedImageError

    name = getattr(photo.image, "name", "")
    if not name:
        return None
    try:
        if photo.image.size > MAX_PHOTO_BYTES:
            logger.warning("inspection photo %s is too large for the form (%s bytes)", photo.pk, photo.image.size)
            return None
        with photo.image.open("rb") as handle:
            data = handle.read(MAX_PHOTO_BYTES + 1)
    except (OSError, ValueError) as exc:  # missing file, unreadable storage
        logger.warning("inspection photo %s (%s) cannot be read: %s", photo.pk, name, exc)
        return None
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind = PHOTO_TYPES.get(image.format or "")
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        logger.warning("inspection photo %s (%s) is not a readable image: %s", photo.pk, name, exc)
        return None
    if kind is None:
        return None
    src = f"data:{kind};base64,{base64.b64encode(data).decode('ascii')}"
    return Photo(no=no, src=src, taken=formal_date(_local_date(photo.uploaded_at)) if photo.uploaded_at else "")


def photo_pages(inspection: Inspection) -> tuple[list[PhotoPage], int]:
    """The readable photos, PHOTOS_PER_PAGE to a page, and how many could not be included."""
    photos, missing = [], 0
    for photo in sorted(inspection.photos.all(), key=lambda p: p.id):
        embedded = _photo(photo, len(photos) + 1)
        if embedded is None:
            missing += 1
        else:
            photos.append(embedded)
    pages = [PhotoPage(no=n + 1, photos=photos[i:i + PHOTOS_PER_PAGE])
             for n, i in enumerate(range(0, len(photos), PHOTOS_PER_PAGE))]
    return pages, missing


def _coordinate(value: Decimal | None, positive: str, negative: str) -> str:
    if value is None:
        return ""
    return f"{positive if value >= 0 else negative}{abs(value):.6f}°"


def location_text(inspection: Inspection) -> str:
    if inspection.latitude is None or inspection.longitude is None:
        return "未采集定位"
    text = f"{_coordinate(inspection.latitude, '北纬', '南纬')}，{_coordinate(inspection.longitude, '东经', '西经')}"
    if inspection.accuracy_m is not None:
        text += f"（定位精度 {inspection.accuracy_m:.1f} 米）"
    return text


def inspector_names(inspection: Inspection) -> list[str]:
    return [n for n in NAME_SEPARATORS.split(inspection.inspectors or "") if n]


def finding_blocks(findings: list[Finding]) -> list[FindingBlock]:
    blocks = []
    for no, f in enumerate(sorted(findings, key=lambda f: f.id), start=1):
        steps = [Step(on=formal_date(_local_date(s.at)), name=STEP_NAMES.get(s.action, s.action), actor=s.actor.display_name,
                      role=str(Role(s.role).label) if s.role in Role.values else s.role, comment=s.comment)
                 for s in sorted(f.steps.all(), key=lambda s: (s.at, s.id))]
        blocks.append(FindingBlock(
            no=no, category=str(f.get_category_display()), description=f.description, state=str(f.get_state_display()),
            plan=f.plan, deadline=formal_date(f.deadline), responsible=f.responsible.display_name if f.responsible else "",
            result=f.result, verified_on=formal_date(f.verified_on), steps=steps,
        ))
    return blocks


def inspection_context(inspection: Inspection, *, today: dt.date | None = None) -> dict:
    loan = inspection.loan
    household, borrower = loan.household, loan.borrower
    earlier = Inspection.objects.filter(Q(done_on__lt=inspection.done_on) | Q(done_on=inspection.done_on, id__lt=inspection.id),
                                        loan=loan).count()
    late_days = (inspection.done_on - inspection.due_on).days
    pages, missing = photo_pages(inspection)
    with translation.override(DOCUMENT_LANGUAGE):
        findings = finding_blocks(list(inspection.problems.all()))
        purpose = _declared_purpose(loan)
        relation = str(borrower.get_relation_display())
    return {
        "title": INSPECTION_TITLE,
        "inspection": inspection,
        "loan": loan,
        "household": household,
        "borrower": borrower,
        "borrower_is_head": borrower.relation == "head",
        "relation": relation,
        "village_path": _place(loan),
        "amount": yuan(loan.principal),
        "amount_words": amount_in_words(loan.principal),
        "rate": percent(loan.annual_rate),
        "signed_on": formal_date(loan.signed_on),
        "disbursed_on": formal_date(loan.disbursed_on),
        "maturity_on": formal_date(loan.maturity_on),
        "purpose": purpose,
        "bank": _bank_name(loan),
        "sequence": earlier + 1,
        "due_on": formal_date(inspection.due_on),
        "done_on": formal_date(inspection.done_on),
        "late_days": max(late_days, 0),
        "location": location_text(inspection),
        "suspect_warning": SUSPECT_LOCATION if inspection.location_suspect else "",
        "inspectors": inspector_names(inspection),
        "signature_slots": max(len(inspector_names(inspection)), 2),
        "findings": findings,
        "has_steps": any(f.steps for f in findings),
        "photo_pages": pages,
        "photo_count": sum(len(p.photos) for p in pages),
        "photos_missing": missing,
        "recorded_by": inspection.recorded_by.display_name,
        "generated_on": formal_date(today or timezone.localdate()),
    }


def inspection_pdf(inspection: Inspection, *, today: dt.date | None = None) -> bytes:
    return render_pdf("documents/inspection.html", inspection_context(inspection, today=today))


def inspection_filename(inspection: Inspection) -> str:
    return safe_filename(f"{INSPECTION_TITLE}-{inspection.loan.borrower.name}-{inspection.done_on.isoformat()}") + ".pdf"


# --- 《到期催收通知书》 / 《逾期催收通知书》 ----------------------------------------------------------------------

def notice_queryset(queryset):
    return queryset.select_related("loan__household__village__parent", "loan__borrower", "loan__bank", "loan__branch",
                                   "receipt_recorded_by")


@dataclass
class AmountDue:
    as_of: dt.date
    balance: Decimal  # principal outstanding on `as_of`
    interest: Decimal  # interest unpaid: due by maturity (due notice) or past its settlement date (overdue notice)
    overdue_days: int = 0
    overdue_since: dt.date | None = None

    @property
    def total(self) -> Decimal:
        return self.balance + self.interest


def figures_as_of(notice: CollectionNotice, today: dt.date) -> dt.date:
    """The notice states the debt on one day: the day the household signed its receipt once it has, else the day
    it is printed (never before the notice was issued)."""
    return notice.receipt_signed_on or max(notice.issued_on, today)


def amount_due(notice: CollectionNotice, as_of: dt.date) -> AmountDue:
    """What the household owes on `as_of` from the repayments posted up to that day: the principal still
    outstanding plus the unpaid interest (to maturity for a due notice, overdue for an overdue notice)."""
    loan = notice.loan
    repayments = [r for r in loan.repayments.all() if r.paid_on <= as_of]
    balance = max(loan.principal - sum((r.principal for r in repayments), Decimal("0")), Decimal("0"))
    interest_paid = sum((r.interest for r in repayments), Decimal("0"))
    rows = loan_selectors.schedule(loan, repayments)
    if notice.kind == CollectionNotice.Kind.OVERDUE:
        status = loan_policy.overdue_status(today=as_of, maturity_on=notice.maturity_on, balance=balance,
                                            interest_due_by=[(r.due_on, r.interest) for r in rows], interest_paid=interest_paid)
        since = loan.overdue_since or add_days(notice.maturity_on, 1)
        days = max((as_of - since).days + 1, 0)
        return AmountDue(as_of=as_of, balance=balance, interest=max(status.interest, Decimal("0")), overdue_days=days,
                         overdue_since=since)
    due = sum((r.interest for r in rows if r.due_on <= notice.maturity_on), Decimal("0")) - interest_paid
    return AmountDue(as_of=as_of, balance=balance, interest=max(round_half_up(due), Decimal("0")))


def village_group(loan) -> list[dict]:
    """The village group's members with their phone, the first secretary first: the household's contact."""
    members = User.objects.filter(role=Role.VILLAGE_MEMBER, is_active=True, region__code=loan.region_code)
    order = {p: n for n, p in enumerate(POSITION_ORDER)}
    out = []
    with translation.override(DOCUMENT_LANGUAGE):
        for u in sorted(members, key=lambda u: (order.get(u.position, len(order)), u.id)):
            out.append({"name": u.display_name, "position": str(u.get_position_display()) if u.position else "",
                        "phone": u.phone})
    return out


def notice_context(notice: CollectionNotice, *, today: dt.date | None = None) -> dict:
    loan = notice.loan
    today = today or timezone.localdate()
    as_of = figures_as_of(notice, today)
    due = amount_due(notice, as_of)
    overdue = notice.kind == CollectionNotice.Kind.OVERDUE
    penalty_rate = loan.annual_rate * (1 + loan.bank.penalty_rate_markup)
    village = loan.household.village
    with translation.override(DOCUMENT_LANGUAGE):
        purpose = _declared_purpose(loan)
    return {
        "title": NOTICE_TITLES[notice.kind],
        "overdue": overdue,
        "notice": notice,
        "loan": loan,
        "borrower": loan.borrower,
        "household": loan.household,
        "village_path": _place(loan),
        "village_name": village.name if village else "",
        "bank": _bank_name(loan),
        "bank_name": loan.bank.name,
        "purpose": purpose,
        "principal": yuan(loan.principal),
        "principal_words": amount_in_words(loan.principal),
        "rate": percent(loan.annual_rate),
        "penalty_rate": percent(round_half_up(penalty_rate, 3)),
        "penalty_markup": f"{round_half_up(loan.bank.penalty_rate_markup * 100, 0):.0f}",
        "signed_on": formal_date(loan.signed_on),
        "disbursed_on": formal_date(loan.disbursed_on),
        "maturity_on": formal_date(notice.maturity_on),
        "issued_on": formal_date(notice.issued_on),
        "as_of": formal_date(due.as_of),
        "balance": yuan(due.balance),
        "interest": yuan(due.interest),
        "total": yuan(due.total),
        "total_words": amount_in_words(due.total),
        "overdue_days": due.overdue_days,
        "overdue_since": formal_date(due.overdue_since),
        "group": village_group(loan),
        "receipt_signer": notice.receipt_signer,
        "receipt_signed_on": formal_date(notice.receipt_signed_on),
        "receipt_recorded_by": notice.receipt_recorded_by.display_name if notice.receipt_recorded_by else "",
        "generated_on": formal_date(today),
    }


def notice_pdf(notice: CollectionNotice, *, today: dt.date | None = None) -> bytes:
    return render_pdf("documents/collection_notice.html", notice_context(notice, today=today))


def notice_filename(notice: CollectionNotice) -> str:
    return safe_filename(f"{NOTICE_TITLES[notice.kind]}-{notice.loan.borrower.name}-{notice.issued_on.isoformat()}") + ".pdf"


# --- 一日一通报 --------------------------------------------------------------------------------------------------

TOWNSHIP_PREFIX = 9


def bulletin_rows(user, *, county: str = ""):
    """The bulletin rows `user` reads, of one county if given. What they may see is `visible_to`'s alone (their
    area; a bank officer only their bank's rows). Banks are broken down at the user's level: a user placed in a
    township reads the township×bank rows (the only bank rows of their area), a user of a county or above the
    county×bank rows, of which the township×bank rows would only repeat the figures."""
    rows = BulletinRow.objects.visible_to(user)
    if len(user.scope_prefix or "") < TOWNSHIP_PREFIX:
        rows = rows.exclude(group=BulletinRow.Group.TOWNSHIP_BANK)
    if county:
        rows = rows.filter(county_code=county)
    return rows


def latest_day(rows) -> dt.date | None:
    return rows.order_by("-day").values_list("day", flat=True).first()


@dataclass
class Line:
    no: int | str
    label: str
    loans: int
    balance: str
    balance_wan: str
    overdue_count: int
    overdue_amount: str
    overdue_wan: str
    overdue_rate: str
    red_line: str
    over: bool
    new_overdue: int
    maturing_soon: int
    inspections_overdue: int
    late_disbursements: int
    total: bool = False


def _line(row: BulletinRow, no: int | str, label: str | None = None, *, total: bool = False) -> Line:
    return Line(
        no=no, label=label or row.label, loans=row.loans, balance=yuan(row.balance), balance_wan=f"{to_wan(row.balance):,.2f}",
        overdue_count=row.overdue_count, overdue_amount=yuan(row.overdue_amount), overdue_wan=f"{to_wan(row.overdue_amount):,.2f}",
        overdue_rate=f"{row.overdue_rate:.2f}", red_line=f"{row.red_line:.2f}", over=row.over_red_line,
        new_overdue=row.new_overdue, maturing_soon=row.maturing_soon, inspections_overdue=row.inspections_overdue,
        late_disbursements=row.late_disbursements, total=total,
    )


def _sum_line(rows: list[BulletinRow]) -> Line:
    """The counties added up; the rate is recomputed from the sums, the red line shown only when they share one."""
    total = BulletinRow(**{f: sum((getattr(r, f) for r in rows), Decimal("0") if f in ("balance", "overdue_amount") else 0)
                           for f in ("loans", "balance", "overdue_count", "overdue_amount", "new_overdue", "maturing_soon",
                                     "inspections_overdue", "late_disbursements")})
    total.overdue_rate = postloan_policy.overdue_rate(total.overdue_amount, total.balance)
    red_lines = {r.red_line for r in rows}
    total.red_line = red_lines.pop() if len(red_lines) == 1 else total.overdue_rate
    line = _line(total, "合计", "合计", total=True)
    if len({r.red_line for r in rows}) > 1:
        line.red_line = "—"
    return line


@dataclass
class CountySection:
    code: str
    name: str
    red_line: str
    window: int
    total: Line | None
    townships: list[Line]
    banks: list[Line]
    over: list[str]  # names of the rows over the red line


def bulletin_context(rows: list[BulletinRow], day: dt.date, *, scope: str = "", today: dt.date | None = None) -> dict:
    """One day's rows, grouped by county; with several counties a comparison of the counties comes first."""
    codes = sorted({r.county_code for r in rows})
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    sections = []
    for code in codes:
        mine = [r for r in rows if r.county_code == code]
        county_row = next((r for r in mine if r.group == BulletinRow.Group.COUNTY), None)
        townships = sorted((r for r in mine if r.group == BulletinRow.Group.TOWNSHIP), key=lambda r: r.key)
        banks = sorted((r for r in mine if r.group in (BulletinRow.Group.BANK, BulletinRow.Group.TOWNSHIP_BANK)),
                       key=lambda r: (r.label, r.key))
        name = names.get(code) or (county_row.label if county_row else code)
        red = next((r.red_line for r in mine), Decimal("0"))
        sections.append(CountySection(
            code=code, name=name, red_line=f"{red:.2f}", window=policy_for(code, day).due_reminder_days,
            total=_line(county_row, "合计", f"{name}合计", total=True) if county_row else None,
            townships=[_line(r, n) for n, r in enumerate(townships, start=1)],
            banks=[_line(r, n) for n, r in enumerate(banks, start=1)],
            over=[r.label for r in [county_row, *townships, *banks] if r is not None and r.over_red_line],
        ))
    county_rows = sorted((r for r in rows if r.group == BulletinRow.Group.COUNTY), key=lambda r: r.county_code)
    counties = [_line(r, n, names.get(r.county_code) or r.label) for n, r in enumerate(county_rows, start=1)]
    windows = sorted({s.window for s in sections})
    return {
        "title": BULLETIN_TITLE,
        "day": formal_date(day),
        "scope": sections[0].name if len(sections) == 1 else scope,
        "sections": sections,
        "several": len(sections) > 1,
        "counties": counties if len(sections) > 1 else [],
        "counties_total": _sum_line(county_rows) if len(sections) > 1 and county_rows else None,
        "window": windows[0] if len(windows) == 1 else None,
        "generated_on": formal_date(today or timezone.localdate()),
    }


def bulletin_scope(user, county: str = "") -> str:
    """The name printed under the title: the county asked for, else the user's own area."""
    code = county or (user.region.code if getattr(user, "region_id", None) else "")
    region = Region.objects.filter(code=code).first() if code else None
    return region.name if region else ""


def bulletin_pdf(rows: list[BulletinRow], day: dt.date, *, scope: str = "", today: dt.date | None = None) -> bytes:
    return render_pdf("documents/bulletin.html", bulletin_context(rows, day, scope=scope, today=today))


def bulletin_filename(day: dt.date, scope: str = "") -> str:
    return safe_filename(f"{BULLETIN_TITLE}-{scope}-{day.isoformat()}" if scope else f"{BULLETIN_TITLE}-{day.isoformat()}") + ".pdf"

"""The public notice (公示) as a PDF for posting in the village.

A Chinese government notice whatever the UI language: its fixed wording is in templates/documents/ and the
title here is the notice's official name (not a UI string). Only what the entries store is printed — the masked
name and ID number, purpose, amount, subsidy — never a phone or account number (DESIGN §7)."""
import datetime as dt
from decimal import Decimal

from django.utils import timezone

from apps.core.dates import formal_date
from apps.core.money import amount_in_words, round_half_up
from apps.core.pdf import render_pdf
from apps.regions.models import Region

from .models import PublicNotice

NOTICE_TITLE = "扶贫小额信贷公示"
ISSUER_SUFFIX = "扶贫开发领导小组办公室"


def yuan(value) -> str:
    """50000 → 50,000.00: figures on forms have thousands separated and two decimals, half-up."""
    if value is None:
        return ""
    return f"{round_half_up(Decimal(value)):,.2f}"


def percent(value) -> str:
    """3.450 → 3.45, 4.275 → 4.275: at least two decimals, no trailing zero beyond."""
    if value is None:
        return ""
    text = f"{Decimal(value):.3f}"
    return text[:-1] if text.endswith("0") else text


def issuer(notice: PublicNotice) -> str:
    """The county poverty-alleviation office that publishes the notice."""
    county = Region.objects.filter(code=notice.region_code[:6] + "000000").first()
    return (county.name if county else "") + ISSUER_SUFFIX


def notice_context(notice: PublicNotice, *, today: dt.date | None = None) -> dict:
    entries = list(notice.entries.all())
    rows = [{
        "no": no, "borrower": e.borrower_masked, "id_number": e.id_masked, "purpose": e.purpose, "amount": yuan(e.amount),
        "subsidy_rate": percent(e.subsidy_rate), "subsidy": yuan(e.subsidy_estimate),
    } for no, e in enumerate(entries, start=1)]
    total = sum((e.amount for e in entries), Decimal("0"))
    subsidy = sum((e.subsidy_estimate for e in entries), Decimal("0"))
    return {
        "title": NOTICE_TITLE,
        "notice": notice,
        "village": notice.village_name,
        "rows": rows,
        "count": len(rows),
        "total": yuan(total),
        "total_words": amount_in_words(total),
        "subsidy_total": yuan(subsidy),
        "starts_on": formal_date(notice.published_on),
        "ends_on": formal_date(notice.ends_on),
        "issuer": issuer(notice),
        "generated_on": formal_date(today or timezone.localdate()),
    }


def notice_pdf(notice: PublicNotice, *, today: dt.date | None = None) -> bytes:
    return render_pdf("documents/public_notice.html", notice_context(notice, today=today))


def notice_filename(notice: PublicNotice) -> str:
    return f"{NOTICE_TITLE}-{notice.village_name}-{notice.published_on.isoformat()}.pdf"

"""Issue 8 item 7: the daily bulletin follows the one visibility rule. A bank officer placed in a township (the
demo's 农行 officer for 常乐镇) reads their bank's figures for their township — on the page and in the PDF — and
never another bank's figures, nor their own bank's in the county's other townships."""
import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from apps.accounts.roles import Role
from apps.loans.models import Loan
from apps.postloan import documents, jobs
from apps.postloan.models import BulletinRow
from apps.regions.models import Level
from tests.documents.pdf_tools import needs_poppler, squeeze, text
from tests.factories import BankFactory, HouseholdFactory, UserFactory, bank_user

DAY = dt.date(2024, 7, 1)
SIGNED = dt.date(2024, 6, 3)


def _loan(village, bank, principal, contract):
    household = HouseholdFactory(village=village)
    loan = Loan.objects.create(
        household=household, borrower=household.members.get(), bank=bank, region_code=household.region_code,
        contract_no=contract, receipt_no=contract + "-J", signed_on=SIGNED, principal=Decimal(principal), term_months=12,
        annual_rate=Decimal("3.450"), purpose="breeding", maturity_on=dt.date(2025, 6, 3), original_maturity_on=dt.date(2025, 6, 3),
        disburse_by=dt.date(2024, 6, 12))
    loan.disburse(SIGNED)
    loan.save()
    return loan


@pytest.fixture
def county(tree):
    """蓬溪: 农行 lends 12,345 in 常乐镇 and 77,777 in 赤城镇; the 农商行 lends 40,404 in 常乐镇."""
    chicheng, changle = tree["a"], tree["a2"]
    abc = BankFactory(name="中国农业银行蓬溪县支行", short_name="农行")
    rcb = BankFactory(name="蓬溪农村商业银行", short_name="蓬溪农商行")
    _loan(changle[Level.VILLAGE], abc, "12345.00", "ABC-CL-1")
    _loan(chicheng[Level.VILLAGE], abc, "77777.00", "ABC-CC-1")
    _loan(changle[Level.VILLAGE], rcb, "40404.00", "RCB-CL-1")
    jobs.bulletin(DAY)
    return {
        "abc": abc, "rcb": rcb, "changle": changle[Level.TOWNSHIP],
        "abc_changle": bank_user(changle[Level.TOWNSHIP], bank=abc),  # pengxi_abc in the demo
        "rcb_changle": bank_user(changle[Level.TOWNSHIP], bank=rcb),
        "abc_county": bank_user(tree["a"][Level.COUNTY], bank=abc),
        "changle_officer": UserFactory(role=Role.TOWNSHIP_OFFICER, region=changle[Level.TOWNSHIP]),
        "county_officer": UserFactory(role=Role.COUNTY_OFFICER, region=tree["a"][Level.COUNTY]),
    }


def _page(client, user):
    client.force_login(user)
    r = client.get(reverse("postloan:bulletin"))
    assert r.status_code == 200
    return r.content.decode()


@pytest.mark.django_db
def test_a_township_bank_officer_reads_their_bank_in_their_township(client, county):
    body = _page(client, county["abc_changle"])
    assert 'data-testid="bulletin-empty"' not in body
    assert "12,345.00" in body  # their bank's loans in their township
    assert "77,777.00" not in body and "90,122.00" not in body  # not their bank's other township, nor the county total
    assert "40,404.00" not in body and "蓬溪农村商业银行" not in body  # never the other bank


@pytest.mark.django_db
def test_the_other_bank_in_the_same_township_sees_only_its_own(client, county):
    body = _page(client, county["rcb_changle"])
    assert "40,404.00" in body
    assert "12,345.00" not in body and "中国农业银行" not in body and "77,777.00" not in body


@pytest.mark.django_db
def test_every_bulletin_row_follows_visible_to(county):
    """No hand-made bank filter: visible_to alone keeps a bank's officers to their bank's rows of their area."""
    rows = BulletinRow.objects.filter(day=DAY)
    for user in (county["abc_changle"], county["rcb_changle"], county["abc_county"]):
        mine = list(rows.visible_to(user))
        assert mine and all(r.bank_id == user.bank_id for r in mine)
        assert all(r.region_code.startswith(user.scope_prefix) for r in mine)
    township = list(rows.visible_to(county["changle_officer"]))
    assert {r.group for r in township} == {"township", "township_bank"} and len(township) == 3
    assert sum(r.balance for r in township if r.group == "township_bank") == Decimal("52749.00")


@pytest.mark.django_db
def test_a_county_bank_officer_and_the_county_keep_their_view(client, county):
    body = _page(client, county["abc_county"])
    assert "90,122.00" in body and "40,404.00" not in body  # the bank's county row
    rows = documents.bulletin_rows(county["county_officer"]).filter(day=DAY)
    assert {r.group for r in rows} == {"county", "township", "bank"}  # township×bank rows would only repeat these
    township = _page(client, county["changle_officer"])
    assert "12,345.00" in township and "40,404.00" in township and "77,777.00" not in township


def _pdf(client, user, monkeypatch):
    """The PDF the user downloads, and the figures rendered into it (read back as text too where poppler is)."""
    seen = {}
    real = documents.render_pdf

    def spy(template, context):
        seen.update(context)
        return real(template, context)

    monkeypatch.setattr(documents, "render_pdf", spy)
    client.force_login(user)
    r = client.get(reverse("postloan:bulletin-pdf"))
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    pdf = b"".join(r.streaming_content) if r.streaming else r.content
    assert pdf.startswith(b"%PDF")
    [section] = seen["sections"]
    lines = [section.total] * bool(section.total) + section.townships + section.banks
    return pdf, [(line.label, line.balance) for line in lines]


@pytest.mark.django_db
def test_the_pdf_for_the_township_bank_officer(client, county, monkeypatch, tmp_path):
    pdf, lines = _pdf(client, county["abc_changle"], monkeypatch)
    assert lines == [("常乐镇·中国农业银行蓬溪县支行", "12,345.00")]
    _, lines = _pdf(client, county["rcb_changle"], monkeypatch)
    assert lines == [("常乐镇·蓬溪农村商业银行", "40,404.00")]
    if needs_poppler.args[0]:
        return
    path = tmp_path / "bulletin.pdf"
    path.write_bytes(pdf)
    words = squeeze(text(path))
    assert "12,345.00" in words and "40,404.00" not in words and "77,777.00" not in words and "蓬溪农村商业银行" not in words

"""一户一档: the household page shows the household's applications, loans, inspections with findings and
rectification, and collection notices — each scoped like the rest of the app — with empty states, at a constant
number of queries."""
import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.regions.models import Level
from tests.factories import BankFactory, HouseholdFactory, bank_user

from . import records


@pytest.fixture
def file(tree, county_officer):
    """王建国's household: an approved application and its loan at 蓬溪农商行 (overdue, inspected, a problem found
    and a rectification plan, a due notice), and an older settled loan at another bank."""
    h = HouseholdFactory(village=tree["a"][Level.VILLAGE], head_name="王建国")
    head = h.members.get()
    bank, other_bank = BankFactory(short_name="蓬溪农商行"), BankFactory(short_name="农业银行")
    loan = records.loan(h, head, bank, principal="30000", repaid="5000", maturity_on=dt.date(2025, 6, 3),
                        overdue_since=dt.date(2025, 6, 4))
    app = records.application(h, head, bank, county_officer, state="bank_approved", amount="30000")
    app.loan = loan
    app.save()
    old = records.loan(h, head, other_bank, principal="10000", repaid="10000", state="settled")
    old_app = records.application(h, head, other_bank, county_officer, state="bank_approved", amount="10000",
                                  applied_on=dt.date(2023, 5, 1))
    inspection = records.inspection(loan, county_officer, problem=True, findings="购车自用")
    finding = records.finding(inspection)
    finding.plan, finding.deadline = "限期收回挪用资金", dt.date(2025, 8, 1)
    finding.save()
    notice = records.collection_notice(loan)
    old_inspection = records.inspection(old, county_officer, done_on=dt.date(2023, 8, 1))
    return {"household": h, "bank": bank, "loan": loan, "application": app, "old": old, "old_application": old_app,
            "inspection": inspection, "finding": finding, "notice": notice, "old_inspection": old_inspection}


def page(client, user, household):
    client.force_login(user)
    r = client.get(reverse("households:detail", args=[household.pk]))
    assert r.status_code == 200
    return r.content.decode()


@pytest.mark.django_db
def test_the_file_shows_applications_loans_inspections_findings_and_notices(client, county_officer, file):
    body = page(client, county_officer, file["household"])
    loan, app = file["loan"], file["application"]
    # Loans: contract, principal, balance, maturity, state with the overdue mark, link.
    assert f'href="{reverse("loans:detail", args=[loan.pk])}">{loan.contract_no}</a>' in body
    assert "30,000.00" in body and "25,000.00" in body and "2025-06-03" in body
    assert 'data-testid="overdue"' in body and "2025-06-04" in body
    assert file["old"].contract_no in body and "农业银行" in body
    # Applications: date, amount, state, link.
    assert f'href="{reverse("approvals:detail", args=[app.pk])}">2024-06-03</a>' in body
    assert f'href="{reverse("approvals:detail", args=[file["old_application"].pk])}">2023-05-01</a>' in body
    assert body.count('data-testid="file-application"') == 2 and body.count('data-testid="file-loan"') == 2
    # Post-loan: inspections, the finding with its plan and deadline, the notice.
    assert reverse("postloan:inspection-detail", args=[file["inspection"].pk]) in body
    assert body.count('data-testid="file-inspection"') == 2
    assert reverse("postloan:finding-detail", args=[file["finding"].pk]) in body
    assert "挪用于装修" in body and "限期收回挪用资金" in body and "2025-08-01" in body
    assert reverse("postloan:notice-receipt", args=[file["notice"].pk]) in body and "2025-05-04" in body
    for empty in ("empty-applications", "empty-loans", "empty-inspections", "empty-findings", "empty-notices"):
        assert f'data-testid="{empty}"' not in body
    assert "{#" not in body and "#}" not in body and "{%" not in body


@pytest.mark.django_db
def test_a_household_without_history_shows_empty_states(client, county_officer, tree, file):
    # Another household whose head's name starts like 王建国's: the old prefix links matched both.
    h = HouseholdFactory(village=tree["a"][Level.VILLAGE], head_name="王建")
    body = page(client, county_officer, h)
    for empty in ("empty-applications", "empty-loans", "empty-inspections", "empty-findings", "empty-notices"):
        assert f'data-testid="{empty}"' in body
    assert file["loan"].contract_no not in body and "挪用于装修" not in body
    assert "?q=" not in body  # no more lists filtered by the head's name prefix


@pytest.mark.django_db
def test_a_bank_officer_sees_only_their_banks_records(client, tree, file):
    officer = bank_user(tree["a"][Level.TOWNSHIP], bank=file["bank"])
    body = page(client, officer, file["household"])
    assert file["loan"].contract_no in body and reverse("approvals:detail", args=[file["application"].pk]) in body
    assert reverse("postloan:notice-receipt", args=[file["notice"].pk]) in body
    # The other bank's loan, application and inspection stay hidden.
    assert file["old"].contract_no not in body
    assert reverse("approvals:detail", args=[file["old_application"].pk]) not in body
    assert reverse("postloan:inspection-detail", args=[file["old_inspection"].pk]) not in body
    assert body.count('data-testid="file-loan"') == 1 and body.count('data-testid="file-inspection"') == 1
    # A bank that never lent to the household sees the register's data and empty sections.
    stranger = bank_user(tree["a"][Level.TOWNSHIP])
    body = page(client, stranger, file["household"])
    assert 'data-testid="empty-loans"' in body and 'data-testid="empty-applications"' in body
    assert 'data-testid="empty-notices"' in body and file["loan"].contract_no not in body


@pytest.mark.django_db
def test_the_file_costs_a_constant_number_of_queries(client, county_officer, tree):
    h = HouseholdFactory(village=tree["a"][Level.VILLAGE])
    head = h.members.get()
    bank = BankFactory()
    client.force_login(county_officer)
    url = reverse("households:detail", args=[h.pk])

    def add_loans(n):
        for _ in range(n):
            loan = records.loan(h, head, bank, overdue_since=dt.date(2025, 6, 4))
            app = records.application(h, head, bank, county_officer, state="bank_approved")
            app.loan = loan
            app.save()
            inspection = records.inspection(loan, county_officer, problem=True)
            finding = records.finding(inspection)
            finding.responsible = county_officer
            finding.save()
            records.collection_notice(loan)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    count()  # warm-up: the session, the calendar's cache
    add_loans(1)
    few = count()
    add_loans(5)
    assert count() == few

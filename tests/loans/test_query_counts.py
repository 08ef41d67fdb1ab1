"""Pages and API lists cost a constant number of queries, whatever the number of rows."""
import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from apps.loans.models import Loan
from tests.factories import HouseholdFactory


def make_loans(chain, n):
    for i in range(n):
        h = HouseholdFactory(village=chain["household"].village)
        Loan.objects.create(household=h, borrower=h.members.get(), bank=chain["bank"], region_code=h.region_code,
                            contract_no=f"Q-{Loan.objects.count()}-{i}", receipt_no="J", signed_on=dt.date(2024, 6, 3),
                            principal=Decimal("10000"), term_months=12, annual_rate=Decimal("3.45"), purpose="planting",
                            maturity_on=dt.date(2025, 6, 3), original_maturity_on=dt.date(2025, 6, 3), disburse_by=dt.date(2024, 6, 12),
                            disbursed_on=dt.date(2024, 6, 4), state="disbursed")


def count(fn):
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


@pytest.mark.django_db
def test_api_loan_list_queries_do_not_grow(chain):
    api = APIClient()
    api.force_authenticate(chain["banker"])
    make_loans(chain, 3)
    few = count(lambda: api.get("/api/v1/loans/", {"page_size": 100}))
    make_loans(chain, 30)
    many = count(lambda: api.get("/api/v1/loans/", {"page_size": 100}))
    assert few == many


@pytest.mark.django_db
def test_loan_pages_queries_do_not_grow(client, chain):
    client.force_login(chain["banker"])
    make_loans(chain, 3)
    client.get("/loans/")  # warm-up: the holiday calendar's years are read once per process
    few = count(lambda: client.get("/loans/"))
    make_loans(chain, 30)
    many = count(lambda: client.get("/loans/"))
    assert few == many


@pytest.mark.django_db
def test_application_list_api_queries_do_not_grow(chain):
    from apps.approvals import services

    api = APIClient()
    api.force_authenticate(chain["county_officer"])
    chain["household"].rated_on = timezone.localdate()
    chain["household"].save()

    def apps(n):
        for _ in range(n):
            h = HouseholdFactory(village=chain["household"].village, credit_grade="A", rated_on=timezone.localdate())
            services.application_create(chain["secretary"], household=h, amount=Decimal("1000"), term_months=12,
                                        purpose="planting", project="种植", submit=True)

    apps(2)
    few = count(lambda: api.get("/api/v1/applications/"))
    apps(10)
    many = count(lambda: api.get("/api/v1/applications/"))
    assert few == many

import datetime as dt
from decimal import Decimal

import pytest

from apps.approvals import services as approvals
from apps.core.errors import DomainError
from apps.loans import selectors, services
from apps.loans.models import Change, LoanState, Repayment, TermChange
from apps.regions.models import CountyPolicy, Level

SIGNED = dt.date(2024, 6, 3)


def open_loan(chain, amount="30000", term=12, signed=SIGNED, contract="PX-1"):
    app = approvals.application_create(chain["secretary"], household=chain["household"], amount=Decimal(amount), term_months=term,
                                       purpose="breeding", project="养牛", today=signed, submit=True)
    for who in ("secretary", "township_leader", "county_head"):
        app = approvals.application_approve(chain[who], app, today=signed)
    app = approvals.application_approve(chain["banker"], app, today=signed, bank_terms={
        "contract_no": contract, "receipt_no": contract + "-J", "signed_on": signed})
    return app.loan


def disbursed(chain, **kw):
    loan = open_loan(chain, **kw)
    return services.loan_disburse(chain["banker"], loan, on=loan.signed_on)


@pytest.mark.django_db
def test_rate_from_the_table_on_signing_day(chain):
    short = open_loan(chain, amount="10000", term=12, contract="A")
    assert short.annual_rate == Decimal("3.450")  # 1-year LPR from 2024-02-20
    chain["household"].rated_on = dt.date(2020, 5, 1)
    chain["household"].save()
    old = open_loan(chain, amount="10000", term=36, signed=dt.date(2020, 6, 1), contract="B")
    assert old.annual_rate == Decimal("4.750")  # signed before 2021: the PBoC benchmark, 1–3 years


@pytest.mark.django_db
def test_disbursement_deadline_and_late_flag(chain):
    loan = open_loan(chain)
    assert loan.disburse_by == dt.date(2024, 6, 13)
    assert not selectors.disbursement_late(loan, dt.date(2024, 6, 13))
    assert selectors.disbursement_late(loan, dt.date(2024, 6, 14))
    loan = services.loan_disburse(chain["banker"], loan, on=dt.date(2024, 6, 14))
    assert selectors.disbursement_late(loan, dt.date(2024, 6, 20))
    assert loan.events.filter(action="disbursed", data__late=True).exists()


@pytest.mark.django_db
def test_schedule_quarterly_interest_principal_at_maturity(chain):
    loan = disbursed(chain, amount="36000", term=12)
    rows = selectors.schedule(loan)
    assert [r.due_on for r in rows] == [dt.date(2024, 6, 20), dt.date(2024, 9, 20), dt.date(2024, 12, 20), dt.date(2025, 3, 20),
                                        dt.date(2025, 6, 3)]
    # 17 days × 36,000 × 3.45% / 360
    assert rows[0].interest == Decimal("58.65")
    assert rows[-1].principal == Decimal("36000.00")


@pytest.mark.django_db
def test_repayments_split_balance_and_settlement(chain):
    loan = disbursed(chain, amount="30000")
    r, created = services.repayment_post(chain["banker"], loan, paid_on=dt.date(2024, 9, 20), principal=Decimal("10000"),
                                         interest=Decimal("250.00"))
    loan.refresh_from_db()
    assert created and loan.balance == Decimal("20000.00") and loan.interest_paid == Decimal("250.00")
    with pytest.raises(DomainError) as exc:
        services.repayment_post(chain["banker"], loan, paid_on=dt.date(2024, 9, 21), principal=Decimal("20000.01"))
    assert exc.value.code == "repayment_over_balance"
    services.repayment_post(chain["banker"], loan, paid_on=dt.date(2024, 12, 1), principal=Decimal("20000"), interest=Decimal("120"))
    loan.refresh_from_db()
    assert loan.state == LoanState.SETTLED and loan.balance == 0 and loan.settled_on == dt.date(2024, 12, 1)


@pytest.mark.django_db
def test_idempotency_key_records_once(chain):
    loan = disbursed(chain)
    first, created1 = services.repayment_post(chain["banker"], loan, paid_on=dt.date(2024, 7, 1), principal=Decimal("100"),
                                              idempotency_key="k-1")
    again, created2 = services.repayment_post(chain["banker"], loan, paid_on=dt.date(2024, 7, 1), principal=Decimal("100"),
                                              idempotency_key="k-1")
    assert created1 and not created2 and first.pk == again.pk and Repayment.objects.count() == 1
    with pytest.raises(DomainError) as exc:
        services.repayment_post(chain["banker"], loan, paid_on=dt.date(2024, 7, 1), principal=Decimal("200"), idempotency_key="k-1")
    assert exc.value.code == "idempotency_key_reused" and exc.value.status == 409


@pytest.mark.django_db
def test_overdue_is_derived_from_principal_and_interest(chain):
    loan = disbursed(chain, amount="36000", term=12)
    assert not selectors.overdue(loan, dt.date(2024, 6, 20)).overdue  # due today, not yet late
    late = selectors.overdue(loan, dt.date(2024, 6, 21))
    assert late.overdue and late.days == 1 and late.interest == Decimal("58.65") and late.principal == 0
    services.repayment_post(chain["banker"], loan, paid_on=dt.date(2024, 6, 20), interest=Decimal("58.65"))
    loan.refresh_from_db()
    assert not selectors.overdue(loan, dt.date(2024, 6, 21)).overdue
    # Pay every quarter's interest; then only principal after maturity makes it overdue.
    for row in selectors.schedule(loan)[1:]:
        services.repayment_post(chain["banker"], loan, paid_on=row.due_on, interest=row.interest)
        loan.refresh_from_db()
    assert not selectors.overdue(loan, dt.date(2025, 6, 3)).overdue
    day_after = selectors.overdue(loan, dt.date(2025, 6, 4))
    assert day_after.overdue and day_after.principal == Decimal("36000.00") and day_after.since == dt.date(2025, 6, 4)
    assert selectors.overdue(loan, dt.date(2025, 9, 1)).days == 90


@pytest.mark.django_db
@pytest.mark.parametrize(("term", "months", "ok"), [(12, 12, True), (12, 13, False), (36, 18, True), (36, 19, False), (13, 6, True), (13, 7, False)])
def test_extension_length(chain, term, months, ok):
    loan = disbursed(chain, amount="10000", term=term)
    if ok:
        change = services.term_change_request(chain["secretary"], loan, kind=Change.EXTENSION, months=months, reason="因病无法按期还款",
                                              today=dt.date(2024, 7, 1))
        assert change.new_maturity_on > loan.maturity_on
    else:
        with pytest.raises(DomainError) as exc:
            services.term_change_request(chain["secretary"], loan, kind=Change.EXTENSION, months=months, reason="x",
                                         today=dt.date(2024, 7, 1))
        assert exc.value.code == "extension_too_long"


@pytest.mark.django_db
def test_extension_decided_by_bank_once_and_rate_band_moves(chain):
    loan = disbursed(chain, amount="10000", term=12)
    change = services.term_change_request(chain["banker"], loan, kind=Change.EXTENSION, months=6, reason="自然灾害",
                                          today=dt.date(2025, 5, 1))
    with pytest.raises(DomainError):
        services.term_change_decide(chain["county_officer"], change, approve=True)
    services.term_change_decide(chain["banker"], change, approve=True, today=dt.date(2025, 5, 6))
    loan.refresh_from_db()
    assert loan.state == LoanState.EXTENDED and loan.maturity_on == dt.date(2025, 12, 3)
    assert loan.annual_rate == Decimal("3.600")  # 12 + 6 months: the 5-year LPR in force on 2025-05-06
    with pytest.raises(DomainError) as exc:
        services.term_change_request(chain["banker"], loan, kind=Change.EXTENSION, months=1, reason="再次", today=dt.date(2025, 6, 1))
    assert exc.value.code == "extension_already_used"


@pytest.mark.django_db
def test_county_may_cap_original_plus_extension(chain):
    CountyPolicy.objects.create(county=chain["tree"]["a"][Level.COUNTY], effective_on=dt.date(2024, 1, 1), extension_rule="product_cap")
    loan = disbursed(chain, amount="10000", term=36)
    with pytest.raises(DomainError) as exc:
        services.term_change_request(chain["banker"], loan, kind=Change.EXTENSION, months=1, reason="x", today=dt.date(2025, 1, 1))
    assert exc.value.code == "extension_over_product_maximum"


@pytest.mark.django_db
def test_renewal_once_per_chain_without_principal(chain):
    loan = disbursed(chain, amount="30000", term=12)
    new = approvals.loan_renew(chain["banker"], loan, term_months=24, contract_no="PX-R1", receipt_no="J-R1",
                               signed_on=dt.date(2024, 6, 15))
    loan.refresh_from_db()
    assert loan.state == LoanState.RENEWED and new.renewed_from == loan
    assert new.principal == Decimal("30000.00") and new.state == LoanState.DISBURSED
    from apps.loans.services import household_committed

    assert household_committed(chain["household"].pk) == Decimal("30000.00")  # counts once against the cap
    with pytest.raises(DomainError) as exc:
        approvals.loan_renew(chain["banker"], new, term_months=12, contract_no="PX-R2", receipt_no="J-R2", signed_on=dt.date(2024, 6, 18))
    assert exc.value.code == "renewal_already_used"


@pytest.mark.django_db
def test_overdue_loan_cannot_be_renewed(chain):
    loan = disbursed(chain, amount="30000", term=12)
    with pytest.raises(DomainError) as exc:
        approvals.loan_renew(chain["banker"], loan, term_months=12, contract_no="R", receipt_no="J", signed_on=dt.date(2024, 7, 1))
    assert exc.value.code == "renewal_overdue"  # the June interest was not paid


@pytest.mark.django_db
def test_epidemic_deferral_rules(chain):
    chain["household"].rated_on = dt.date(2019, 3, 1)
    chain["household"].save()
    loan = disbursed(chain, amount="10000", term=12, signed=dt.date(2019, 3, 1))
    assert loan.maturity_on == dt.date(2020, 3, 1)
    with pytest.raises(DomainError) as exc:
        services.term_change_request(chain["banker"], loan, kind=Change.DEFERRAL, new_maturity_on=dt.date(2021, 4, 1), reason="疫情",
                                     today=dt.date(2020, 2, 20))
    assert exc.value.code == "deferral_too_long"
    change = services.term_change_request(chain["banker"], loan, kind=Change.DEFERRAL, new_maturity_on=dt.date(2021, 3, 31),
                                          reason="疫情影响", today=dt.date(2020, 2, 20))
    services.term_change_decide(chain["banker"], change, approve=True, today=dt.date(2020, 2, 21))
    loan.refresh_from_db()
    assert loan.state == LoanState.DEFERRED and loan.maturity_on == dt.date(2021, 3, 31)
    assert loan.annual_rate == Decimal("4.350")  # policy terms unchanged


@pytest.mark.django_db
def test_deferral_needs_maturity_from_2020(chain):
    chain["household"].rated_on = dt.date(2018, 6, 1)
    chain["household"].save()
    loan = disbursed(chain, amount="10000", term=12, signed=dt.date(2018, 6, 1))
    with pytest.raises(DomainError) as exc:
        services.term_change_request(chain["banker"], loan, kind=Change.DEFERRAL, months=3, reason="x", today=dt.date(2019, 5, 1))
    assert exc.value.code == "deferral_maturity_before_2020"
    assert not TermChange.objects.exists()


@pytest.mark.django_db
def test_public_notice_masks_and_lasts_five_working_days(chain):
    loan = disbursed(chain, amount="30000", term=36)
    notice = services.notice_publish(chain["county_officer"], loan.region_code, today=dt.date(2024, 6, 7))
    assert notice.ends_on == dt.date(2024, 6, 14)  # 10 June (端午节) is not a working day
    entry = notice.entries.get()
    assert entry.id_masked == loan.borrower.id_number[:6] + "********" + loan.borrower.id_number[-4:]
    assert entry.borrower_masked[0] == loan.borrower.name[0] and "*" in entry.borrower_masked
    assert entry.subsidy_estimate == Decimal("3555.00")  # 30,000 × 3.95% × 3 years
    with pytest.raises(DomainError) as exc:
        services.notice_publish(chain["county_officer"], loan.region_code, today=dt.date(2024, 6, 7))
    assert exc.value.code == "notice_nothing_to_publish"

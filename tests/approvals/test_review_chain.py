import datetime as dt
from decimal import Decimal

import pytest

from apps.approvals import services
from apps.approvals.models import Application, Decision, ReviewDecision, State
from apps.core.errors import DomainError
from apps.loans.models import Loan, LoanState
from apps.regions.models import Level
from tests.factories import HouseholdFactory, valid_id

from .conftest import TODAY

BANK_TERMS = {"amount": "40000", "term_months": 24, "contract_no": "PX2024-0001", "receipt_no": "JJ-0001", "signed_on": TODAY}


def new_app(chain, amount="50000", term=36, **kw):
    return services.application_create(chain["secretary"], household=chain["household"], amount=Decimal(amount),
                                       term_months=term, purpose="breeding", project="养殖肉牛 5 头", today=TODAY, **kw)


def walk_to(chain, app, state):
    steps = [("secretary", State.SUBMITTED), ("secretary", State.VILLAGE_APPROVED), ("township_leader", State.TOWNSHIP_APPROVED),
             ("county_head", State.COUNTY_RECOMMENDED)]
    for who, reached in steps:
        if app.state == state:
            break
        app = services.application_approve(chain[who], app, comment="同意", today=TODAY)
        assert app.state == reached
    return app


@pytest.mark.django_db
def test_village_to_bank_opens_the_loan(chain):
    app = new_app(chain)
    assert app.state == State.DRAFT and app.bank == chain["bank"]  # the township's main bank by default
    app = walk_to(chain, app, State.COUNTY_RECOMMENDED)
    app = services.application_approve(chain["banker"], app, comment="审查通过", today=TODAY, bank_terms=BANK_TERMS)
    assert app.state == State.BANK_APPROVED
    loan = app.loan
    assert (loan.principal, loan.term_months, loan.state) == (Decimal("40000.00"), 24, LoanState.CONTRACTED)
    assert loan.annual_rate == Decimal("3.950")  # 5-year LPR in force on 2024-06-03 (2024-02-20: 3.95)
    assert loan.maturity_on == dt.date(2026, 6, 3)
    assert loan.disburse_by == dt.date(2024, 6, 13)  # 7 working days, 10 June (端午节) off
    timeline = list(app.decisions.values_list("level", "decision", "signer_name"))
    assert [t[:2] for t in timeline] == [("applicant", "create"), ("applicant", "submit"), ("village", "approve"),
                                          ("township", "approve"), ("county", "recommend"), ("bank", "approve")]
    assert timeline[3][2] == chain["township_leader"].display_name


@pytest.mark.django_db
def test_only_the_accountable_signer_passes_a_level(chain):
    app = walk_to(chain, new_app(chain), State.SUBMITTED)
    with pytest.raises(DomainError) as exc:
        services.application_approve(chain["accountant"], app, today=TODAY)
    assert exc.value.code == "signer_required"
    app = services.application_approve(chain["secretary"], app, today=TODAY)
    with pytest.raises(DomainError) as exc:
        services.application_approve(chain["township_officer"], app, today=TODAY)
    assert exc.value.code == "signer_required"
    services.application_opinion(chain["township_officer"], app, comment="初审：资料齐全，建议通过")
    assert ReviewDecision.objects.filter(application=app, decision=Decision.OPINION, level="township").exists()
    with pytest.raises(DomainError) as exc:
        services.application_approve(chain["county_head"], app, today=TODAY)
    assert exc.value.code == "not_your_level"


@pytest.mark.django_db
def test_another_bank_cannot_decide(chain):
    app = walk_to(chain, new_app(chain), State.COUNTY_RECOMMENDED)
    with pytest.raises(DomainError) as exc:
        services.application_approve(chain["other_banker"], app, today=TODAY, bank_terms=BANK_TERMS)
    assert exc.value.status == 404  # not even visible to another bank
    assert Application.objects.get(pk=app.pk).state == State.COUNTY_RECOMMENDED


@pytest.mark.django_db
def test_return_goes_one_level_down_and_comes_back(chain):
    app = walk_to(chain, new_app(chain), State.TOWNSHIP_APPROVED)
    with pytest.raises(DomainError) as exc:
        services.application_return(chain["county_officer"], app, comment="")
    assert exc.value.code == "comment_required"
    app = services.application_return(chain["county_officer"], app, comment="收入证明缺失")
    assert (app.state, app.returned_to) == (State.RETURNED, "township")
    with pytest.raises(DomainError):
        services.application_approve(chain["secretary"], app, today=TODAY)  # not the village's turn
    app = services.application_approve(chain["township_leader"], app, comment="已补齐", today=TODAY)
    assert app.state == State.TOWNSHIP_APPROVED and app.returned_to == ""


@pytest.mark.django_db
def test_village_return_goes_back_to_the_applicant(chain):
    app = walk_to(chain, new_app(chain), State.SUBMITTED)
    app = services.application_return(chain["accountant"], app, comment="项目描述不清")
    assert app.returned_to == "applicant"
    app = services.application_approve(chain["accountant"], app, today=TODAY)  # resubmitted by the group
    assert app.state == State.SUBMITTED


@pytest.mark.django_db
def test_reject_and_withdraw_are_final(chain):
    app = walk_to(chain, new_app(chain), State.VILLAGE_APPROVED)
    app = services.application_reject(chain["township_leader"], app, comment="不符合条件")
    assert app.state == State.REJECTED and services.available_actions(chain["secretary"], app) == []
    other = new_app(chain, amount="10000")
    other = services.application_withdraw(chain["secretary"], other, comment="农户放弃")
    assert other.state == State.WITHDRAWN


@pytest.mark.django_db
def test_eligibility_is_checked_again_at_each_level_with_that_days_policy(chain):
    app = walk_to(chain, new_app(chain), State.VILLAGE_APPROVED)
    # The rating expires before the township acts: the township cannot pass it.
    with pytest.raises(DomainError) as exc:
        services.application_approve(chain["township_leader"], app, today=dt.date(2025, 1, 10))
    assert exc.value.code == "credit_rating_expired"
    assert Application.objects.get(pk=app.pk).state == State.VILLAGE_APPROVED


@pytest.mark.django_db
def test_cap_counts_open_loans_of_the_household(chain):
    first = walk_to(chain, new_app(chain, amount="30000"), State.COUNTY_RECOMMENDED)
    services.application_approve(chain["banker"], first, today=TODAY, bank_terms=BANK_TERMS | {"amount": "30000"})
    second = new_app(chain, amount="20000.01")
    with pytest.raises(DomainError) as exc:
        services.application_approve(chain["secretary"], second, today=TODAY)
    assert exc.value.code == "amount_over_household_cap"
    ok = new_app(chain, amount="20000.00")
    assert services.application_approve(chain["secretary"], ok, today=TODAY).state == State.SUBMITTED


@pytest.mark.django_db
def test_one_borrower_per_household(chain):
    from apps.households.models import Member

    new_app(chain, amount="10000", submit=True)
    spouse = Member.objects.create(household=chain["household"], name="配偶", id_number=valid_id(born=dt.date(1985, 3, 3)), relation="spouse")
    with pytest.raises(DomainError) as exc:
        services.application_create(chain["secretary"], household=chain["household"], borrower=spouse, amount=Decimal("10000"),
                                    term_months=12, purpose="planting", project="种植", today=TODAY, submit=True)
    assert exc.value.fields["eligibility"] == ["household_has_other_borrower"]


@pytest.mark.django_db
def test_forbidden_purpose_is_refused_at_creation(chain):
    with pytest.raises(DomainError) as exc:
        services.application_create(chain["secretary"], household=chain["household"], amount=Decimal("10000"), term_months=12,
                                    purpose="housing", project="盖房", today=TODAY)
    assert exc.value.code == "purpose_housing"
    assert not Application.objects.exists()


@pytest.mark.django_db
def test_bank_cannot_approve_more_than_requested_and_nothing_is_half_done(chain):
    app = walk_to(chain, new_app(chain, amount="30000"), State.COUNTY_RECOMMENDED)
    with pytest.raises(DomainError) as exc:
        services.application_approve(chain["banker"], app, today=TODAY, bank_terms=BANK_TERMS | {"amount": "30000.01"})
    assert exc.value.code == "bank_amount_above_request"
    assert not Loan.objects.exists() and Application.objects.get(pk=app.pk).state == State.COUNTY_RECOMMENDED


@pytest.mark.django_db
def test_batch_is_all_or_nothing(chain):
    apps = [walk_to(chain, new_app(chain, amount="10000"), State.VILLAGE_APPROVED) for _ in range(2)]
    expired = HouseholdFactory(village=chain["tree"]["a"][Level.VILLAGE], credit_grade="A", rated_on=dt.date(2024, 1, 1))
    bad = walk_to(chain, services.application_create(chain["secretary"], household=expired, amount=Decimal("5000"), term_months=12,
                                                     purpose="planting", project="种植", today=TODAY), State.VILLAGE_APPROVED)
    expired.credit_grade = ""
    expired.save()
    with pytest.raises(DomainError) as exc:
        services.application_batch_approve(chain["township_leader"], apps + [bad], comment="批量审核", today=TODAY)
    assert exc.value.code == "batch_has_ineligible" and f"applications.{bad.pk}" in exc.value.fields
    assert set(Application.objects.values_list("state", flat=True)) == {State.VILLAGE_APPROVED}
    batch = services.application_batch_approve(chain["township_leader"], apps, comment="批量审核", today=TODAY)
    assert batch.applications.count() == 2
    assert all(a.state == State.TOWNSHIP_APPROVED for a in Application.objects.filter(pk__in=[a.pk for a in apps]))

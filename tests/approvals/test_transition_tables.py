"""The state machines as tables: this file is their documentation. A change to a machine must change it."""
from apps.approvals.models import Application
from apps.loans.models import Loan

APPLICATION = {
    ("draft", "submit"): "submitted",
    ("returned", "submit"): "submitted",  # only when returned to the applicant
    ("submitted", "village_approve"): "village_approved",
    ("returned", "village_approve"): "village_approved",  # only when returned to the village
    ("village_approved", "township_approve"): "township_approved",
    ("returned", "township_approve"): "township_approved",
    ("township_approved", "county_recommend"): "county_recommended",
    ("returned", "county_recommend"): "county_recommended",
    ("county_recommended", "bank_approve"): "bank_approved",
    ("submitted", "send_back"): "returned",
    ("village_approved", "send_back"): "returned",
    ("township_approved", "send_back"): "returned",
    ("county_recommended", "send_back"): "returned",
    ("submitted", "reject"): "rejected",
    ("village_approved", "reject"): "rejected",
    ("township_approved", "reject"): "rejected",
    ("county_recommended", "reject"): "rejected",
    ("returned", "reject"): "rejected",
    ("draft", "withdraw"): "withdrawn",
    ("submitted", "withdraw"): "withdrawn",
    ("village_approved", "withdraw"): "withdrawn",
    ("township_approved", "withdraw"): "withdrawn",
    ("county_recommended", "withdraw"): "withdrawn",
    ("returned", "withdraw"): "withdrawn",
}

LOAN = {
    ("contracted", "disburse"): "disbursed",
    ("disbursed", "settle"): "settled",
    ("extended", "settle"): "settled",
    ("deferred", "settle"): "settled",
    ("disbursed", "close_by_renewal"): "renewed",
    ("extended", "close_by_renewal"): "renewed",
    ("deferred", "close_by_renewal"): "renewed",
    ("disbursed", "extend"): "extended",
    ("deferred", "extend"): "extended",  # an extension after an epidemic deferral
    ("disbursed", "defer"): "deferred",
    ("extended", "defer"): "deferred",  # extended loans qualify for the deferral too (000 §二)
}


def table(model):
    return {(t.source, t.name): t.target for t in model._meta.get_field("state").get_all_transitions(model)}


def test_application_machine():
    assert table(Application) == APPLICATION


def test_loan_machine():
    assert table(Loan) == LOAN


def test_returned_application_goes_back_only_to_the_level_it_was_returned_to():
    from django_fsm import can_proceed

    app = Application(state="returned", returned_to="township")
    assert can_proceed(app.township_approve)
    assert not can_proceed(app.village_approve) and not can_proceed(app.county_recommend) and not can_proceed(app.submit)

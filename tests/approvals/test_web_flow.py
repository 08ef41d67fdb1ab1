"""The review chain through the HTML pages, with four different users, as they would click it."""
import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.approvals.models import Application, State
from apps.loans.models import LoanState


@pytest.fixture
def current(chain):
    chain["household"].rated_on = timezone.localdate() - dt.timedelta(days=30)
    chain["household"].save()
    return chain


def act(client, user, app, action, **extra):
    client.force_login(user)
    app.refresh_from_db()
    r = client.post(reverse("approvals:act", args=[app.pk]), {"action": action, "expected_state": app.state, "comment": "同意", **extra})
    assert r.status_code == 302
    page = client.get(r["Location"])
    assert page.status_code == 200
    return page.content.decode()


@pytest.mark.django_db
def test_village_to_disbursement_through_the_pages(client, current):
    chain = current
    household = chain["household"]
    client.force_login(chain["secretary"])
    form = client.get(reverse("approvals:create") + f"?household={household.pk}")
    assert form.status_code == 200
    r = client.post(reverse("approvals:create") + f"?household={household.pk}", {
        "borrower": household.members.get(relation="head").pk, "amount": "30000", "term_months": "24", "purpose": "breeding",
        "project": "养殖肉牛 5 头", "bank": chain["bank"].pk, "submit_now": "on"})
    assert r.status_code == 302, r.content.decode()[:2000]
    app = Application.objects.get()
    assert app.state == State.SUBMITTED
    act(client, chain["secretary"], app, "village_approve")
    app.refresh_from_db()
    assert app.state == State.VILLAGE_APPROVED
    # The township officer sees the queue and can only give an opinion; the leader signs.
    client.force_login(chain["township_officer"])
    queue = client.get(reverse("approvals:queue")).content.decode()
    assert household.head_name in queue
    act(client, chain["township_officer"], app, "opinion")
    act(client, chain["township_leader"], app, "township_approve")
    act(client, chain["county_head"], app, "county_recommend")
    body = act(client, chain["banker"], app, "bank_approve", amount="30000", term_months="24", contract_no="PX-WEB-1",
               receipt_no="JJ-WEB-1", signed_on=timezone.localdate().isoformat())
    app.refresh_from_db()
    assert app.state == State.BANK_APPROVED and app.loan.contract_no == "PX-WEB-1"
    for name in (chain["secretary"].display_name, chain["township_leader"].display_name, chain["county_head"].display_name):
        assert name in body  # the timeline shows every signer
    client.force_login(chain["banker"])
    r = client.post(reverse("loans:act", args=[app.loan.pk, "disburse"]), {"disbursed_on": timezone.localdate().isoformat()})
    assert r.status_code == 302
    app.loan.refresh_from_db()
    assert app.loan.state == LoanState.DISBURSED
    page = client.get(reverse("loans:detail", args=[app.loan.pk])).content.decode()
    assert "PX-WEB-1" in page and 'data-testid="schedule"' in page


@pytest.mark.django_db
def test_a_refused_action_shows_the_reason_and_changes_nothing(client, current):
    chain = current
    from decimal import Decimal

    from apps.approvals import services

    app = services.application_create(chain["secretary"], household=chain["household"], amount=Decimal("20000"), term_months=12,
                                      purpose="planting", project="种植", submit=True)
    client.force_login(chain["accountant"])
    r = client.post(reverse("approvals:act", args=[app.pk]), {"action": "village_approve", "expected_state": app.state}, follow=True)
    assert "签字" in r.content.decode() or "signer" in r.content.decode()
    app.refresh_from_db()
    assert app.state == State.SUBMITTED


@pytest.mark.django_db
def test_forbidden_purpose_on_the_form(client, current):
    chain = current
    client.force_login(chain["secretary"])
    household = chain["household"]
    r = client.post(reverse("approvals:create") + f"?household={household.pk}", {
        "borrower": household.members.get(relation="head").pk, "amount": "60000", "term_months": "24", "purpose": "breeding",
        "project": "养猪", "bank": chain["bank"].pk, "submit_now": "on"})
    assert r.status_code == 200
    assert not Application.objects.exists()

"""Two signers acting on the same application at the same instant: exactly one succeeds."""
import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from apps.accounts.roles import Role
from apps.approvals import services
from apps.approvals.models import Application, ReviewDecision, State
from apps.core.errors import DomainError
from apps.regions.models import Level
from tests.factories import UserFactory

from .conftest import TODAY


@pytest.mark.django_db(transaction=True)
def test_two_county_heads_approve_at_once(chain):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (SQLite serialises writers anyway)")
    app = services.application_create(chain["secretary"], household=chain["household"], amount=Decimal("20000"),
                                      term_months=24, purpose="breeding", project="养猪", today=TODAY, submit=True)
    app = services.application_approve(chain["secretary"], app, today=TODAY)
    app = services.application_approve(chain["township_leader"], app, today=TODAY)
    heads = [chain["county_head"], UserFactory(role=Role.COUNTY_HEAD, region=chain["tree"]["a"][Level.COUNTY])]
    barrier = threading.Barrier(2)
    results = []

    def act(user):
        try:
            barrier.wait()
            services.application_approve(user, Application(pk=app.pk), comment="同意", today=TODAY,
                                         expected_state=State.TOWNSHIP_APPROVED)
            results.append("ok")
        except DomainError as exc:
            results.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=act, args=(u,)) for u in heads]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(results) == ["application_changed", "ok"]
    assert Application.objects.get(pk=app.pk).state == State.COUNTY_RECOMMENDED
    assert ReviewDecision.objects.filter(application=app, level="county").count() == 1

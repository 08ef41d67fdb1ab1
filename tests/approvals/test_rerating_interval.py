"""Eligibility reads the county's re-rating interval (CountyPolicy.rerating_months) for the day of the decision."""
import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from apps.approvals import services
from apps.approvals.models import State
from apps.core.dates import add_months
from apps.core.errors import DomainError
from apps.core.messages import message
from apps.regions.models import CountyPolicy, Level

from .test_review_chain import new_app, walk_to


@pytest.mark.django_db
def test_a_county_that_rerates_every_24_months_accepts_a_13_month_old_rating(chain):
    app = walk_to(chain, new_app(chain), State.VILLAGE_APPROVED)  # household rated 2024-01-10
    CountyPolicy.objects.create(county=chain["tree"]["a"][Level.COUNTY], effective_on=dt.date(2024, 1, 1), rerating_months=24)
    app = services.application_approve(chain["township_leader"], app, today=dt.date(2025, 2, 10))
    assert app.state == State.TOWNSHIP_APPROVED
    # ...until the 24 months have passed.
    with pytest.raises(DomainError) as exc:
        services.application_approve(chain["county_head"], app, today=dt.date(2026, 1, 10))
    assert exc.value.code == "credit_rating_expired"


@pytest.mark.django_db
def test_the_interval_in_force_on_the_day_counts(chain):
    """The county shortens its interval to 6 months from 2024-07-01: a January rating expires in July."""
    county = chain["tree"]["a"][Level.COUNTY]
    CountyPolicy.objects.create(county=county, effective_on=dt.date(2024, 7, 1), rerating_months=6)
    app = walk_to(chain, new_app(chain), State.VILLAGE_APPROVED)
    assert services.eligibility_violations(app, dt.date(2024, 6, 30)) == []
    assert services.eligibility_violations(app, dt.date(2024, 7, 10)) == ["credit_rating_expired"]


@pytest.mark.django_db
def test_application_page_lists_the_expiry_by_the_countys_interval(client, chain):
    app = walk_to(chain, new_app(chain), State.VILLAGE_APPROVED)
    household = chain["household"]
    client.force_login(chain["county_officer"])
    url = reverse("approvals:detail", args=[app.pk])
    today = timezone.localdate()
    household.rated_on = add_months(today, -12) - dt.timedelta(days=1)  # 12 months and a day
    household.save()
    expired = escape(message("credit_rating_expired"))
    assert expired in client.get(url).content.decode()
    CountyPolicy.objects.create(county=chain["tree"]["a"][Level.COUNTY], effective_on=dt.date(2020, 1, 1), rerating_months=24)
    assert expired not in client.get(url).content.decode()

"""The credit scorecard in /admin/: a county administrator sees and edits their own county's items only."""
from decimal import Decimal

import pytest
from django.urls import reverse

from apps.households.models import ScorecardItem
from apps.regions.models import Level
from tests.admin_helpers import county_admin, form_data


@pytest.mark.django_db
def test_county_admin_sees_and_edits_their_own_scorecard_only(client, tree):
    own = ScorecardItem.objects.create(county=tree["a"][Level.COUNTY], code="income", name="收入", max_points=Decimal("20"))
    other = ScorecardItem.objects.create(county=tree["b"][Level.COUNTY], code="income", name="收入", max_points=Decimal("20"))
    client.force_login(county_admin(tree["a"][Level.COUNTY]))
    r = client.get(reverse("admin:households_scorecarditem_changelist"))
    assert list(r.context["cl"].queryset) == [own]
    change_other = reverse("admin:households_scorecarditem_change", args=[other.pk])
    assert client.get(change_other).status_code == 302  # as if it did not exist
    client.post(change_other, {"county": other.county_id, "code": "income", "name": "改", "max_points": "99", "order": 0})
    other.refresh_from_db()
    assert other.max_points == Decimal("20")

    # Neither a new item nor a moved one may land in another county.
    add = reverse("admin:households_scorecarditem_add")
    r = client.post(add, {"county": tree["b"][Level.COUNTY].pk, "code": "debt", "name": "负债", "max_points": "10", "order": 1, "active": "on"})
    assert r.status_code == 200 and "county" in r.context["adminform"].form.errors
    change_own = reverse("admin:households_scorecarditem_change", args=[own.pk])
    form = client.get(change_own).context["adminform"].form
    r = client.post(change_own, form_data(form, county=tree["b"][Level.COUNTY].pk))
    assert r.status_code == 200 and "county" in r.context["adminform"].form.errors
    own.refresh_from_db()
    assert own.county == tree["a"][Level.COUNTY]
    assert ScorecardItem.objects.count() == 2

    r = client.post(add, {"county": tree["a"][Level.COUNTY].pk, "code": "debt", "name": "负债", "max_points": "10", "order": 1, "active": "on"})
    assert r.status_code == 302 and ScorecardItem.objects.filter(county=tree["a"][Level.COUNTY]).count() == 2

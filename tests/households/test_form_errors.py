"""The household form reports rule violations on their fields in the user's words, never as Django's
"constraint … is violated" (the CHECK constraints stay as the database's guard)."""
import re

import pytest
from django.urls import reverse

from apps.households.models import Household
from apps.regions.models import Level


@pytest.mark.django_db
def test_bad_id_phone_and_labour_are_field_errors(client, tree, county_officer):
    client.force_login(county_officer)
    data = {"village": tree["a"][Level.VILLAGE].pk, "head_name": "张三", "head_id_number": "51092119850304123X",
            "status": "registered_poor", "national_no": "", "phone": "123", "address": "", "size": 2, "labour_count": 3,
            "annual_income": "", "industry": "",
            "m-TOTAL_FORMS": 0, "m-INITIAL_FORMS": 0, "m-MIN_NUM_FORMS": 0, "m-MAX_NUM_FORMS": 1000}
    page = client.post(reverse("households:create"), data).content.decode()
    errors = dict(re.findall(r'id="id_(\w+)_error" data-testid="field-error"><div>([^<]+)</div>', page))
    assert set(errors) == {"head_id_number", "phone", "labour_count"}
    assert "校验码" in errors["head_id_number"] and "劳动力人数" in errors["labour_count"]
    assert "约束" not in page and "constraint" not in page.lower()
    assert not Household.objects.exists()

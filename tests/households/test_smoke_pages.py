import pytest
from django.urls import reverse

from apps.regions.models import Level
from tests.factories import HouseholdFactory


@pytest.mark.django_db
def test_register_list_search_and_detail(client, county_officer, tree):
    h = HouseholdFactory(village=tree["a"][Level.VILLAGE], head_name="张三丰")
    HouseholdFactory(village=tree["a"][Level.VILLAGE], head_name="李四")
    client.force_login(county_officer)
    page = client.get(reverse("households:list"), {"q": "张"})
    assert page.status_code == 200
    body = page.content.decode()
    assert "张三丰" in body and "李四" not in body
    detail = client.get(reverse("households:detail", args=[h.pk]))
    assert detail.status_code == 200 and h.head_id_number in detail.content.decode()

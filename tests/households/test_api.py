import datetime as dt

import pytest
from rest_framework.test import APIClient

from apps.accounts.models import ApiToken
from apps.core.messages import message
from apps.households.models import Household
from apps.regions.models import Level
from tests.factories import HouseholdFactory, valid_id


@pytest.fixture
def api():
    return APIClient()


@pytest.mark.django_db
def test_list_is_scoped_and_filtered(api, county_officer, tree):
    mine = HouseholdFactory(village=tree["a"][Level.VILLAGE], head_name="张三")
    HouseholdFactory(village=tree["a2"][Level.VILLAGE], head_name="张四", status="marginal")
    HouseholdFactory(village=tree["b"][Level.VILLAGE], head_name="张五")
    api.force_authenticate(county_officer)
    body = api.get("/api/v1/households/").json()
    assert body["count"] == 2
    assert {r["head_name"] for r in api.get("/api/v1/households/", {"q": "张"}).json()["results"]} == {"张三", "张四"}
    assert [r["id"] for r in api.get("/api/v1/households/", {"village": tree["a"][Level.TOWNSHIP].prefix}).json()["results"]] == [mine.pk]
    assert [r["head_name"] for r in api.get("/api/v1/households/", {"status": "marginal"}).json()["results"]] == ["张四"]
    assert api.get("/api/v1/households/", {"q": mine.head_id_number}).json()["count"] == 1


@pytest.mark.django_db
def test_create_with_members_via_token(api, tree):
    from tests.factories import UserFactory

    clerk = UserFactory(role="township_officer", region=tree["a"][Level.TOWNSHIP])
    _, key = ApiToken.issue(clerk, "test")
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    payload = {"village": tree["a"][Level.VILLAGE].code, "head_name": "赵六", "head_id_number": valid_id().lower(),
               "status": "lifted_out", "size": 2, "labour_count": 1,
               "members": [{"name": "钱七", "id_number": valid_id(born=dt.date(1985, 5, 5)), "relation": "spouse"}]}
    r = api.post("/api/v1/households/", payload, format="json")
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["head_id_number"] == payload["head_id_number"].upper()
    assert [m["name"] for m in body["members"]] == ["钱七"]


@pytest.mark.django_db
def test_bad_input_answers_400_with_code_chinese_detail_and_fields_and_changes_nothing(api, county_officer, tree):
    api.force_authenticate(county_officer)
    payload = {"village": tree["a"][Level.VILLAGE].code, "head_name": "坏号", "head_id_number": "11010519491231002" + "1",
               "status": "registered_poor"}
    r = api.post("/api/v1/households/", payload, format="json")
    assert r.status_code == 400
    body = r.json()
    assert body["code"] == "id_number_bad_check_digit"
    assert body["detail"] == message("id_number_bad_check_digit")
    assert body["fields"]["head_id_number"][0]["code"] == "id_number_bad_check_digit"
    assert not Household.objects.exists()


@pytest.mark.django_db
def test_unknown_status_is_a_field_error(api, county_officer, tree):
    api.force_authenticate(county_officer)
    r = api.post("/api/v1/households/", {"village": tree["a"][Level.VILLAGE].code, "head_name": "x",
                                          "head_id_number": valid_id(), "status": "rich"}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "validation_error" and "status" in r.json()["fields"]


@pytest.mark.django_db
def test_patch_updates_and_bank_user_cannot_write(api, county_officer, bank_officer, tree):
    h = HouseholdFactory(village=tree["a"][Level.VILLAGE])
    api.force_authenticate(county_officer)
    r = api.patch(f"/api/v1/households/{h.pk}/", {"phone": "13800001111"}, format="json")
    assert r.status_code == 200 and r.json()["phone"] == "13800001111"
    api.force_authenticate(bank_officer)
    assert api.get(f"/api/v1/households/{h.pk}/").status_code == 200
    r = api.patch(f"/api/v1/households/{h.pk}/", {"phone": "13800002222"}, format="json")
    assert r.status_code == 403 and r.json()["code"] == "permission_denied"


@pytest.mark.django_db
def test_schema_and_offline_docs(client, county_officer):
    client.force_login(county_officer)
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"/api/v1/households/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200 and b"/static/drf_spectacular_sidecar/swagger-ui-dist/" in docs.content


@pytest.mark.django_db
def test_other_county_gets_404_in_the_error_format(api, other_county_officer, tree):
    h = HouseholdFactory(village=tree["a"][Level.VILLAGE])
    api.force_authenticate(other_county_officer)
    r = api.get(f"/api/v1/households/{h.pk}/")
    assert r.status_code == 404
    assert r.json() == {"code": "not_found", "detail": message("not_found"), "fields": {}}


@pytest.mark.django_db
def test_delete_is_not_offered(api, county_officer, tree):
    h = HouseholdFactory(village=tree["a"][Level.VILLAGE])
    api.force_authenticate(county_officer)
    r = api.delete(f"/api/v1/households/{h.pk}/")
    assert r.status_code == 405 and r.json()["code"] == "method_not_allowed"
    assert Household.objects.filter(pk=h.pk).exists()

"""The register's HTML list filters by township and village (dependent selects), inside the user's scope."""
import pytest
from django.urls import reverse

from apps.regions.models import Level
from tests.factories import HouseholdFactory, UserFactory, region_tree


@pytest.fixture
def places(tree):
    """蓬溪县赤城镇 with two villages (新桥村, 高峰村), 常乐镇 with one, and 旬阳县 in another province."""
    a = tree["a"]
    second = region_tree(village="202", names=("四川省", "遂宁市", "蓬溪县", "赤城镇", "高峰村"))[Level.VILLAGE]
    return {
        "township": a[Level.TOWNSHIP], "xinqiao": a[Level.VILLAGE], "gaofeng": second,
        "changle": tree["a2"][Level.VILLAGE], "other_county": tree["b"][Level.VILLAGE],
        "households": {
            "xinqiao": HouseholdFactory(village=a[Level.VILLAGE], head_name="新桥户"),
            "gaofeng": HouseholdFactory(village=second, head_name="高峰户"),
            "changle": HouseholdFactory(village=tree["a2"][Level.VILLAGE], head_name="常乐户"),
            "other_county": HouseholdFactory(village=tree["b"][Level.VILLAGE], head_name="旬阳户"),
        },
    }


def names(response) -> set[str]:
    return {h.head_name for h in response.context["households"]}


@pytest.mark.django_db
def test_village_filter_narrows_the_township(client, county_officer, places):
    client.force_login(county_officer)
    url = reverse("households:list")
    assert names(client.get(url)) == {"新桥户", "高峰户", "常乐户"}
    assert names(client.get(url, {"township": places["township"].prefix})) == {"新桥户", "高峰户"}
    r = client.get(url, {"township": places["township"].prefix, "village": places["gaofeng"].code})
    assert names(r) == {"高峰户"}
    body = r.content.decode()
    assert f'<option value="{places["gaofeng"].code}" selected>高峰村</option>' in body
    # The village select offers the chosen township's villages only.
    assert [v.name for v in r.context["villages"]] == ["新桥村", "高峰村"]
    assert "常乐村" not in body.split('data-testid="village-select"')[1].split("</select>")[0]


@pytest.mark.django_db
def test_a_village_alone_brings_its_township_and_a_stale_village_is_dropped(client, county_officer, places):
    client.force_login(county_officer)
    url = reverse("households:list")
    r = client.get(url, {"village": places["gaofeng"].code})
    assert names(r) == {"高峰户"} and r.context["filters"]["township"] == places["township"].prefix
    # The township was changed without reloading the villages: the old village no longer applies.
    r = client.get(url, {"township": places["changle"].code[:9], "village": places["gaofeng"].code})
    assert names(r) == {"常乐户"} and r.context["filters"]["village"] == ""
    # Older links put the township's 9-digit prefix in `village`.
    assert names(client.get(url, {"village": places["township"].prefix})) == {"新桥户", "高峰户"}


@pytest.mark.django_db
def test_out_of_scope_village_is_ignored_and_reveals_nothing(client, county_officer, village_member, places):
    client.force_login(county_officer)
    url = reverse("households:list")
    r = client.get(url, {"village": places["other_county"].code})
    assert "旬阳户" not in r.content.decode() and names(r) == {"新桥户", "高峰户", "常乐户"}
    assert r.context["filters"]["village"] == "" and r.context["filters"]["township"] == ""
    assert "东门村" not in r.content.decode()
    # A village group sees its own village whatever it asks for.
    client.force_login(village_member)
    r = client.get(url, {"village": places["gaofeng"].code})
    assert names(r) == {"新桥户"}
    assert [t.name for t in r.context["townships"]] == ["赤城镇"]
    assert [v.name for v in r.context["villages"]] == ["新桥村"]


@pytest.mark.django_db
def test_export_follows_the_same_place_filter(client, county_officer, places):
    from tests.households.test_export import read

    client.force_login(county_officer)
    _, rows = read(client.get(reverse("households:export"), {"township": places["township"].prefix,
                                                             "village": places["gaofeng"].code}))
    assert len(rows) == 1 and "高峰户" in rows[0]


@pytest.mark.django_db
def test_htmx_reloads_the_village_select_for_a_township(client, county_officer, places, tree):
    client.force_login(county_officer)
    url = reverse("households:list")
    r = client.get(url, {"partial": "villages", "township": places["changle"].code[:9]}, HTTP_HX_REQUEST="true")
    body = r.content.decode()
    assert r.status_code == 200 and body.lstrip().startswith("<select") and 'id="village"' in body
    assert "常乐村" in body and "新桥村" not in body
    # No township: a county has too many villages for one list.
    body = client.get(url, {"partial": "villages"}).content.decode()
    assert "disabled" in body and "<option value=\"5" not in body
    # Another county's township: nothing offered.
    body = client.get(url, {"partial": "villages", "township": tree["b"][Level.TOWNSHIP].prefix}).content.decode()
    assert "东门村" not in body
    # The page wires the township select to that partial.
    page = client.get(url).content.decode()
    assert 'hx-get="/households/"' in page and '"partial": "villages"' in page and 'hx-target="#village"' in page


@pytest.mark.django_db
def test_township_officer_gets_the_village_list_without_choosing(client, places):
    officer = UserFactory(role="township_officer", region=places["township"])
    client.force_login(officer)
    r = client.get(reverse("households:list"))
    assert [v.name for v in r.context["villages"]] == ["新桥村", "高峰村"]
    assert names(client.get(reverse("households:list"), {"village": places["xinqiao"].code})) == {"新桥户"}

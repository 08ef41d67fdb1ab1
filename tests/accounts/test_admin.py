"""Users, lending banks and the login log in /admin/: a county administrator acts inside their area only, cannot
hand out Django's staff flag, groups or permissions, nor a role above their own, and cannot take over accounts
that hold more than they do."""
import datetime as dt

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from apps.accounts.admin import PRIVILEGE_FIELDS
from apps.accounts.models import Bank, CountyBank, LoginAttempt, User
from apps.accounts.roles import Role
from apps.regions.models import Level
from tests.admin_helpers import county_admin, form_data, superuser
from tests.factories import UserFactory

PASSWORD = "pw-Secret-123"
ADD_USER = "admin:accounts_user_add"


def _change(user):
    return reverse("admin:accounts_user_change", args=[user.pk])


def _new_user(client, region, role=Role.COUNTY_OFFICER, **extra):
    return client.post(reverse(ADD_USER), {"username": "newbie", "usable_password": "true", "password1": "Xx-secret-2026",
                                           "password2": "Xx-secret-2026", "real_name": "新用户", "role": role,
                                           "region": region.pk, **extra})


@pytest.fixture
def pengxi_admin(tree):
    return county_admin(tree["a"][Level.COUNTY])


@pytest.mark.django_db
def test_county_admin_cannot_make_anyone_staff_or_give_groups_or_permissions(client, tree, pengxi_admin, county_officer):
    client.force_login(pengxi_admin)
    form = client.get(_change(county_officer)).context["adminform"].form
    assert not set(PRIVILEGE_FIELDS) & set(form.fields)
    group = Group.objects.get(name="县级系统管理员")
    perm = Permission.objects.get(codename="delete_household")
    r = client.post(_change(county_officer), form_data(form, is_staff="on", is_superuser="on", groups=[group.pk],
                                                        user_permissions=[perm.pk], real_name="改名"))
    assert r.status_code == 302
    county_officer.refresh_from_db()
    assert county_officer.real_name == "改名"
    assert not county_officer.is_staff and not county_officer.is_superuser
    assert not county_officer.groups.exists() and not county_officer.user_permissions.exists()

    client.force_login(superuser())
    form = client.get(_change(county_officer)).context["adminform"].form
    assert set(PRIVILEGE_FIELDS) <= set(form.fields)


@pytest.mark.django_db
def test_county_admin_creates_users_inside_their_area_only(client, tree, pengxi_admin):
    client.force_login(pengxi_admin)
    r = _new_user(client, tree["b"][Level.COUNTY])
    assert r.status_code == 200 and "region" in r.context["adminform"].form.errors
    r = _new_user(client, tree["a"][Level.PREFECTURE])  # above the county
    assert r.status_code == 200 and "region" in r.context["adminform"].form.errors
    assert not User.objects.filter(username="newbie").exists()
    r = _new_user(client, tree["a"][Level.TOWNSHIP], is_staff="on", is_superuser="on")
    assert r.status_code == 302
    new = User.objects.get(username="newbie")
    assert new.region == tree["a"][Level.TOWNSHIP] and not new.is_staff and not new.is_superuser


@pytest.mark.django_db
def test_no_role_above_ones_own(client, tree):
    # A staff county officer allowed to manage users (not a system administrator).
    clerk = county_admin(tree["a"][Level.COUNTY], role=Role.COUNTY_OFFICER)
    sysadmin = UserFactory(role=Role.SYSADMIN, region=tree["a"][Level.TOWNSHIP])
    client.force_login(clerk)
    r = _new_user(client, tree["a"][Level.TOWNSHIP], role=Role.SYSADMIN)
    assert r.status_code == 200 and "role" in r.context["adminform"].form.errors
    assert not User.objects.filter(username="newbie").exists()
    officer = UserFactory(role=Role.TOWNSHIP_OFFICER, region=tree["a"][Level.TOWNSHIP])
    form = client.get(_change(officer)).context["adminform"].form
    r = client.post(_change(officer), form_data(form, role=Role.SYSADMIN))
    assert r.status_code == 200 and "role" in r.context["adminform"].form.errors
    officer.refresh_from_db()
    assert officer.role == Role.TOWNSHIP_OFFICER
    # An account with a higher role is read-only for them (no password reset, no edits).
    assert client.post(_change(sysadmin), {"username": "taken", "role": Role.SYSADMIN}).status_code == 403
    password_url = reverse("admin:auth_user_password_change", args=[sysadmin.pk])
    assert client.post(password_url, {"password1": "Xx-secret-2026", "password2": "Xx-secret-2026"}).status_code == 403
    sysadmin.refresh_from_db()
    assert sysadmin.check_password(PASSWORD)


@pytest.mark.django_db
def test_superusers_and_better_privileged_accounts_are_out_of_reach(client, tree, pengxi_admin):
    boss = superuser(region=tree["a"][Level.COUNTY])
    powerful = UserFactory(role=Role.COUNTY_OFFICER, region=tree["a"][Level.COUNTY], is_staff=True)
    powerful.user_permissions.add(Permission.objects.get(codename="delete_household"))
    client.force_login(pengxi_admin)
    listed = set(client.get(reverse("admin:accounts_user_changelist")).context["cl"].queryset)
    assert boss not in listed and powerful in listed
    assert client.get(_change(boss)).status_code == 302  # as if it did not exist
    assert client.post(_change(powerful), {"username": "x"}).status_code == 403
    password_url = reverse("admin:auth_user_password_change", args=[powerful.pk])
    assert client.post(password_url, {"password1": "Xx-secret-2026", "password2": "Xx-secret-2026"}).status_code == 403
    powerful.refresh_from_db()
    assert powerful.check_password(PASSWORD)


@pytest.mark.django_db
def test_county_banks_are_scoped_to_the_admins_county(client, tree, pengxi_admin):
    bank = Bank.objects.create(name="某农商行")
    own = CountyBank.objects.create(county=tree["a"][Level.COUNTY], bank=bank)
    other = CountyBank.objects.create(county=tree["b"][Level.COUNTY], bank=bank)
    client.force_login(pengxi_admin)
    assert list(client.get(reverse("admin:accounts_countybank_changelist")).context["cl"].queryset) == [own]
    change_other = reverse("admin:accounts_countybank_change", args=[other.pk])
    assert client.get(change_other).status_code == 302
    client.post(change_other, {"county": other.county_id, "bank": bank.pk, "main_townships": [tree["b"][Level.TOWNSHIP].pk]})
    assert not other.main_townships.exists()
    change_own = reverse("admin:accounts_countybank_change", args=[own.pk])
    for township in (tree["b"][Level.TOWNSHIP],):  # another county's township
        r = client.post(change_own, {"county": own.county_id, "bank": bank.pk, "main_townships": [township.pk]})
        assert r.status_code == 200 and "main_townships" in r.context["adminform"].form.errors
    r = client.post(change_own, {"county": tree["b"][Level.COUNTY].pk, "bank": bank.pk})
    assert r.status_code == 200 and "county" in r.context["adminform"].form.errors
    r = client.post(change_own, {"county": own.county_id, "bank": bank.pk, "main_townships": [tree["a2"][Level.TOWNSHIP].pk]})
    assert r.status_code == 302
    assert list(own.main_townships.all()) == [tree["a2"][Level.TOWNSHIP]]


@pytest.mark.django_db
def test_the_login_log_shows_a_county_admin_only_attempts_on_accounts_in_their_area(client, tree, pengxi_admin, county_officer,
                                                                                  other_county_officer):
    boss = superuser(region=tree["a"][Level.COUNTY])
    at = dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC)
    for name in (county_officer.username, other_county_officer.username, "no-such-user", boss.username,
                 county_officer.username.upper()):  # typed in capitals: the lock counts it, so the log shows it
        LoginAttempt.objects.create(username=name, ip="10.1.2.3", succeeded=False, at=at)
    client.force_login(pengxi_admin)
    seen = client.get(reverse("admin:accounts_loginattempt_changelist")).context["cl"].queryset
    assert sorted(a.username for a in seen) == sorted([county_officer.username, county_officer.username.upper()])
    client.force_login(superuser())
    seen = client.get(reverse("admin:accounts_loginattempt_changelist")).context["cl"].queryset
    assert len(seen) == 5


@pytest.mark.django_db
def test_county_admin_adds_branches_in_their_area_only(client, tree, pengxi_admin):
    from apps.accounts.models import BankBranch

    bank = Bank.objects.create(name="某农商行")
    client.force_login(pengxi_admin)
    add = reverse("admin:accounts_bankbranch_add")
    r = client.post(add, {"bank": bank.pk, "name": "常乐网点", "region": tree["a2"][Level.TOWNSHIP].pk})
    assert r.status_code == 302 and BankBranch.objects.get(name="常乐网点").bank == bank
    r = client.post(add, {"bank": bank.pk, "name": "城关网点", "region": tree["b"][Level.TOWNSHIP].pk})
    assert r.status_code in (200, 403) and not BankBranch.objects.filter(name="城关网点").exists()
    other = BankBranch.objects.create(bank=bank, name="旬阳网点", region=tree["b"][Level.TOWNSHIP])
    assert list(client.get(reverse("admin:accounts_bankbranch_changelist")).context["cl"].queryset) == \
        [BankBranch.objects.get(name="常乐网点")]
    assert client.get(reverse("admin:accounts_bankbranch_change", args=[other.pk])).status_code == 302


@pytest.mark.django_db
def test_delete_selected_cannot_remove_a_better_privileged_account(client, tree):
    admin_user = county_admin(tree["a"][Level.COUNTY], extra_perms=["accounts.delete_user"])
    powerful = UserFactory(role=Role.COUNTY_OFFICER, region=tree["a"][Level.COUNTY], is_staff=True)
    powerful.user_permissions.add(Permission.objects.get(codename="delete_household"))
    plain = UserFactory(role=Role.COUNTY_OFFICER, region=tree["a"][Level.COUNTY])
    client.force_login(admin_user)
    changelist = reverse("admin:accounts_user_changelist")
    r = client.post(changelist, {"action": "delete_selected", "_selected_action": [powerful.pk, plain.pk], "post": "yes"})
    assert r.status_code == 403
    assert User.objects.filter(pk__in=[powerful.pk, plain.pk]).count() == 2
    client.post(changelist, {"action": "delete_selected", "_selected_action": [plain.pk], "post": "yes"})
    assert not User.objects.filter(pk=plain.pk).exists()

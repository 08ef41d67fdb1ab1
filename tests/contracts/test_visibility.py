"""Tenant and bank isolation over EVERY route (DESIGN §4).

Every URL pattern and API route must be listed in ROUTES. Object routes are requested by a user of
another county and by a bank officer of another bank, with GET and POST (and PUT/PATCH/DELETE for API
routes), and must answer 404; the owner's side must not be 404. Collection routes must not show the
other county's data. Adding a route without listing it here fails `test_every_route_is_covered`."""
import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver

from apps.accounts.models import ApiToken
from apps.accounts.roles import Role
from apps.approvals.models import Application, ReviewBatch, ReviewDecision
from apps.households.models import ImportJob
from apps.loans.models import Loan, PublicNotice, TermChange
from apps.postloan.models import BulletinRow, CollectionNotice, Finding, Inspection, InspectionSchedule, Withdrawal
from apps.regions.models import Level
from tests.factories import HouseholdFactory, UserFactory, bank_user, scorecard

# Routes served by Django or third parties with no tenant data of ours.
IGNORED_PREFIXES = ("admin:", "set_language", "api-schema", "api-docs", "api-redoc")
PUBLIC = {"accounts:login", "accounts:logout"}


def _household(env):
    return env["household"]


def _job(env):
    return env["job"]


def _token(env):
    return env["token"]


# name → (kind, object getter or marker getter, role of the users who try it)
ROUTES = {
    "home": ("collection", lambda env: env["household"].head_id_number, Role.COUNTY_OFFICER),
    "households:list": ("collection", lambda env: env["household"].head_id_number, Role.COUNTY_OFFICER),
    "households:create": ("collection", lambda env: env["household"].village.name, Role.COUNTY_OFFICER),
    "households:export": ("collection", lambda env: env["household"].head_id_number, Role.COUNTY_OFFICER),
    "households:import": ("collection", lambda env: env["job"].original_name, Role.COUNTY_OFFICER),
    "households:import-template": ("collection", lambda env: env["household"].head_id_number, Role.COUNTY_OFFICER),
    "households:detail": ("object", _household, Role.COUNTY_OFFICER),
    "households:edit": ("object", _household, Role.COUNTY_OFFICER),
    "households:rate": ("object", _household, Role.COUNTY_OFFICER),
    "households:import-detail": ("object", _job, Role.COUNTY_OFFICER),
    "households:import-commit": ("object", _job, Role.COUNTY_OFFICER),
    # County-wide settings: every user of the county may read them, so only another county is an outsider.
    "regions:policy": ("collection", lambda env: env["county_a"].name, Role.COUNTY_OFFICER, {"only": "county"}),
    "accounts:tokens": ("collection", lambda env: env["token"].prefix, Role.SYSADMIN),
    "accounts:token-revoke": ("object", _token, Role.SYSADMIN),
    "household-list": ("collection", lambda env: env["household"].head_id_number, Role.COUNTY_OFFICER),
    "application-list": ("collection", lambda env: env["household"].head_id_number, Role.BANK_OFFICER),
    "application-detail": ("object", lambda env: env["application"], Role.BANK_OFFICER),
    "application-approve": ("object", lambda env: env["application"], Role.BANK_OFFICER),
    "application-reject": ("object", lambda env: env["application"], Role.BANK_OFFICER),
    "application-send-back": ("object", lambda env: env["application"], Role.BANK_OFFICER),
    "loan-list": ("collection", lambda env: env["loan"].contract_no, Role.BANK_OFFICER),
    "loan-detail": ("object", lambda env: env["loan"], Role.BANK_OFFICER),
    "loan-disburse": ("object", lambda env: env["loan"], Role.BANK_OFFICER),
    "loan-repayments": ("object", lambda env: env["loan"], Role.BANK_OFFICER),
    "loan-extension-requests": ("object", lambda env: env["loan"], Role.BANK_OFFICER),
    "loan-deferral-requests": ("object", lambda env: env["loan"], Role.BANK_OFFICER),
    "loan-renew": ("object", lambda env: env["loan"], Role.BANK_OFFICER),
    "term-change-decide": ("object", lambda env: env["term_change"], Role.BANK_OFFICER),
    "approvals:queue": ("collection", lambda env: env["household"].head_name, Role.BANK_OFFICER),
    "approvals:batch-approve": ("collection", lambda env: env["household"].head_name, Role.BANK_OFFICER),
    "approvals:list": ("collection", lambda env: env["household"].head_name, Role.BANK_OFFICER),
    "approvals:create": ("object", _household, Role.VILLAGE_MEMBER, {"query": "household"}),
    "approvals:detail": ("object", lambda env: env["application"], Role.BANK_OFFICER),
    "approvals:act": ("object", lambda env: env["application"], Role.BANK_OFFICER),
    "approvals:loan-renew": ("object", lambda env: env["loan"], Role.BANK_OFFICER),
    "approvals:application-pdf": ("object", lambda env: env["application"], Role.BANK_OFFICER),
    "approvals:batch-pdf": ("object", lambda env: env["batch"], Role.COUNTY_OFFICER),
    "approvals:batch-xlsx": ("object", lambda env: env["batch"], Role.COUNTY_OFFICER),
    "loans:notice-pdf": ("object", lambda env: env["notice"], Role.COUNTY_OFFICER),
    "loans:list": ("collection", lambda env: env["loan"].contract_no, Role.BANK_OFFICER),
    "loans:detail": ("object", lambda env: env["loan"], Role.BANK_OFFICER),
    "loans:act": ("object", lambda env: env["loan"], Role.BANK_OFFICER, {"kwargs": {"action": "term-change"}}),
    "loans:term-change-decide": ("object", lambda env: env["term_change"], Role.BANK_OFFICER),
    "loans:notices": ("collection", lambda env: env["notice"].village_name, Role.COUNTY_OFFICER),
    "loans:notice-publish": ("collection", lambda env: env["notice"].village_name, Role.COUNTY_OFFICER),
    "loans:notice-detail": ("object", lambda env: env["notice"], Role.COUNTY_OFFICER),
    "household-detail": ("object", _household, Role.COUNTY_OFFICER),
    "api-me": ("collection", lambda env: env["county_a"].code, Role.COUNTY_OFFICER),
    "postloan:tasks": ("collection", lambda env: env["loan"].contract_no, Role.VILLAGE_MEMBER),
    "postloan:inspections": ("collection", lambda env: env["loan"].contract_no, Role.COUNTY_OFFICER),
    "postloan:inspection-detail": ("object", lambda env: env["inspection"], Role.COUNTY_OFFICER),
    "postloan:photo": ("object", lambda env: env["photo"], Role.COUNTY_OFFICER),
    "postloan:inspect": ("object", lambda env: env["loan"], Role.VILLAGE_MEMBER),
    "postloan:withdrawal-new": ("object", lambda env: env["loan"], Role.BANK_OFFICER),
    "postloan:collection-log": ("object", lambda env: env["loan"], Role.COUNTY_OFFICER),
    "postloan:finding-detail": ("object", lambda env: env["finding"], Role.COUNTY_OFFICER),
    "postloan:finding-step": ("object", lambda env: env["finding"], Role.COUNTY_OFFICER),
    "postloan:withdrawals": ("collection", lambda env: env["loan"].contract_no, Role.BANK_OFFICER),
    "postloan:withdrawal-detail": ("object", lambda env: env["withdrawal"], Role.BANK_OFFICER),
    "postloan:notices": ("collection", lambda env: env["loan"].contract_no, Role.VILLAGE_MEMBER),
    "postloan:notice-receipt": ("object", lambda env: env["collection_notice"], Role.VILLAGE_MEMBER),
    "postloan:bulletin": ("collection", lambda env: env["bulletin_row"].label, Role.COUNTY_OFFICER),
    "postloan:notifications": ("collection", lambda env: env["notification"].title, Role.COUNTY_OFFICER),
    "postloan:notifications-count": ("collection", lambda env: env["loan"].contract_no, Role.COUNTY_OFFICER),
    "postloan:inspection-pdf": ("object", lambda env: env["inspection"], Role.COUNTY_OFFICER),
    "postloan:notice-pdf": ("object", lambda env: env["collection_notice"], Role.VILLAGE_MEMBER),
    "postloan:bulletin-pdf": ("collection", lambda env: env["bulletin_row"].label, Role.COUNTY_OFFICER),
    "loan-withdrawals": ("object", lambda env: env["loan"], Role.BANK_OFFICER),
    "withdrawal-list": ("collection", lambda env: env["withdrawal"].external_id, Role.BANK_OFFICER),
    "withdrawal-detail": ("object", lambda env: env["withdrawal"], Role.BANK_OFFICER),
    "withdrawal-follow-up": ("object", lambda env: env["withdrawal"], Role.BANK_OFFICER),
    "collection-notice-list": ("collection", lambda env: env["loan"].contract_no, Role.BANK_OFFICER),
    "collection-notice-detail": ("object", lambda env: env["collection_notice"], Role.BANK_OFFICER),
    "collection-notice-receipt": ("object", lambda env: env["collection_notice"], Role.BANK_OFFICER),
}


def _walk(patterns, ns=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            sub = f"{ns}{p.namespace}:" if p.namespace else ns
            yield from _walk(p.url_patterns, sub)
        elif isinstance(p, URLPattern) and p.name:
            yield f"{ns}{p.name}", p


def all_routes():
    seen = {}
    for name, pattern in _walk(get_resolver().url_patterns):
        if name.startswith(IGNORED_PREFIXES) or name in PUBLIC:
            continue
        seen[name] = pattern
    return seen


def test_every_route_is_covered():
    missing = sorted(set(all_routes()) - set(ROUTES))
    assert not missing, f"routes without an isolation contract: {missing}"
    stale = sorted(set(ROUTES) - set(all_routes()))
    assert not stale, f"contract lists routes that no longer exist: {stale}"


@pytest.fixture
def env(tree):
    county_a, township_a, village_a = tree["a"][Level.COUNTY], tree["a"][Level.TOWNSHIP], tree["a"][Level.VILLAGE]
    household = HouseholdFactory(village=village_a)
    scorecard(county_a)
    owner = UserFactory(role=Role.COUNTY_OFFICER, region=county_a)
    bank_a = bank_user(township_a)
    token, _ = ApiToken.issue(bank_a, "core banking")
    bank_a_obj = bank_a.bank
    application = Application.objects.create(
        household=household, borrower=household.members.get(relation="head"), bank=bank_a_obj, amount=Decimal("20000"),
        term_months=12, purpose="planting", project="种植", applied_on=dt.date(2024, 6, 3), state="county_recommended",
        region_code=household.region_code, created_by=owner)
    loan = Loan.objects.create(
        household=household, borrower=household.members.get(relation="head"), bank=bank_a_obj, region_code=household.region_code,
        contract_no="PX-SECRET-7", receipt_no="J7", signed_on=dt.date(2024, 6, 3), principal=Decimal("10000"), term_months=12,
        annual_rate=Decimal("3.45"), purpose="planting", maturity_on=dt.date(2025, 6, 3), original_maturity_on=dt.date(2025, 6, 3),
        disburse_by=dt.date(2024, 6, 12), disbursed_on=dt.date(2024, 6, 4), state="disbursed")
    term_change = TermChange.objects.create(loan=loan, region_code=loan.region_code, kind="extension", months=3,
                                            new_maturity_on=dt.date(2025, 9, 3), old_maturity_on=loan.maturity_on, reason="因灾",
                                            requested_by=bank_a)
    batch = ReviewBatch.objects.create(level="county", region_code=county_a.code, created_by=owner)
    application.batch = batch
    application.save()
    ReviewDecision.objects.create(application=application, region_code=application.region_code, level="county", decision="recommend",
                                  actor=owner, role=owner.role, signer_name="组长", batch=batch)
    notice = PublicNotice.objects.create(region_code=household.region_code, village_name="蓬溪县赤城镇新桥村（内部）",
                                         published_on=dt.date(2024, 6, 7), ends_on=dt.date(2024, 6, 14), hotline="0825-1",
                                         created_by=owner)
    job = ImportJob.objects.create(region_code=county_a.code, original_name="蓬溪名单-内部.xlsx", created_by=owner,
                                   state=ImportJob.State.READY, file=ContentFile(b"x", name="a.xlsx"))
    # Post-loan objects of the same loan.
    InspectionSchedule.objects.create(loan=loan, region_code=loan.region_code, next_due_on=dt.date(2024, 7, 4))
    withdrawal = Withdrawal.objects.create(loan=loan, region_code=loan.region_code, withdrawn_on=dt.date(2024, 6, 5), amount=Decimal("12000"),
                                           external_id="W-SECRET-1", needs_follow_up=True, follow_up="pending", recorded_by=bank_a)
    inspection = Inspection.objects.create(loan=loan, region_code=loan.region_code, due_on=dt.date(2024, 7, 4), done_on=dt.date(2024, 7, 1),
                                           actual_use="购牛", use_matches=False, production_status="存栏 5 头", inspectors="张书记",
                                           problem_found=True, recorded_by=owner)
    photo = inspection.photos.create(image=ContentFile(b"\xff\xd8\xff\xe0secret", name="p.jpg"))
    finding = Finding.objects.create(inspection=inspection, loan=loan, region_code=loan.region_code, category="wrong_use", description="挪用")
    collection_notice = CollectionNotice.objects.create(loan=loan, region_code=loan.region_code, kind="due", maturity_on=loan.maturity_on,
                                                        issued_on=dt.date(2025, 5, 4))
    bulletin_row = BulletinRow.objects.create(day=dt.date(2024, 6, 5), county_code=county_a.code, group="county", key=county_a.code,
                                              label="蓬溪县（通报内部）", region_code=county_a.code, loans=1, balance=Decimal("10000"))
    notification = owner.notifications.create(dedupe_key="contract", title="大额支取 PX-SECRET-7 内部")
    return {
        "tree": tree, "county_a": county_a, "household": household, "job": job, "token": token,
        "application": application, "batch": batch, "loan": loan, "term_change": term_change, "notice": notice,
        "withdrawal": withdrawal, "inspection": inspection, "photo": photo, "finding": finding, "collection_notice": collection_notice,
        "bulletin_row": bulletin_row, "notification": notification,
        "owners": {Role.COUNTY_OFFICER: owner, Role.SYSADMIN: UserFactory(role=Role.SYSADMIN, region=county_a),
                   Role.BANK_OFFICER: bank_a, Role.VILLAGE_MEMBER: UserFactory(role=Role.VILLAGE_MEMBER, region=village_a)},
        "others": {
            Role.COUNTY_OFFICER: UserFactory(role=Role.COUNTY_OFFICER, region=tree["b"][Level.COUNTY]),
            Role.SYSADMIN: UserFactory(role=Role.SYSADMIN, region=tree["b"][Level.COUNTY]),
            Role.BANK_OFFICER: bank_user(tree["b"][Level.COUNTY]),
            Role.VILLAGE_MEMBER: UserFactory(role=Role.VILLAGE_MEMBER, region=tree["b"][Level.VILLAGE]),
        },
        # A bank officer of another bank, serving the other township of the same county.
        "other_bank": bank_user(tree["a2"][Level.TOWNSHIP]),
    }


def _url(name, pattern, obj=None, fixed=None):
    from django.urls import reverse

    fixed = fixed or {}
    kwargs = {k: fixed.get(k, obj.pk) for k in pattern.pattern.regex.groupindex} if obj is not None else {}
    return reverse(name, kwargs=kwargs)


def _call(client, method, url, api):
    fn = getattr(client, method)
    if api and method in ("post", "put", "patch"):
        return fn(url, data={}, content_type="application/json")
    return fn(url)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(ROUTES))
def test_route_isolation(client, env, name):
    kind, getter, role, *rest = ROUTES[name]
    options = rest[0] if rest else {}
    pattern = all_routes()[name]
    api = ".api." in pattern.lookup_str
    outsiders = [env["others"][role]] + ([] if options.get("only") == "county" else [env["other_bank"]])
    if kind == "object":
        obj = getter(env)
        if "query" in options:
            url = _url(name, pattern) + f"?{options['query']}={obj.pk}"
        else:
            url = _url(name, pattern, obj, options.get("kwargs", {}))
        methods = ["get", "post", "put", "patch", "delete"] if api else ["get", "post"]
        for user in outsiders:
            client.force_login(user)
            for method in methods:
                response = _call(client, method, url, api)
                # 405 is decided by the method before any lookup, so it reveals nothing about the object.
                assert response.status_code in (404, 405), f"{user.role} {method.upper()} {url} → {response.status_code}"
        client.force_login(env["owners"][role])
        assert any(_call(client, m, url, api).status_code not in (404, 405) for m in methods), f"owner cannot reach {url}"
    else:
        marker = str(getter(env))
        url = _url(name, pattern)
        for user in outsiders:
            client.force_login(user)
            response = client.get(url)
            # 404 here means "nothing of yours to show", which reveals nothing either.
            assert response.status_code in (200, 302, 403, 404, 405), f"{url} → {response.status_code}"
            body = b"".join(response.streaming_content) if response.streaming else response.content
            assert marker.encode() not in body, f"{user.role} sees {marker!r} at {url}"
        client.force_login(env["owners"][role])
        assert client.get(url).status_code in (200, 302, 405), f"owner cannot reach {url}"

"""Tenant and bank isolation over EVERY route (DESIGN §4).

Every URL pattern and API route must be named and listed in ROUTES (unnamed patterns outside the admin fail
`test_every_route_is_named`). Each route is tried by the outsiders of its role:

- a user of another county;
- a bank officer of another bank in another township of the same county;
- a bank officer of another bank in the SAME county (same scope region): only the bank routing (`bank_lookup`,
  apps/core/scoping.py) stands between them and the other bank's rows.

Object routes answer the outsiders 404 on GET and on POST with a real payload (PUT/PATCH/DELETE too for API
routes; 405 is decided by the method before any lookup), and the database is unchanged afterwards; the owner's
side must not be 404. Collection routes do not show the outsiders the owner's data, and POSTs to them that name
the owner's objects change nothing.

Rows that are not routed to one bank — the household register, the public notice (公示) — are visible to every
bank of their county ("Bank users additionally see only rows routed to their bank"): the routes that show them to
the same-county officer of another bank are listed in SAME_COUNTY_OTHER_BANK_SEES, each with why, and
`test_same_county_other_bank_sees_only_what_no_bank_owns` proves they do. Any other route, including a new one,
must hide the owner's data from that officer. (The daily bulletin is not listed: a bank sees only its own bank's
rows of it.)"""
import datetime as dt
import io
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver

from apps.accounts.models import ApiToken, LoginAttempt
from apps.accounts.roles import Role
from apps.approvals.models import Application, ReviewBatch, ReviewDecision
from apps.households.models import ImportJob
from apps.loans.models import Loan, PublicNotice, TermChange
from apps.postloan.models import BulletinRow, CollectionNotice, Finding, Inspection, InspectionSchedule, Withdrawal
from apps.regions.models import Level
from tests.factories import HouseholdFactory, UserFactory, bank_user, scorecard

# Routes served by Django or third parties with no tenant data of ours.
IGNORED_PREFIXES = ("admin:", "set_language", "api-schema", "api-docs", "api-redoc")
# csp-report: browsers post CSP violation reports there without a session; it only writes a log line.
PUBLIC = {"accounts:login", "accounts:logout", "csp-report"}


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


def _walk(patterns, ns="", route=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            sub = f"{ns}{p.namespace}:" if p.namespace else ns
            yield from _walk(p.url_patterns, sub, route + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield (f"{ns}{p.name}" if p.name else None), p, route + str(p.pattern)


def _ignored(name: str | None, ns_route: str) -> bool:
    return (name or "").startswith(IGNORED_PREFIXES) or name in PUBLIC or ns_route.startswith("admin/")


def unnamed_routes() -> list[str]:
    """Patterns without a name cannot be listed in ROUTES (nor reversed by this test): none may exist outside the admin."""
    return sorted(route for name, _, route in _walk(get_resolver().url_patterns) if name is None and not _ignored(name, route))


def all_routes():
    seen = {}
    for name, pattern, route in _walk(get_resolver().url_patterns):
        if name is None or _ignored(name, route):
            continue
        seen[name] = pattern
    return seen


def test_every_route_is_named():
    assert not unnamed_routes(), f"URL patterns without a name escape the isolation contract; name them: {unnamed_routes()}"


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
        # A bank officer of another bank with the same scope region as the owner's bank: the county. Only the bank
        # routing of the rows keeps bank A's applications, loans and post-loan work from them.
        "same_county_bank": bank_user(county_a),
    }


# What an outsider POSTs (and PUTs/PATCHes to API routes): the payload the owner would send, so that a missing
# scope check would show as a change, not as a validation error. `{}` where the form is too large to be worth it.
_DAY = "2024-07-01"
POSTS = {
    "accounts:token-revoke": {},
    "households:edit": {"head_name": "改名", "phone": "13900000000"},
    "households:rate": {"comment": "越权评级"},
    "households:import-commit": {},
    "approvals:create": {"amount": "10000", "term_months": 12, "purpose": "planting", "project": "越权申请"},
    "approvals:act": {"action": "reject", "expected_state": "county_recommended", "comment": "越权驳回"},
    "approvals:loan-renew": {"term_months": 12, "contract_no": "R-OUT-1", "receipt_no": "RJ-OUT-1", "signed_on": _DAY},
    "loans:act": {"kind": "deferral", "new_maturity_on": "2025-12-03", "reason": "越权延期"},
    "loans:term-change-decide": {"approve": "0", "comment": "越权否决"},
    "postloan:inspect": {"done_on": _DAY, "actual_use": "越权检查", "use_matches": "1", "production_status": "正常", "inspectors": "外人"},
    "postloan:withdrawal-new": {"amount": "500.00", "withdrawn_on": "2024-06-06", "external_id": "W-OUT-1"},
    "postloan:collection-log": {"kind": "call", "happened_on": _DAY, "result": "越权催收"},
    "postloan:finding-step": {"action": "county_agree", "comment": "越权同意"},
    "postloan:withdrawal-detail": {"use_matches": "1", "result": "越权跟进"},
    "postloan:notice-receipt": {"signer": "外人", "signed_on": "2025-05-10"},
    "household-detail": {"phone": "13900000000", "address": "越权修改"},
    "application-approve": {"amount": "20000", "term_months": 12, "contract_no": "X-OUT-1", "receipt_no": "XJ-OUT-1", "signed_on": _DAY},
    "application-reject": {"comment": "越权驳回"},
    "application-send-back": {"comment": "越权退回"},
    "loan-disburse": {"disbursed_on": "2024-06-05"},
    "loan-repayments": {"paid_on": _DAY, "principal": "100.00", "interest": "0", "penalty": "0"},
    "loan-extension-requests": {"months": 3, "reason": "越权展期"},
    "loan-deferral-requests": {"new_maturity_on": "2025-12-03", "reason": "越权延期"},
    "loan-renew": {"term_months": 12, "contract_no": "R-OUT-2", "receipt_no": "RJ-OUT-2", "signed_on": _DAY},
    "term-change-decide": {"approve": False, "comment": "越权否决"},
    "loan-withdrawals": {"amount": "500.00", "withdrawn_on": "2024-06-06", "external_id": "W-OUT-2"},
    "withdrawal-follow-up": {"use_matches": True, "result": "越权跟进"},
    "collection-notice-receipt": {"signer": "外人", "signed_on": "2025-05-10"},
}

# Collection routes that take a POST naming objects: the outsiders' POST names the owner's objects and changes nothing.
COLLECTION_POSTS = {
    "approvals:batch-approve": lambda env: {"ids": [env["application"].pk], "comment": "越权批量"},
    "loans:notice-publish": lambda env: {"village": env["household"].village.code},
    "accounts:tokens": lambda env: {"user": env["owners"][Role.BANK_OFFICER].pk, "name": "越权令牌"},
    "postloan:notifications": lambda env: {"id": env["notification"].pk},
    "households:create": lambda env: {"village": env["household"].village.code, "head_name": "越权登记"},
}

# The method the owner writes with, where it is not POST.
OWNER_WRITE = {"household-detail": "patch"}

# The owner's POST with the payload above changes the database: the payload is real, so the outsiders' 404 on the
# same POST comes from the scope check, not from a validation error.
OWNER_POST_TAKES_EFFECT = {
    "accounts:token-revoke", "approvals:act", "loans:act", "loans:term-change-decide", "postloan:withdrawal-new",
    "postloan:collection-log", "postloan:withdrawal-detail", "postloan:notice-receipt", "household-detail",
    "application-reject", "application-send-back", "loan-repayments", "loan-deferral-requests", "term-change-decide",
    "loan-withdrawals", "withdrawal-follow-up", "collection-notice-receipt", "households:import-commit", "postloan:inspect",
}

# Routes that show the same-county officer of ANOTHER bank what the test's bank-A data include, on purpose: rows no
# bank owns. Object routes: the officer's GET is not 404 (403 where their role may look but not act). Collection
# routes: the owner's marker is in the page. Everything else must hide bank A's rows from them (404 / no marker).
SAME_COUNTY_OTHER_BANK_SEES = {
    "households:list": "the household register is the county's, not a bank's: every lending bank rates and serves it",
    "households:export": "the register export, same rows as households:list",
    "households:detail": "one household's file (一户一档), as in the register",
    "households:edit": "the household is visible; a bank officer may not edit it (403 after the scoped lookup)",
    "households:rate": "credit rating (评级授信) is done by any lending bank of the county",
    "household-list": "the register through the API, as households:list",
    "household-detail": "one household through the API; a bank officer may not change it (403 after the lookup)",
    "approvals:create": "the household is visible; only village members enter applications (403 after the lookup)",
    "loans:notices": "the public notice (公示) is posted in the village for everyone to read",
    "loans:notice-detail": "the public notice (公示)",
    "loans:notice-pdf": "the public notice (公示) as posted, IDs masked",
    "api-me": "the caller's own profile, whose scope region is this county",
}


def _url(name, pattern, obj=None, fixed=None):
    from django.urls import reverse

    fixed = fixed or {}
    kwargs = {k: fixed.get(k, obj.pk) for k in pattern.pattern.regex.groupindex} if obj is not None else {}
    return reverse(name, kwargs=kwargs)


def _call(client, method, url, api, data=None):
    fn = getattr(client, method)
    if method in ("post", "put", "patch"):
        if api:
            return fn(url, data=data or {}, content_type="application/json")
        return fn(url, data=data or {})
    return fn(url)


VOLATILE_FIELDS = {"last_login"}  # force_login writes it


def snapshot() -> dict:
    """Every row of the project's own tables (sessions and login attempts aside), to prove nothing changed."""
    rows = {}
    for model in django_apps.get_models():
        if not model.__module__.startswith("apps.") or model is LoginAttempt:
            continue
        rows[model._meta.label] = [{k: v for k, v in r.items() if k not in VOLATILE_FIELDS}
                                   for r in model.objects.order_by("pk").values()]
    return rows


def changes(before: dict, after: dict) -> list[str]:
    return [label for label in before if before[label] != after[label]]


def _route(env, name):
    kind, getter, role, *rest = ROUTES[name]
    options = rest[0] if rest else {}
    pattern = all_routes()[name]
    api = ".api." in pattern.lookup_str
    if kind == "object":
        obj = getter(env)
        if "query" in options:
            url = _url(name, pattern) + f"?{options['query']}={obj.pk}"
        else:
            url = _url(name, pattern, obj, options.get("kwargs", {}))
    else:
        url = _url(name, pattern)
    return kind, getter, role, options, url, api


def _body(response) -> bytes:
    """What a reader of the response sees: the text of a PDF or a workbook (compressed, they would hide any
    marker from a byte search), else the bytes."""
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    kind = response.get("Content-Type", "")
    if kind.startswith("application/pdf"):
        pdftotext = shutil.which("pdftotext")
        if pdftotext is None:
            pytest.skip("pdftotext (poppler-utils) is needed to read the PDF")
        return subprocess.run([pdftotext, "-enc", "UTF-8", "-", "-"], input=raw, capture_output=True, check=True).stdout
    if "spreadsheetml" in kind:
        import openpyxl

        wb = openpyxl.load_workbook(io.BytesIO(raw), read_only=True)
        return "\n".join(str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v is not None).encode()
    return raw


def _outsiders(env, name, role, options):
    users = [env["others"][role]]
    if options.get("only") != "county":
        users.append(env["other_bank"])
        if name not in SAME_COUNTY_OTHER_BANK_SEES:
            users.append(env["same_county_bank"])
    return users


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(ROUTES))
def test_route_isolation(client, env, name):
    kind, getter, role, options, url, api = _route(env, name)
    outsiders = _outsiders(env, name, role, options)
    before = snapshot()
    if kind == "object":
        methods = ["get", "post", "put", "patch", "delete"] if api else ["get", "post"]
        payload = POSTS.get(name, {})
        for user in outsiders:
            client.force_login(user)
            for method in methods:
                response = _call(client, method, url, api, payload)
                # 405 is decided by the method before any lookup, so it reveals nothing about the object.
                assert response.status_code in (404, 405), f"{user.username} ({user.role}) {method.upper()} {url} → {response.status_code}"
        assert not changes(before, snapshot()), f"outsiders changed {changes(before, snapshot())} through {url}"
        owner = env["owners"][role]
        client.force_login(owner)
        assert any(_call(client, m, url, api).status_code not in (404, 405) for m in methods if m != "post"
                   ) or name in POSTS, f"owner cannot reach {url}"
        if name in POSTS:
            start = snapshot()
            write = OWNER_WRITE.get(name, "post")
            response = _call(client, write, url, api, payload)
            assert response.status_code not in (404, 405), f"owner cannot {write.upper()} to {url}: {response.status_code}"
            if name in OWNER_POST_TAKES_EFFECT:
                assert changes(start, snapshot()), f"the owner's POST to {url} changed nothing: its payload proves nothing"
    else:
        marker = str(getter(env))
        for user in outsiders:
            client.force_login(user)
            response = client.get(url)
            # 404 here means "nothing of yours to show", which reveals nothing either.
            assert response.status_code in (200, 302, 403, 404, 405), f"{url} → {response.status_code}"
            assert marker.encode() not in _body(response), f"{user.username} ({user.role}) sees {marker!r} at {url}"
            if name in COLLECTION_POSTS:
                client.post(url, data=COLLECTION_POSTS[name](env))
        assert not changes(before, snapshot()), f"outsiders changed {changes(before, snapshot())} through {url}"
        client.force_login(env["owners"][role])
        assert client.get(url).status_code in (200, 302, 405), f"owner cannot reach {url}"


def test_every_payload_and_allowance_names_a_route():
    for table in (POSTS, COLLECTION_POSTS, SAME_COUNTY_OTHER_BANK_SEES):
        assert not set(table) - set(ROUTES), sorted(set(table) - set(ROUTES))
    assert OWNER_POST_TAKES_EFFECT <= set(POSTS)
    assert not {n for n in COLLECTION_POSTS if ROUTES[n][0] != "collection"}
    assert not {n for n in POSTS if ROUTES[n][0] != "object"}


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(SAME_COUNTY_OTHER_BANK_SEES))
def test_same_county_other_bank_sees_only_what_no_bank_owns(client, env, name):
    """The allow-list is exact: each listed route does show the other bank's officer of the same county the owner's
    (bank-less) data, and no listed object is routed to a bank."""
    kind, getter, role, options, url, api = _route(env, name)
    client.force_login(env["same_county_bank"])
    response = client.get(url)
    if kind == "object":
        obj = getter(env)
        assert getattr(type(obj), "bank_lookup", None) is None, f"{name} shows a {type(obj).__name__}, which is routed to a bank"
        assert response.status_code in (200, 403), f"{url} → {response.status_code}: not visible, drop it from the list"
    else:
        assert response.status_code == 200, f"{url} → {response.status_code}"
        assert str(getter(env)).encode() in _body(response), f"{url} hides the marker: drop {name} from the list"


@pytest.mark.django_db
def test_the_same_county_other_bank_shares_the_scope_region(env):
    """The isolation from `same_county_bank` comes from the bank routing alone: same scope, another bank."""
    other, owner = env["same_county_bank"], env["owners"][Role.BANK_OFFICER]
    assert other.scope_prefix == env["county_a"].code[:6] and env["household"].region_code.startswith(other.scope_prefix)
    assert other.bank_id != owner.bank_id
    assert Application.objects.visible_to(other).count() == 0 and Loan.objects.visible_to(other).count() == 0
    from apps.households.models import Household

    assert Household.objects.visible_to(other).filter(pk=env["household"].pk).exists()


def test_the_walker_finds_unnamed_patterns():
    from django.urls import include, path

    def view(request):
        return None

    patterns = [path("a/", view, name="a"), path("b/", include([path("c/<int:pk>/", view)])),
                path("admin/", include([path("x/", view)]))]
    found = [(name, route) for name, _, route in _walk(patterns)]
    assert ("a", "a/") in found and (None, "b/c/<int:pk>/") in found
    assert [r for n, _, r in _walk(patterns) if n is None and not _ignored(n, r)] == ["b/c/<int:pk>/"]

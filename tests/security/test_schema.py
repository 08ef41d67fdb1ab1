"""Issue 8, item 10: the OpenAPI document tells the truth. Nullable fields are nullable; every operation documents
the errors it can answer in the one error shape, with the catalogue's codes as an enum and each operation's business
refusals named; and the bodies of real responses — successes and refusals — validate against the document
(schemathesis's own response checks, against the WSGI app). .ci/schemathesis fuzzes the same document live."""
import datetime as dt
from decimal import Decimal

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from django.db import models
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework import serializers

from apps.accounts.models import ApiToken
from apps.approvals import services as approvals
from apps.approvals.api import serializers as approval_serializers
from apps.core.messages import MESSAGES
from apps.households.api import serializers as household_serializers
from apps.loans.api import serializers as loan_serializers
from apps.postloan.api import serializers as postloan_serializers
from tests.approvals.conftest import chain  # noqa: F401 - the same county, bank and users

SERIALIZER_MODULES = (approval_serializers, household_serializers, loan_serializers, postloan_serializers)


@pytest.fixture(scope="module")
def document():
    return SchemaGenerator().get_schema(request=None, public=True)


def operations(document):
    for path, item in document["paths"].items():
        for method, op in item.items():
            yield path, method.upper(), op


# --- nullability -------------------------------------------------------------------------------------------------

def _model_path_nullable(model, source_attrs) -> bool | None:
    """Whether any model field on the path of a serializer field's source can be null (None: not a model path)."""
    for attr in source_attrs:
        try:
            field = model._meta.get_field(attr)
        except Exception:
            return None
        if field.null:
            return True
        if not isinstance(field, models.ForeignKey | models.OneToOneField):
            return False
        model = field.related_model
    return False


def test_every_field_over_a_nullable_column_is_nullable():
    """Walk every ModelSerializer of the API: a field reading a column that may be NULL (directly or through a
    nullable relation) must say allow_null, or the schema declares a plain integer/string the API then breaks."""
    missing = []
    for module in SERIALIZER_MODULES:
        for name, cls in vars(module).items():
            if not (isinstance(cls, type) and issubclass(cls, serializers.ModelSerializer)) or cls.__module__ != module.__name__:
                continue
            for field_name, field in cls().fields.items():
                if field.write_only or isinstance(field, serializers.SerializerMethodField | serializers.ListSerializer):
                    continue
                if field.source == "*":
                    continue
                if _model_path_nullable(cls.Meta.model, field.source.split(".")) and not field.allow_null \
                        and getattr(field, "default", serializers.empty) is serializers.empty:
                    missing.append(f"{name}.{field_name}")
    assert missing == []


def test_the_reported_fields_are_nullable_in_the_document(document):
    props = document["components"]["schemas"]
    assert props["Application"]["properties"]["loan"].get("nullable") is True
    assert props["Loan"]["properties"]["renewed_from"].get("nullable") is True


# --- errors --------------------------------------------------------------------------------------------------------

def test_the_error_shape_is_one_component_with_the_catalogue_as_enum(document):
    schemas = document["components"]["schemas"]
    assert schemas["Error"]["required"] == ["code", "detail", "fields"]
    assert schemas["Error"]["properties"]["code"] == {"$ref": "#/components/schemas/ErrorCodeEnum"}
    assert set(schemas["ErrorCodeEnum"]["enum"]) == set(MESSAGES)


def test_every_operation_documents_its_error_statuses_with_the_error_shape(document):
    problems = []
    for path, method, op in operations(document):
        expected = {"401", "403", "404", "429"}
        has_body = method in ("POST", "PUT", "PATCH")
        if has_body or any(p["in"] == "query" for p in op.get("parameters", [])):
            expected.add("400")
        if has_body:
            expected |= {"413", "415"}
        if has_body and "/{id}/" in path and path.rstrip("/").rsplit("/", 1)[1] not in ("{id}", "withdrawals"):
            expected.add("409")  # every state-changing action on an object: review, loan, follow-up, receipt
        for status in sorted(expected):
            response = op["responses"].get(status)
            schema = (response or {}).get("content", {}).get("application/json", {}).get("schema")
            if schema != {"$ref": "#/components/schemas/Error"}:
                problems.append(f"{method} {path} {status}")
    assert problems == []


@pytest.mark.parametrize(("path", "status", "code"), [
    ("/api/v1/loans/{id}/deferral-requests/", "400", "deferral_not_later"),
    ("/api/v1/applications/{id}/approve/", "400", "contract_no_taken"),
    ("/api/v1/term-changes/{id}/decide/", "400", "comment_required"),
    ("/api/v1/loans/{id}/repayments/", "409", "idempotency_key_reused"),
    ("/api/v1/applications/{id}/reject/", "409", "application_changed"),
    ("/api/v1/applications/{id}/approve/", "403", "signer_required"),
])
def test_business_refusals_are_described_on_their_operation(document, path, status, code):
    assert f"`{code}`" in document["paths"][path]["post"]["responses"][status]["description"]


def test_page_size_is_a_whole_number_of_at_least_one(document):
    params = {p["name"]: p for p in document["paths"]["/api/v1/loans/"]["get"]["parameters"]}
    assert params["page_size"]["schema"] == {"type": "integer", "minimum": 1}


# --- real responses validate against the document ------------------------------------------------------------------

@pytest.fixture
def api(chain):  # noqa: F811
    """The schema as schemathesis loads it from the running WSGI app, and a caller with the bank officer's token."""
    chain["household"].rated_on = timezone.localdate() - dt.timedelta(days=10)
    chain["household"].save()
    _, key = ApiToken.issue(chain["banker"], "schema")
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())

    def call(method, path, *, token=key, **kwargs):
        template, _, values = path.partition("|")
        params = dict(zip(["id"], values.split(","), strict=False)) if values else {}
        if "body" in kwargs:
            kwargs["media_type"] = "application/json"
        case = schema[template][method].Case(path_parameters=params, headers={"Authorization": f"Token {token}"} if token else {},
                                             **kwargs)
        response = case.call()
        case.validate_response(response)  # status documented, content type, headers, body against its schema
        return response
    return call


@pytest.mark.django_db(transaction=True)
def test_real_responses_validate_against_the_schema(chain, api):  # noqa: F811
    today = timezone.localdate()
    app = approvals.application_create(chain["secretary"], household=chain["household"], amount=Decimal("30000"), term_months=24,
                                       purpose="planting", project="种植核桃 10 亩", today=today, submit=True)
    for who in ("secretary", "township_leader", "county_head"):
        app = approvals.application_approve(chain[who], app, today=today)

    assert api("GET", "/api/v1/me/").status_code == 200
    assert api("GET", "/api/v1/applications/", query={"state": "county_recommended"}).json()["count"] == 1
    assert api("GET", f"/api/v1/applications/{{id}}/|{app.pk}").json()["loan"] is None  # not yet signed: null
    assert api("GET", "/api/v1/me/", token=None).status_code == 401
    assert api("GET", "/api/v1/me/", token="not-a-token").status_code == 401
    assert api("GET", "/api/v1/loans/{id}/|999999").status_code == 404
    assert api("GET", "/api/v1/loans/", query={"page_size": "abc"}).status_code == 400
    assert api("POST", f"/api/v1/applications/{{id}}/reject/|{app.pk}", body={"comment": ""}).status_code == 400
    terms = {"amount": "30000.00", "term_months": 24, "contract_no": "PX-S-1", "receipt_no": "J-1", "signed_on": today.isoformat()}
    assert api("POST", f"/api/v1/applications/{{id}}/approve/|{app.pk}", body={**terms, "expected_state": "draft"},
               ).status_code == 409  # application_changed
    r = api("POST", f"/api/v1/applications/{{id}}/approve/|{app.pk}", body=terms)
    assert r.status_code == 200, r.json()
    loan = r.json()["loan"]
    detail = api("GET", f"/api/v1/loans/{{id}}/|{loan}").json()
    assert detail["renewed_from"] is None and detail["disbursed_on"] is None
    assert api("POST", f"/api/v1/loans/{{id}}/repayments/|{loan}", body={"paid_on": today.isoformat(), "interest": "1"}
               ).status_code == 409  # not disbursed yet: loan_not_active
    assert api("POST", f"/api/v1/loans/{{id}}/disburse/|{loan}", body={"disbursed_on": today.isoformat()}).status_code == 200
    assert api("POST", f"/api/v1/loans/{{id}}/repayments/|{loan}", body={"paid_on": today.isoformat(), "interest": "1.00"}
               ).status_code == 201
    assert api("POST", f"/api/v1/loans/{{id}}/deferral-requests/|{loan}",
               body={"new_maturity_on": today.isoformat(), "reason": "疫情"}).status_code == 400  # deferral_not_later
    change = api("POST", f"/api/v1/loans/{{id}}/extension-requests/|{loan}", body={"months": 6, "reason": "受灾"}).json()
    r = api("POST", f"/api/v1/term-changes/{{id}}/decide/|{change['id']}", body={"approve": False})
    assert r.status_code == 400 and r.json()["code"] == "comment_required"
    assert api("POST", f"/api/v1/loans/{{id}}/withdrawals/|{loan}", body={
        "amount": "500.00", "withdrawn_on": today.isoformat(), "external_id": "T-1"}).status_code == 201
    assert api("GET", "/api/v1/withdrawals/").status_code == 200
    assert api("GET", "/api/v1/collection-notices/", query={"unsigned": "true"}).status_code == 200
    assert api("GET", "/api/v1/households/").status_code == 200

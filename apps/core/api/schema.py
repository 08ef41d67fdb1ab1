"""The OpenAPI document's errors, in one place: the `Error` component is the shape `errors.exception_handler` writes
(`code` an enum of the whole catalogue in `apps/core/messages.py`), and `AutoSchema` (settings
REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]) adds to every operation the error statuses it can answer, so a view names only
its business refusals, through `refusals(...)`. tests/security/test_schema.py holds the document to the truth, and
`.ci/schemathesis` holds the running API to the document."""
from django.utils.functional import lazy
from drf_spectacular import openapi
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import OpenApiResponse

from ..messages import MESSAGES, message

BODY_METHODS = ("POST", "PUT", "PATCH")

# Why each status can happen; the business refusals of an operation are appended by `refusals`.
STATUS_TEXT = {
    400: "请求无效：参数、查询条件或请求体不符合要求（validation_error，fields 指明字段），或业务规则不满足",
    401: "未认证：缺少、无效或已吊销的令牌（not_authenticated / authentication_failed / token_invalid）",
    403: "无权限：角色、能力或审批层级不符（permission_denied / not_your_level / signer_required）",
    404: "不存在，或不在调用者的可见范围（他县、他行的对象同样是 404）；列表的页码超出范围也是 404",
    409: "状态冲突：对象的状态已变化或不允许此操作",
    413: "请求体过大",
    415: "不支持的 Content-Type（接受 application/json、表单）",
    429: "请求过于频繁（throttled），按 Retry-After 秒后重试",
}
HEADERS = {
    401: {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "Token"}},
    429: {"Retry-After": {"schema": {"type": "integer"}, "description": "秒"}},
}
# The error codes DRF itself can answer with (errors._DRF_CODES and the defaults), all in the catalogue too.
ERROR_CODES = sorted(MESSAGES)

ERROR_REF = {"$ref": "#/components/schemas/Error"}
_COMPONENTS = {
    "ErrorCodeEnum": {"type": "string", "enum": ERROR_CODES,
                      "description": "稳定的机器可读错误码，即 apps/core/messages.py 的目录"},
    "FieldError": {"type": "object", "required": ["code", "detail"], "properties": {
        "code": {"type": "string", "description": "目录中的错误码，或 DRF 的校验码（required、invalid、max_length…）"},
        "detail": {"type": "string"}}},
    "Error": {"type": "object", "required": ["code", "detail", "fields"], "properties": {
        "code": {"$ref": "#/components/schemas/ErrorCodeEnum"},
        "detail": {"type": "string", "description": "中文说明"},
        "fields": {"type": "object", "additionalProperties": {"type": "array", "items": {"$ref": "#/components/schemas/FieldError"}},
                   "description": "按字段的错误：{字段: [{code, detail}]}；无字段错误时为空对象"}}},
}


def _describe(status: int, codes) -> str:
    lines = [STATUS_TEXT[status]] + [f"- `{code}`：{message(code)}" for code in codes]
    return "\n".join(lines)


_lazy_describe = lazy(_describe, str)


def refusals(*, invalid=(), forbidden=(), conflict=()) -> dict:
    """The business refusals of one operation, for `extend_schema(responses={200: X, **refusals(...)})`: each status
    documented with the error shape and the codes the operation's service can answer (described in the caller's
    language when the schema is rendered). `conflict` also declares that the operation can answer 409."""
    out = {}
    for status, codes in ((400, invalid), (403, forbidden), (409, conflict)):
        unknown = set(codes) - set(MESSAGES)
        assert not unknown, f"codes not in the catalogue: {unknown}"
        if codes:
            out[status] = OpenApiResponse(response=ERROR_REF, description=_lazy_describe(status, tuple(codes)))
    return out


class AutoSchema(openapi.AutoSchema):
    """Every operation documents the errors it can answer, in the one shape: 401, 403, 404 and 429 everywhere; 400
    where a query string or a body is read; 413 and 415 where a body is; 409 where the view declares conflicts."""

    def _error_statuses(self) -> list[int]:
        statuses = [401, 403, 404, 429]
        has_body = self.method in BODY_METHODS
        reads_query = bool(getattr(self.view, "filterset_class", None) or self._get_filter_parameters()
                           or self._get_pagination_parameters())
        if has_body or reads_query:
            statuses.append(400)
        if has_body:
            statuses += [413, 415]
        return statuses

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for name, schema in _COMPONENTS.items():
            self.registry.register_on_missing(ResolvedComponent(name, ResolvedComponent.SCHEMA, schema, name))
        for status in self._error_statuses():
            responses.setdefault(str(status), {"description": STATUS_TEXT[status],
                                               "content": {"application/json": {"schema": ERROR_REF}}})
        return responses

    def _resolve_path_parameters(self, variables):
        # Ids are matched by `[0-9]+` (apps.core.api.routers): say "a positive integer", not "a string of digits".
        parameters = super()._resolve_path_parameters(variables)
        for parameter in parameters:
            if parameter["schema"].get("pattern") == "^[0-9]+$":
                parameter["schema"] = {"type": "integer", "minimum": 1}
        return parameters

    def _get_response_headers_for_code(self, status_code, direction="response"):
        return {**super()._get_response_headers_for_code(status_code, direction), **HEADERS.get(int(status_code), {})}

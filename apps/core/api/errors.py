"""One error shape for every API failure: {"code": stable_code, "detail": 中文说明, "fields": {field: [{code, detail}]}}."""
from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_handler

from ..errors import DomainError
from ..messages import MESSAGES, message

_DRF_CODES = {
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.ParseError: "parse_error",
    exceptions.Throttled: "throttled",
    exceptions.ValidationError: "validation_error",
}


def _field_errors(detail) -> dict:
    """Flatten DRF's nested ErrorDetail structure into {field: [{code, detail}]}."""
    out: dict = {}

    def walk(prefix, value):
        if isinstance(value, dict):
            for key, sub in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), sub)
        elif isinstance(value, list):
            if value and all(isinstance(v, exceptions.ErrorDetail | str) for v in value):
                for v in value:
                    code = getattr(v, "code", "invalid")
                    text = message(code) if code in MESSAGES else str(v)
                    out.setdefault(prefix or "non_field_errors", []).append({"code": code, "detail": text})
            else:
                for idx, sub in enumerate(value):
                    walk(f"{prefix}.{idx}" if prefix else str(idx), sub)
        else:
            code = getattr(value, "code", "invalid")
            out.setdefault(prefix or "non_field_errors", []).append({"code": code, "detail": str(value)})

    walk("", detail)
    return out


def error_body(code: str, detail: str, fields: dict | None = None) -> dict:
    return {"code": code, "detail": detail, "fields": fields or {}}


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        fields = {
            k: [{"code": c, "detail": message(c)} for c in (v if isinstance(v, list | tuple) else [v])]
            for k, v in exc.fields.items()
        }
        return Response(error_body(exc.code, exc.detail, fields), status=exc.status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_handler(exc, context)
    if response is None:
        return None
    code = next((c for cls, c in _DRF_CODES.items() if isinstance(exc, cls)), None)
    if code is None:
        code = getattr(exc, "default_code", "error")
    fields = _field_errors(exc.detail) if isinstance(exc, exceptions.ValidationError) else {}
    if code == "authentication_failed" and getattr(exc, "detail", None) and exc.detail.code == "token_invalid":
        code = "token_invalid"
    response.data = error_body(code, message(code) if code in MESSAGES else str(exc.detail), fields)
    if response.status_code == status.HTTP_401_UNAUTHORIZED and "WWW-Authenticate" not in response:
        response["WWW-Authenticate"] = "Token"
    return response

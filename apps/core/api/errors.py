"""One error shape for every API failure: {"code": stable_code, "detail": 中文说明, "fields": {field: [{code, detail}]}}.

DRF views answer through `exception_handler` (settings REST_FRAMEWORK["EXCEPTION_HANDLER"]), unexpected exceptions
included (a JSON 500, logged with its traceback). What never reaches a DRF view — an unknown path under /api/, an
exception in a middleware — answers through `handler403` / `handler404` / `handler500` (microcredit/urls.py), which give the same
JSON under /api/ and Django's HTML pages (templates/404.html, 500.html) everywhere else."""
import sys

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.signals import got_request_exception
from django.http import Http404, JsonResponse
from django.utils.log import log_response
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_handler
from rest_framework.views import set_rollback

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
            k: [{"code": c, "detail": message(c, **exc.params)} for c in (v if isinstance(v, list | tuple) else [v])]
            for k, v in exc.fields.items()
        }
        return Response(error_body(exc.code, exc.detail, fields), status=exc.status)
    if isinstance(exc, RequestDataTooBig):  # a multipart body's fields over DATA_UPLOAD_MAX_MEMORY_SIZE
        return Response(error_body("request_too_large", message("request_too_large")), status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_handler(exc, context)
    if response is None:
        return _server_error(exc, context)
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


def _server_error(exc, context):
    """An exception DRF does not know: with DEBUG, re-raised (Django's technical page for the developer); else the
    JSON 500, logged like Django logs an uncaught exception (django.request, with the traceback) and announced by
    got_request_exception (error reporters and the test client listen to it). Nothing of the exception is shown."""
    if settings.DEBUG or settings.DEBUG_PROPAGATE_EXCEPTIONS:
        return None
    set_rollback()
    request = context.get("request")
    django_request = getattr(request, "_request", request)
    response = Response(error_body("server_error", message("server_error")), status=status.HTTP_500_INTERNAL_SERVER_ERROR)
    if sys.exc_info()[1] is exc:
        got_request_exception.send(sender=None, request=django_request)
    log_response("%s: %s", response.reason_phrase, getattr(django_request, "path", ""), response=response, request=django_request,
                 exception=exc)
    return response


API_PREFIX = "/api/"


def is_api_request(request) -> bool:
    return request.path_info.startswith(API_PREFIX)


def _json_error(code: str, status_code: int) -> JsonResponse:
    return JsonResponse(error_body(code, message(code)), status=status_code, json_dumps_params={"ensure_ascii": False})


def handler404(request, exception=None):
    """Django's 404 handler (no route matched, or Http404 outside DRF): the API error shape under /api/."""
    if is_api_request(request):
        return _json_error("not_found", status.HTTP_404_NOT_FOUND)
    return defaults.page_not_found(request, exception)


def handler403(request, exception=None):
    if is_api_request(request):
        return _json_error("permission_denied", status.HTTP_403_FORBIDDEN)
    return defaults.permission_denied(request, exception)


def handler500(request):
    """Django's 500 handler (an exception outside DRF's reach, DEBUG off): the API error shape under /api/."""
    if is_api_request(request):
        return _json_error("server_error", status.HTTP_500_INTERNAL_SERVER_ERROR)
    return defaults.server_error(request)

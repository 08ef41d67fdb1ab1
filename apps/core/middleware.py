from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import translation


class DefaultLanguageMiddleware:
    """Simplified Chinese unless the user chose another language (the language cookie set by the switch).
    The browser's Accept-Language is ignored on purpose: county tablets often ship with an English locale."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response


class RequestGuardMiddleware:
    """A backstop in front of every view, for what no form field or filter declares (those validate their own
    values, with a message next to the field):

    - a path or a query parameter *name* with control characters (NUL, ESC, …) is 400 — no view reads either
      through a validating field, and a NUL reaching PostgreSQL is a 500;
    - a body over DATA_UPLOAD_MAX_MEMORY_SIZE is 413 `request_too_large`: refused from its Content-Length before
      any view runs (DRF's parsers read the stream without Django's size check), and when Django's own check fires
      later (RequestDataTooBig: a multipart form's fields, a body without a length) instead of its generic 400.
    Under /api/ the answer has the API's error shape; elsewhere it is a page (templates/400.html, 413.html)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from .filters import CONTROL_CHARACTERS

        if CONTROL_CHARACTERS.search(request.path) or any(CONTROL_CHARACTERS.search(k) for k in request.GET):
            return refuse(request, "bad_request_characters", 400)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and not request.content_type.startswith("multipart/") and _content_length(request) > limit:
            return refuse(request, "request_too_large", 413)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, RequestDataTooBig):
            return refuse(request, "request_too_large", 413)
        return None


def _content_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def refuse(request, code: str, status: int):
    from .api.errors import error_body, is_api_request
    from .messages import message

    if is_api_request(request):
        return JsonResponse(error_body(code, message(code)), status=status, json_dumps_params={"ensure_ascii": False})
    return HttpResponse(render_to_string(f"{status}.html", request=request), status=status)

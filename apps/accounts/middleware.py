"""Failed API authentications counted per address. DRF checks permissions before throttles, so a request without
credentials or with a wrong token is refused 401 before its throttles count it: token guessing would never be
slowed down. This middleware counts every 401 of the API per address (an IPv4 address or an IPv6 /64, as the
login throttle does) in the cache and, once an address has API_AUTH_FAILURES_PER_IP within a minute, answers its
API requests 429 before any credential is looked at (so a lucky guess is not confirmed either)."""
import time

from django.conf import settings
from django.core.cache import cache
from django.http import JsonResponse

from apps.core.api.errors import error_body, is_api_request
from apps.core.messages import message

from .services import login_source
from .web.views import client_ip

WINDOW = 60  # seconds


def _keys(source: str, now: float) -> tuple[str, str]:
    minute = int(now // WINDOW)
    return f"api-auth-failures:{source}:{minute}", f"api-auth-failures:{source}:{minute - 1}"


def failures(source: str, now: float) -> float:
    """Failures in the last minute, sliding: this minute's count plus the share of the previous minute's that
    still lies within the last 60 seconds (a fixed window would let twice the limit through across its edge)."""
    current, previous = _keys(source, now)
    counts = cache.get_many([current, previous])
    elapsed = (now % WINDOW) / WINDOW
    return counts.get(current, 0) + counts.get(previous, 0) * (1 - elapsed)


def _count(source: str, now: float) -> None:
    key = _keys(source, now)[0]
    cache.add(key, 0, timeout=2 * WINDOW)
    try:
        cache.incr(key)  # atomic in Redis
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=2 * WINDOW)


class ApiAuthFailureThrottleMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.API_AUTH_FAILURES_PER_IP
        if not limit or not is_api_request(request):
            return self.get_response(request)
        source = login_source(client_ip(request))
        now = time.time()
        if failures(source, now) >= limit:
            response = JsonResponse(error_body("api_auth_throttled", message("api_auth_throttled")), status=429,
                                    json_dumps_params={"ensure_ascii": False})
            response["Retry-After"] = str(WINDOW - int(now % WINDOW))
            return response
        response = self.get_response(request)
        if response.status_code == 401:
            _count(source, now)
        return response

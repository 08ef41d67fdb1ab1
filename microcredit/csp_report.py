"""Where browsers send Content-Security-Policy violations (the policy's report-uri, settings.CONTENT_SECURITY_POLICY).

A violation is either a page of ours that still needs fixing or someone's injected markup being blocked: either way
it is worth a log line, and nothing more (no table, nothing a flood could fill). Browsers post without cookies or a
CSRF token, so the endpoint is public and CSRF-exempt; it is bounded instead: bodies above CSP_REPORT_MAX_BYTES are
refused unread (413), an address may send CSP_REPORT_RATE reports a minute (429 after that, not logged), and every
value is cut short, stripped of control characters (no forged log lines) and of query strings (search boxes hold ID
numbers, which have no place in a log)."""
import json
import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from apps.accounts.web.views import client_ip

logger = logging.getLogger("microcredit.csp")

# report-uri bodies ({"csp-report": {...}}, hyphenated keys) and Reporting API ones ([{"type": "csp-violation",
# "body": {...}}], camelCase keys): the field we log ← the names it has in either.
FIELDS = {
    "directive": ("effective-directive", "effectiveDirective", "violated-directive"),
    "blocked": ("blocked-uri", "blockedURL"),
    "document": ("document-uri", "documentURL"),
    "source": ("source-file", "sourceFile"),
    "line": ("line-number", "lineNumber"),
    "sample": ("script-sample", "sample"),
}
URL_FIELDS = {"blocked", "document", "source"}
MAX_REPORTS_PER_BODY = 10
MAX_VALUE = 200


def _clean(value, url: bool) -> str:
    text = str(value)
    if url:
        text = text.split("?", 1)[0].split("#", 1)[0]
    return "".join(c if c.isprintable() else "?" for c in text[:MAX_VALUE])


def _violations(data) -> list[dict]:
    if isinstance(data, dict) and isinstance(data.get("csp-report"), dict):
        return [data["csp-report"]]
    if isinstance(data, list):
        return [r["body"] for r in data if isinstance(r, dict) and r.get("type") == "csp-violation"
                and isinstance(r.get("body"), dict)]
    return []


def _within_rate(request) -> bool:
    window = int(time.time() // 60)
    key = f"csp-report:{client_ip(request) or 'unknown'}:{window}"
    cache.add(key, 0, timeout=120)
    try:
        return cache.incr(key) <= settings.CSP_REPORT_RATE
    except ValueError:  # expired between add and incr
        return True


@csrf_exempt
@require_POST
def csp_report(request):
    if not _within_rate(request):
        return HttpResponse(status=429)
    limit = settings.CSP_REPORT_MAX_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return HttpResponse(status=400)
    if declared > limit:
        return HttpResponse(status=413)
    raw = request.read(limit + 1)
    if len(raw) > limit:
        return HttpResponse(status=413)
    try:
        violations = _violations(json.loads(raw))
    except (ValueError, UnicodeDecodeError):
        return HttpResponse(status=400)
    if not violations:
        return HttpResponse(status=400)
    address = client_ip(request) or "unknown"
    for report in violations[:MAX_REPORTS_PER_BODY]:
        values = {}
        for field, names in FIELDS.items():
            found = next((report[n] for n in names if report.get(n) not in (None, "")), "")
            values[field] = _clean(found, field in URL_FIELDS)
        logger.warning("CSP violation: %s blocked %s on %s (%s:%s) sample=%r from %s", values["directive"],
                       values["blocked"], values["document"], values["source"], values["line"], values["sample"], address)
    return HttpResponse(status=204)

from .navigation import menu_for
from .roles import CAPABILITIES


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "caps": {}}
    caps = {cap.replace(".", "_"): user.can(cap) for cap in CAPABILITIES}
    return {"nav_items": menu_for(user, request.path), "caps": caps, "calendar_warning": _calendar_warning()}


def _calendar_warning() -> str:
    """Every page says so while the holiday calendar lacks this year, or next year within the coming weeks
    (deadlines of 5 and 7 working days counted in late December fall into it)."""
    import datetime as dt

    from django.utils import timezone

    from apps.regions.calendar import coverage_warning

    today = timezone.localdate()
    return coverage_warning(today, today + dt.timedelta(days=21))

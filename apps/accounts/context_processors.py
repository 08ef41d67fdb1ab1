from .navigation import menu_for
from .roles import CAPABILITIES


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "caps": {}}
    caps = {cap.replace(".", "_"): user.can(cap) for cap in CAPABILITIES}
    return {"nav_items": menu_for(user, request.path), "caps": caps}

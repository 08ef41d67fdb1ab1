from rest_framework import permissions


class CapabilityPermission(permissions.BasePermission):
    """Maps HTTP methods to capabilities declared on the view as `capabilities = {"GET": "x.view", ...}`.

    On routes that address one object only the read capability is checked before the lookup, and the
    method's own capability after it, so an object outside the caller's scope is always 404, never 403."""

    @staticmethod
    def _cap(view, method):
        caps = getattr(view, "capabilities", {})
        return caps.get("GET") if method in ("HEAD", "OPTIONS") else caps.get(method)

    def has_permission(self, request, view):
        lookup = getattr(view, "lookup_url_kwarg", None) or getattr(view, "lookup_field", "pk")
        method = "GET" if lookup in view.kwargs else request.method
        cap = self._cap(view, method)
        return bool(cap) and request.user.can(cap)

    def has_object_permission(self, request, view, obj):
        cap = self._cap(view, request.method)
        return bool(cap) and request.user.can(cap)

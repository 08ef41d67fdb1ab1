from rest_framework.routers import SimpleRouter


class Router(SimpleRouter):
    """DRF's router matches a detail route's id with `[^/.]+` and the lookup then int()s it, so `/loans/４/` found loan 4.
    Our ids are ASCII digits, as Django's own `<int:pk>` routes already require; a viewset may still declare its own
    `lookup_value_regex`."""

    def get_lookup_regex(self, viewset, lookup_prefix=""):
        if getattr(viewset, "lookup_value_regex", None) is None:
            viewset.lookup_value_regex = "[0-9]+"
        return super().get_lookup_regex(viewset, lookup_prefix)

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.pagination import PageNumberPagination

from apps.core.paging import CachedCountPaginator


class StandardPagination(PageNumberPagination):
    django_paginator_class = CachedCountPaginator
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    last_page_strings = ()  # the schema says integer: DRF's "page=last" would be an undocumented exception

    def get_page_size(self, request):
        """A page_size that is not a whole number ≥ 1 (ASCII digits) is a 400 naming the field, not silently the
        default: the schema says integer ≥ 1, and a client sending `page_size=abc` should learn it was ignored.
        Above the maximum it is capped, as documented."""
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
            raise exceptions.ValidationError({self.page_size_query_param: [exceptions.ErrorDetail(
                str(_("A whole number of at least 1.")), code="invalid")]})
        return min(int(raw), self.max_page_size)

    def paginate_queryset(self, queryset, request, view=None):
        # `page` as the schema says: a whole number ≥ 1; "1_0", "１" or "0" were read, or answered 404 as if the list
        # had no such page. A page past the end stays 404.
        raw = request.query_params.get(self.page_query_param)
        if raw is not None and (not (raw.isascii() and raw.isdigit()) or int(raw) < 1):
            raise exceptions.ValidationError({self.page_query_param: [exceptions.ErrorDetail(
                str(_("A whole number of at least 1.")), code="invalid")]})
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view):
        params = super().get_schema_operation_parameters(view)
        for p in params:
            p["schema"]["minimum"] = 1
            if p["name"] == self.page_size_query_param:
                p["description"] = f"每页条数，默认 {self.page_size}，超过 {self.max_page_size} 按 {self.max_page_size}"
        return params

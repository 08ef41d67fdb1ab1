from rest_framework.pagination import PageNumberPagination

from apps.core.paging import CachedCountPaginator


class StandardPagination(PageNumberPagination):
    django_paginator_class = CachedCountPaginator
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

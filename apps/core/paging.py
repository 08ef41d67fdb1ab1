"""Pagination shared by the HTML lists and the API.

At a million rows the page itself comes from an index in a few milliseconds, but COUNT(*) still visits every
row of the scope (100–250 ms). Counts of large scopes are therefore kept in the cache for a short while, so
paging through a province does not count it again on every page. Small scopes are always counted exactly.

Deep pages (OFFSET in the thousands) select the page's ids alone in a subquery, which an index can answer, and
join only those rows: a plain OFFSET drags every skipped row through the joins. (Sliced IN-subqueries work on
PostgreSQL and SQLite, the two databases this project runs on.)"""
import hashlib
import logging

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

log = logging.getLogger(__name__)


def _count_key(qs: QuerySet) -> str | None:
    try:
        sql, params = qs.query.sql_with_params()
    except EmptyResultSet:
        return None
    # The SQL holds the scope (region prefix, bank), so two tenants never share a key.
    return "list-count:" + hashlib.sha256(f"{qs.db}|{sql}|{params!r}".encode()).hexdigest()


class CachedCountPaginator(Paginator):
    deferred_join_from = 1000

    def page(self, number):
        qs = self.object_list
        if not isinstance(qs, QuerySet) or qs.query.is_sliced:
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        if bottom < self.deferred_join_from:
            return super().page(number)
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        # One query, as for any other page: the page's ids in a subquery (answered from the index), then the rows.
        return self._get_page(qs.filter(pk__in=qs.values("pk")[bottom:top]), number, self)

    @cached_property
    def count(self) -> int:
        qs = self.object_list
        key = _count_key(qs) if isinstance(qs, QuerySet) else None
        if key:
            try:
                cached = cache.get(key)
            except Exception:  # a cache outage must not break a list
                log.warning("list count cache unavailable", exc_info=True)
                key, cached = None, None
            if cached is not None:
                return cached
        n = super().count
        if key and n >= settings.LIST_COUNT_CACHE_ABOVE:
            try:
                cache.set(key, n, settings.LIST_COUNT_CACHE_SECONDS)
            except Exception:
                log.warning("list count cache unavailable", exc_info=True)
        return n

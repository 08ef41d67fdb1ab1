"""The one visibility rule (DESIGN §4): a row is visible when its 12-digit region code starts with the
actor's scope prefix, and — for rows routed to a bank — when it is routed to the actor's bank.

Actors expose `scope_prefix` (str; "" sees every region, None sees nothing) and `bank_id`
(None for non-bank users). Every HTML view, API view, task and export calls `visible_to`."""
from django.db import models

REGION_CODE_LENGTH = 12


class ScopedQuerySet(models.QuerySet):
    def visible_to(self, actor):
        prefix = getattr(actor, "scope_prefix", None)
        if actor is None or prefix is None or not getattr(actor, "is_active", True):
            return self.none()
        qs = self
        if prefix:
            qs = qs.filter(**{f"{self.model.region_field}__startswith": prefix})
        bank_lookup = getattr(self.model, "bank_lookup", None)
        bank_id = getattr(actor, "bank_id", None)
        if bank_lookup and bank_id:
            qs = qs.filter(**{bank_lookup: bank_id})
        return qs


class ScopedModel(models.Model):
    """Base of every tenant-owned row: `region_code` holds the 12-digit code of its village
    (or the county code padded with zeros), indexed for prefix search."""

    region_field = "region_code"
    bank_lookup: str | None = None

    region_code = models.CharField(max_length=REGION_CODE_LENGTH, editable=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        abstract = True


def prefix_index(name: str, field: str = "region_code") -> models.Index:
    """A btree index usable by LIKE 'prefix%' on PostgreSQL whatever the collation; Django ignores
    opclasses on other databases, where it is a plain index."""
    return models.Index(fields=[field], name=name, opclasses=["varchar_pattern_ops"])

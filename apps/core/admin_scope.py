"""The visibility rule of `scoping.py` applied to the Django admin, for models that are tenant data without a
`region_code` column (a county's policy, scorecard, lending banks): they are filtered by the code of the region
they belong to. Superusers see and change everything; an unscoped system administrator (scope prefix "") is a
national administrator; everyone else sees their own area only, and nothing without a region."""
from django.core.exceptions import PermissionDenied


def admin_prefix(user) -> str | None:
    """"" for everything, None for nothing, else the code prefix of the user's area."""
    if user is None or not user.is_active:
        return None
    if user.is_superuser:
        return ""
    return getattr(user, "scope_prefix", None)


def is_national_admin(user) -> bool:
    """Superusers and system administrators without a region: the only ones who may edit national tables
    (holiday calendar, interest rates) that every county depends on."""
    return admin_prefix(user) == ""


def in_scope(user, code: str | None) -> bool:
    prefix = admin_prefix(user)
    return prefix is not None and code is not None and code.startswith(prefix)


def filter_scope(queryset, user, code_lookup: str):
    """Rows whose `code_lookup` (e.g. "county__code") lies inside the user's area."""
    prefix = admin_prefix(user)
    if prefix is None:
        return queryset.none()
    return queryset.filter(**{f"{code_lookup}__startswith": prefix}) if prefix else queryset


def require_scope(user, code: str | None) -> None:
    """The re-check on save: a form's restricted choices are the first line, this is the second."""
    if not in_scope(user, code):
        raise PermissionDenied


class RegionScopedAdminMixin:
    """For a ModelAdmin whose rows belong to a region through `scope_field` (a ForeignKey to Region): the
    changelist and every object view show rows inside the user's area only, the region choices are limited to
    it, and saving re-checks it."""

    scope_field = "county"

    def get_queryset(self, request):
        return filter_scope(super().get_queryset(request), request.user, f"{self.scope_field}__code")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == self.scope_field:
            base = kwargs.get("queryset", db_field.remote_field.model._default_manager.all())
            kwargs["queryset"] = filter_scope(base, request.user, "code")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        require_scope(request.user, getattr(getattr(obj, self.scope_field), "code", None))
        super().save_model(request, obj, form, change)

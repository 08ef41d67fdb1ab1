"""Helpers for tests of the Django admin: a county administrator as seed_demo makes them, and POST data built
from an admin add form's own initial values."""
from django import forms
from django.contrib.auth.models import Permission

from apps.accounts.roles import Role

from .factories import UserFactory


def county_admin(region, extra_perms=(), **kw):
    """A county system administrator: staff, in seed_demo's group 县级系统管理员, scoped to `region`."""
    from apps.approvals.management.commands.seed_demo import Command

    user = UserFactory(role=kw.pop("role", Role.SYSADMIN), region=region, is_staff=True, **kw)
    user.groups.add(Command()._admin_group())
    for perm in extra_perms:
        app, codename = perm.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app, codename=codename))
    return user


def superuser(**kw):
    return UserFactory(**{"role": Role.SYSADMIN, "region": None, "is_staff": True, "is_superuser": True, **kw})


def form_data(form, **overrides) -> dict:
    """The POST a browser would send for an unchanged admin form, with `overrides`."""
    data = {}
    for name, field in form.fields.items():
        value = form.get_initial_for_field(field, name)
        if isinstance(field, forms.BooleanField):
            if value:
                data[name] = "on"
            continue
        if value is None:
            continue
        if isinstance(field, forms.MultiValueField):  # e.g. date and time of a SplitDateTimeField
            for i, part in enumerate(field.widget.decompress(value)):
                data[f"{name}_{i}"] = part
            continue
        value = field.prepare_value(value)
        if hasattr(value, "pk"):
            value = value.pk
        data[name] = value
    for key, value in overrides.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data

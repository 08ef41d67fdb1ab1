from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from apps.core.admin_scope import RegionScopedAdminMixin, admin_prefix, filter_scope, in_scope, require_scope
from apps.regions.models import Level, Region

from .models import ApiToken, Bank, BankBranch, CountyBank, LoginAttempt, User
from .roles import Role
from .web.views import AdminLoginForm

# /admin/login/ goes through the same failed-login throttle and LoginAttempt record as the site's login page.
admin.site.login_form = AdminLoginForm

# Django's own privilege fields: only a superuser may see or set them (a county administrator could otherwise
# make anyone staff, put them in any group or hand them any permission).
PRIVILEGE_FIELDS = ("is_staff", "is_superuser", "groups", "user_permissions")


def _role_rank(role: str) -> int:
    return 2 if role == Role.SYSADMIN else 1


def _permissions_of(user: User) -> set[str]:
    """Django permissions held directly or through groups, whether or not the account is active (an inactive
    account can be re-activated)."""
    rows = Permission.objects.filter(Q(user=user) | Q(group__user=user)).values_list("content_type__app_label", "codename")
    return {f"{app}.{codename}" for app, codename in rows.distinct()}


def may_manage(admin_user: User, target: User) -> bool:
    """Whether `admin_user` may change (or delete) the account `target`: a superuser always; anyone else only
    for accounts inside their area that hold no more than they do (never a superuser, never a higher role,
    never Django permissions they lack themselves)."""
    if admin_user.is_superuser:
        return True
    if target.is_superuser or _role_rank(target.role) > _role_rank(admin_user.role):
        return False
    if target.pk != admin_user.pk and not _permissions_of(target) <= admin_user.get_all_permissions():
        return False
    return in_scope(admin_user, target.region.code if target.region_id else None)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "real_name", "role", "position", "region", "bank", "is_active"]
    list_filter = ["role", "is_active", "bank"]
    search_fields = ["username", "real_name", "phone"]
    raw_id_fields = ["region", "branch"]
    fieldsets = BaseUserAdmin.fieldsets + ((_("Role and scope"), {"fields": ("real_name", "phone", "role", "position", "region", "bank", "branch")}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + ((_("Role and scope"), {"fields": ("real_name", "role", "position", "region", "bank", "branch")}),)

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.visible_to(request.user).exclude(is_superuser=True)

    def get_fieldsets(self, request, obj=None):
        """Without the privilege fields for anyone but a superuser: not shown, not in the form, so a posted
        value is ignored."""
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        out = []
        for name, options in fieldsets:
            fields = [f for f in options["fields"] if f not in PRIVILEGE_FIELDS]
            if fields:
                out.append((name, {**options, "fields": fields}))
        return out

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "region":
            kwargs["queryset"] = filter_scope(Region.objects.all(), request.user, "code")
        elif db_field.name == "branch":
            kwargs["queryset"] = filter_scope(BankBranch.objects.all(), request.user, "region__code")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or may_manage(request.user, obj))

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or may_manage(request.user, obj))

    def delete_queryset(self, request, queryset):
        # "Delete selected" asks has_delete_permission without an object: check every account chosen.
        if not request.user.is_superuser and any(not may_manage(request.user, u) for u in queryset):
            raise PermissionDenied
        super().delete_queryset(request, queryset)

    def get_form(self, request, obj=None, **kwargs):
        """A county administrator may only place users inside their own area, with a role no higher than their
        own, and may not create superusers or staff."""
        form = super().get_form(request, obj, **kwargs)
        admin_user = request.user

        class ScopedForm(form):
            def clean(self):
                cleaned = super().clean()
                if admin_user.is_superuser:
                    return cleaned
                region = cleaned.get("region")
                if region is None or not in_scope(admin_user, region.code):
                    self.add_error("region", _("Choose a region inside your own area."))
                role = cleaned.get("role")
                if role and _role_rank(role) > _role_rank(admin_user.role):
                    self.add_error("role", _("You cannot grant a role above your own."))
                branch = cleaned.get("branch")
                if branch is not None and not in_scope(admin_user, branch.region.code):
                    self.add_error("branch", _("Choose a branch inside your own area."))
                for field in PRIVILEGE_FIELDS:
                    if field in self.fields and cleaned.get(field):
                        self.add_error(field, _("Only a superuser can grant this."))
                return cleaned

        return ScopedForm

    def save_model(self, request, obj, form, change):
        if not request.user.is_superuser:  # the re-check behind the form's
            require_scope(request.user, obj.region.code if obj.region_id else None)
            if obj.is_superuser or _role_rank(obj.role) > _role_rank(request.user.role):
                raise PermissionDenied
        super().save_model(request, obj, form, change)


class BranchInline(RegionScopedAdminMixin, admin.TabularInline):
    model = BankBranch
    scope_field = "region"
    raw_id_fields = ["region"]
    extra = 0


@admin.register(Bank)
class BankAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name"]
    inlines = [BranchInline]


@admin.register(BankBranch)
class BankBranchAdmin(RegionScopedAdminMixin, admin.ModelAdmin):
    """Branches on their own page, so a county administrator (who may view banks but not change them) can add
    and edit the branches serving their area."""

    scope_field = "region"
    list_display = ["name", "bank", "region"]
    list_filter = ["bank"]
    search_fields = ["name"]
    raw_id_fields = ["region"]


@admin.register(CountyBank)
class CountyBankAdmin(RegionScopedAdminMixin, admin.ModelAdmin):
    """A county's lending banks: county administrators see and edit those of counties inside their area, and
    name main-responsibility townships of that county only."""

    scope_field = "county"
    list_display = ["county", "bank"]
    raw_id_fields = ["county"]
    filter_horizontal = ["main_townships"]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "main_townships":
            kwargs["queryset"] = filter_scope(Region.objects.filter(level=Level.TOWNSHIP), request.user, "code")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)

        class CountyBankForm(form):
            def clean(self):
                cleaned = super().clean()
                county = cleaned.get("county")
                outside = [t for t in cleaned.get("main_townships") or [] if county is None or not county.contains(t.code)]
                if county is not None and outside:
                    self.add_error("main_townships", _("Choose townships of this county only."))
                return cleaned

        return CountyBankForm

    def save_related(self, request, form, formsets, change):
        for township in form.cleaned_data.get("main_townships") or []:
            require_scope(request.user, township.code)
        super().save_related(request, form, formsets, change)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["prefix", "user", "name", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "digest", "created_at", "last_used_at", "created_by", "revoked_at", "revoked_by"]

    def has_add_permission(self, request):
        return False  # issued on the tokens page so the key is shown once

    def get_queryset(self, request):
        return super().get_queryset(request).filter(user__in=User.objects.visible_to(request.user))


@admin.register(LoginAttempt)
class LoginAttemptAdmin(admin.ModelAdmin):
    """The audit of login attempts. Superusers and national administrators see every attempt; a county
    administrator only the attempts on usernames of accounts in their area (not other counties' staff, not
    the addresses of strangers trying names that do not exist)."""

    list_display = ["at", "username", "ip", "succeeded"]
    list_filter = ["succeeded"]
    search_fields = ["username", "ip"]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if admin_prefix(request.user) == "":
            return qs
        # Attempts keep the username as typed; the lock counts them case-insensitively, and so does this list.
        users = User.objects.visible_to(request.user).exclude(is_superuser=True)
        return qs.annotate(username_lower=Lower("username")).filter(
            username_lower__in=users.annotate(u=Lower("username")).values("u"))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

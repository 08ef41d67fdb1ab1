from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import ApiToken, Bank, BankBranch, CountyBank, LoginAttempt, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "real_name", "role", "position", "region", "bank", "is_active"]
    list_filter = ["role", "is_active", "bank"]
    search_fields = ["username", "real_name", "phone"]
    raw_id_fields = ["region", "branch"]
    fieldsets = BaseUserAdmin.fieldsets + ((_("Role and scope"), {"fields": ("real_name", "phone", "role", "position", "region", "bank", "branch")}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + ((_("Role and scope"), {"fields": ("real_name", "role", "position", "region", "bank", "branch")}),)

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user) if not request.user.is_superuser else super().get_queryset(request)

    def get_form(self, request, obj=None, **kwargs):
        """A county administrator may only place users inside the county, and may not create superusers."""
        form = super().get_form(request, obj, **kwargs)
        admin_user = request.user

        class ScopedForm(form):
            def clean(self):
                cleaned = super().clean()
                if admin_user.is_superuser:
                    return cleaned
                region = cleaned.get("region")
                prefix = admin_user.scope_prefix
                if region is None or prefix is None or not region.code.startswith(prefix):
                    self.add_error("region", _("Choose a region inside your own area."))
                if cleaned.get("is_superuser"):
                    self.add_error("is_superuser", _("Only a superuser can grant this."))
                return cleaned

        return ScopedForm


class BranchInline(admin.TabularInline):
    model = BankBranch
    raw_id_fields = ["region"]
    extra = 0


@admin.register(Bank)
class BankAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name"]
    inlines = [BranchInline]


@admin.register(CountyBank)
class CountyBankAdmin(admin.ModelAdmin):
    list_display = ["county", "bank"]
    raw_id_fields = ["county"]
    filter_horizontal = ["main_townships"]


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
    list_display = ["at", "username", "ip", "succeeded"]
    list_filter = ["succeeded"]
    search_fields = ["username", "ip"]

    def has_change_permission(self, request, obj=None):
        return False

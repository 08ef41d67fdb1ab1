from django.contrib import admin

from apps.core.admin_scope import RegionScopedAdminMixin

from .models import CreditRating, Household, ImportJob, Member, ScorecardItem


class MemberInline(admin.TabularInline):
    model = Member
    extra = 0


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin):
    list_display = ["head_name", "head_id_number", "village", "status", "credit_grade", "rated_on"]
    list_filter = ["status", "credit_grade"]
    search_fields = ["head_name", "head_id_number", "national_no"]
    raw_id_fields = ["village"]
    inlines = [MemberInline]
    list_select_related = ["village"]
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)


@admin.register(ScorecardItem)
class ScorecardItemAdmin(RegionScopedAdminMixin, admin.ModelAdmin):
    """A county's scorecard: county administrators see and edit the items of counties inside their area."""

    scope_field = "county"
    list_display = ["county", "order", "code", "name", "max_points", "active"]
    list_filter = [("county", admin.RelatedOnlyFieldListFilter)]
    raw_id_fields = ["county"]


@admin.register(CreditRating)
class CreditRatingAdmin(admin.ModelAdmin):
    list_display = ["household", "rated_on", "score", "grade", "rated_by"]
    raw_id_fields = ["household"]

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["original_name", "state", "total_rows", "error_count", "created_count", "created_by", "created_at"]
    # errors can hold hundreds of thousands of entries (the import page pages them); the file is only ever written by
    # the import through apps/core/uploads.py, never replaced by hand here.
    exclude = ["errors", "file"]

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user).defer("errors")

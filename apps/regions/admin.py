from django.contrib import admin

from . import calendar
from .models import CalendarYear, CountyPolicy, Holiday, InterestRate, Region, RegionCodeTable


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "active", "first_year", "last_year"]
    list_filter = ["level", "active"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]


@admin.register(RegionCodeTable)
class RegionCodeTableAdmin(admin.ModelAdmin):
    list_display = ["year", "entry_count", "source", "imported_at"]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(CountyPolicy)
class CountyPolicyAdmin(admin.ModelAdmin):
    """Policies are effective-dated and never edited in place: existing rows are read-only; a change is a new
    row ("Save as new") with a later effective date, so the rule in force on any past day stays known."""

    list_display = ["county", "effective_on", "household_cap", "max_term_months", "due_reminder_days", "share_scheme", "note", "created_by"]
    list_filter = ["county"]
    raw_id_fields = ["county"]
    readonly_fields = ["created_by", "created_at"]

    def get_queryset(self, request):
        prefix = request.user.scope_prefix
        qs = super().get_queryset(request)
        return qs.none() if prefix is None else qs.filter(county__code__startswith=prefix)

    def get_changeform_initial_data(self, request):
        """`?from=<id>` pre-fills a new version with the values of an existing row."""
        initial = super().get_changeform_initial_data(request)
        source = self.get_queryset(request).filter(pk=request.GET.get("from") or 0).first()
        if source:
            skip = {"id", "effective_on", "created_at", "created_by", "note"}
            initial.update({f.name: getattr(source, f.attname) for f in self.model._meta.fields if f.name not in skip})
        return initial

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = (extra_context or {}) | {"new_version_url": f"../../add/?from={object_id}"}
        return super().change_view(request, object_id, form_url, extra_context)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.pk:
            return [f.name for f in self.model._meta.fields]
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
            super().save_model(request, obj, form, change)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(InterestRate)
class InterestRateAdmin(admin.ModelAdmin):
    list_display = ["kind", "effective_on", "up_to_one_year", "long_term"]
    list_filter = ["kind"]


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ["date", "name", "is_working_day"]
    list_filter = ["is_working_day"]
    date_hierarchy = "date"
    search_fields = ["name"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        CalendarYear.objects.get_or_create(year=obj.date.year, defaults={"source": "manual"})
        calendar.clear_cache()


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ["year", "source", "loaded_at"]

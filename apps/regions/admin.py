from django import forms
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.admin_scope import RegionScopedAdminMixin, is_national_admin

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


class CountyPolicyForm(forms.ModelForm):
    """A new version takes effect today at the earliest, and after the county's latest version: the rule in
    force on a past day is never rewritten by a back-dated row."""

    def clean(self):
        cleaned = super().clean()
        county, effective_on = cleaned.get("county"), cleaned.get("effective_on")
        if self.instance.pk or county is None or effective_on is None:
            return cleaned
        today = timezone.localdate()
        if effective_on < today:
            self.add_error("effective_on", forms.ValidationError(
                _("A new policy version cannot take effect before today (%(today)s)."),
                code="policy_backdated", params={"today": today.isoformat()}))
            return cleaned
        latest = CountyPolicy.objects.filter(county=county).order_by("-effective_on").values_list("effective_on", flat=True).first()
        if latest is not None and effective_on <= latest:
            self.add_error("effective_on", forms.ValidationError(
                _("A new policy version must take effect after the county's latest version (effective from %(date)s)."),
                code="policy_before_latest", params={"date": latest.isoformat()}))
        return cleaned


@admin.register(CountyPolicy)
class CountyPolicyAdmin(RegionScopedAdminMixin, admin.ModelAdmin):
    """Policies are effective-dated and never edited in place: existing rows are read-only; a change is a new
    row ("New version from this one") with a later effective date, so the rule in force on any past day stays
    known. County administrators see and add versions for counties inside their area only."""

    form = CountyPolicyForm
    scope_field = "county"
    list_display = ["county", "effective_on", "household_cap", "max_term_months", "due_reminder_days", "share_scheme", "note", "created_by"]
    list_filter = [("county", admin.RelatedOnlyFieldListFilter)]
    raw_id_fields = ["county"]
    readonly_fields = ["created_by", "created_at"]

    def get_changeform_initial_data(self, request):
        """`?from=<id>` pre-fills a new version with the values of an existing row."""
        initial = super().get_changeform_initial_data(request)
        source = self.get_queryset(request).filter(pk=request.GET.get("from") or 0).first()
        if source:
            skip = {"id", "effective_on", "created_at", "created_by", "note"}
            initial.update({f.name: getattr(source, f.attname) for f in self.model._meta.fields if f.name not in skip})
        return initial

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if self.has_add_permission(request):
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

    def has_change_permission(self, request, obj=None):
        return False  # never edited in place: a new version instead

    def has_delete_permission(self, request, obj=None):
        """Only a superuser, and only a version not yet in force (a mistaken future row); history stays."""
        if not request.user.is_superuser:
            return False
        return obj is None or obj.effective_on > timezone.localdate()


class NationalTableAdmin(admin.ModelAdmin):
    """National tables every county depends on: county administrators may read them, only superusers and
    national system administrators may change them."""

    def has_add_permission(self, request):
        return is_national_admin(request.user) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return is_national_admin(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return is_national_admin(request.user) and super().has_delete_permission(request, obj)


@admin.register(InterestRate)
class InterestRateAdmin(NationalTableAdmin):
    list_display = ["kind", "effective_on", "up_to_one_year", "long_term"]
    list_filter = ["kind"]


class CalendarAdmin(NationalTableAdmin):
    """Every change to the calendar clears the working-day cache, deletions included."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        calendar.clear_cache()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        calendar.clear_cache()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        calendar.clear_cache()


@admin.register(Holiday)
class HolidayAdmin(CalendarAdmin):
    """Entering a holiday does not mark its year as loaded: a year counts as covered (no fallback warning) only
    once an administrator says its calendar is complete, with the action below or a calendar-year row."""

    list_display = ["date", "name", "is_working_day"]
    list_filter = ["is_working_day"]
    date_hierarchy = "date"
    search_fields = ["name"]
    actions = ["mark_years_complete"]

    @admin.action(description=_("Mark the years of the selected days as complete"), permissions=["change"])
    def mark_years_complete(self, request, queryset):
        years = sorted({d.year for d in queryset.values_list("date", flat=True)})
        for year in years:
            CalendarYear.objects.get_or_create(year=year, defaults={"source": "manual"})
        calendar.clear_cache()
        self.message_user(request, _("The holiday calendar of %(years)s is marked as complete.") % {
            "years": "、".join(map(str, years))}, messages.SUCCESS)


@admin.register(CalendarYear)
class CalendarYearAdmin(CalendarAdmin):
    list_display = ["year", "source", "loaded_at"]

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.core.scoping import ScopedModel, prefix_index
from apps.core.uploads import ServerName
from apps.regions.models import Level, Region


class Status(models.TextChoices):
    """Registration status in the national poverty-alleviation system."""

    REGISTERED_POOR = "registered_poor", _("Registered poor household")
    LIFTED_OUT = "lifted_out", _("Lifted out of poverty")
    MARGINAL = "marginal", _("Marginal household at risk")
    MONITORED = "monitored", _("Household under monitoring")
    NOT_REGISTERED = "not_registered", _("Not registered")


# Eligible unless the county policy says otherwise (DOMAIN: who may borrow).
DEFAULT_ELIGIBLE_STATUSES = [Status.REGISTERED_POOR, Status.LIFTED_OUT, Status.MARGINAL, Status.MONITORED]


class Relation(models.TextChoices):
    HEAD = "head", _("Head of household")
    SPOUSE = "spouse", _("Spouse")
    CHILD = "child", _("Child")
    PARENT = "parent", _("Parent")
    GRANDCHILD = "grandchild", _("Grandchild")
    SIBLING = "sibling", _("Sibling")
    CHILD_IN_LAW = "child_in_law", _("Son- or daughter-in-law")
    OTHER = "other", _("Other")


class LabourCapacity(models.TextChoices):
    FULL = "full", _("Full labour capacity")
    PARTIAL = "partial", _("Partial labour capacity")
    NONE = "none", _("No labour capacity")
    STUDENT = "student", _("Student")


class CreditGrade(models.TextChoices):
    AAA = "AAA", "AAA"
    AA = "AA", "AA"
    A = "A", "A"
    NONE = "", _("Not rated / no credit")


class Household(ScopedModel):
    """A household on the real-name register. `region_code` is its village's 12-digit code.
    The head is also a Member (relation=head); name and ID are copied here for fast search."""

    village = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="households",
                                limit_choices_to={"level": Level.VILLAGE}, verbose_name=_("village"))
    head_name = models.CharField(_("head of household"), max_length=50)
    head_id_number = models.CharField(_("head's ID number"), max_length=18, unique=True)
    status = models.CharField(_("registration status"), max_length=20, choices=Status.choices)
    national_no = models.CharField(_("national-system household number"), max_length=30, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    size = models.PositiveSmallIntegerField(_("household size"), default=1)
    labour_count = models.PositiveSmallIntegerField(_("labourers"), default=0)
    annual_income = models.DecimalField(_("annual net income (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True)
    industry = models.CharField(_("main industry"), max_length=100, blank=True)
    credit_score = models.DecimalField(_("credit score"), max_digits=5, decimal_places=1, null=True, blank=True)
    credit_grade = models.CharField(_("credit grade"), max_length=4, choices=CreditGrade.choices, blank=True, default="")
    rated_on = models.DateField(_("rated on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["region_code", "head_name", "id"]
        verbose_name = _("household")
        verbose_name_plural = _("households")
        indexes = [
            prefix_index("household_region_prefix_idx"),
            prefix_index("household_name_prefix_idx", "head_name"),
            models.Index(fields=["region_code", "head_name", "id"], name="household_list_order_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(head_id_number__regex=r"^\d{17}[\dX]$"), name="household_head_id_shape"),
            models.CheckConstraint(condition=Q(region_code__regex=r"^\d{12}$"), name="household_region_code_shape"),
            models.UniqueConstraint(fields=["national_no"], condition=~Q(national_no=""), name="uniq_national_no"),
            models.CheckConstraint(condition=Q(labour_count__lte=models.F("size")), name="household_labour_le_size"),
        ]

    def __str__(self):
        return f"{self.head_name}（{self.village.name}）"

    def save(self, *args, **kwargs):
        # The scope column always follows the village; everything else is done in services.
        self.region_code = self.village.code
        super().save(*args, **kwargs)


class Member(models.Model):
    """A person in a household. An ID number exists once in the whole system, so nobody belongs to
    two households, and a household has exactly one head."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="members")
    name = models.CharField(_("name"), max_length=50)
    id_number = models.CharField(_("ID number"), max_length=18, unique=True)
    relation = models.CharField(_("relation to head"), max_length=20, choices=Relation.choices)
    labour_capacity = models.CharField(_("labour capacity"), max_length=10, choices=LabourCapacity.choices, default=LabourCapacity.FULL)
    phone = models.CharField(_("phone"), max_length=20, blank=True)

    class Meta:
        ordering = ["household_id", "relation", "id"]
        verbose_name = _("household member")
        verbose_name_plural = _("household members")
        constraints = [
            models.UniqueConstraint(fields=["household"], condition=Q(relation="head"), name="one_head_per_household"),
            models.CheckConstraint(condition=Q(id_number__regex=r"^\d{17}[\dX]$"), name="member_id_shape"),
        ]

    def __str__(self):
        return self.name


class ScorecardItem(models.Model):
    """One weighted item of a county's credit scorecard (100 points in all by convention)."""

    county = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="scorecard_items",
                               limit_choices_to={"level": Level.COUNTY})
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("item"), max_length=50)
    max_points = models.DecimalField(_("maximum points"), max_digits=5, decimal_places=1)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["county__code", "order", "id"]
        verbose_name = _("scorecard item")
        verbose_name_plural = _("scorecard items")
        constraints = [
            models.UniqueConstraint(fields=["county", "code"], name="uniq_scorecard_item"),
            models.CheckConstraint(condition=Q(max_points__gt=0), name="scorecard_points_positive"),
        ]

    def __str__(self):
        return f"{self.name}（{self.max_points}）"


class CreditRating(ScopedModel):
    """One rating of a household (评级授信): item scores → total → grade. Append-only; the household
    carries the latest."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="ratings")
    rated_on = models.DateField(_("rated on"))
    item_scores = models.JSONField(_("item scores"), default=dict)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=1)
    grade = models.CharField(_("grade"), max_length=4, choices=CreditGrade.choices, blank=True)
    comment = models.CharField(_("panel opinion"), max_length=300, blank=True)
    rated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("rated by"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-rated_on", "-id"]
        verbose_name = _("credit rating")
        verbose_name_plural = _("credit ratings")
        indexes = [prefix_index("rating_region_prefix_idx")]


class HouseholdEvent(ScopedModel):
    """Append-only audit of changes to a household: who, when, what."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=30)
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [prefix_index("household_event_prefix_idx")]


class ImportJob(ScopedModel):
    """An uploaded register file: validated in full (dry run) before anything is written, then
    committed all-or-nothing. `region_code` is the uploader's scope, padded."""

    class State(models.TextChoices):
        VALIDATING = "validating", _("Validating")
        INVALID = "invalid", _("Has errors")
        READY = "ready", _("Ready to import")
        IMPORTING = "importing", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

    file = models.FileField(_("file"), upload_to=ServerName("imports"))
    original_name = models.CharField(_("file name"), max_length=200)  # the client's, for display only: never a path
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.VALIDATING)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows processed"), default=0)
    error_count = models.PositiveIntegerField(_("rows with errors"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    created_count = models.PositiveIntegerField(_("households created"), default=0)
    message = models.CharField(_("message"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    purged_at = models.DateTimeField(_("file deleted at"), null=True, blank=True,
                                     help_text=_("The uploaded file and the values quoted in the problems are deleted after the retention period."))

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("household import")
        verbose_name_plural = _("household imports")
        indexes = [prefix_index("import_job_prefix_idx")]

    @property
    def progress_percent(self) -> int:
        if not self.total_rows:
            return 0 if self.state in (self.State.VALIDATING, self.State.IMPORTING) else 100
        return min(100, int(self.processed_rows * 100 / self.total_rows))

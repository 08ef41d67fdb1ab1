from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from apps.accounts.models import Bank
from apps.core.scoping import ScopedModel, prefix_index
from apps.core.uploads import ServerName
from apps.loans.models import Loan


class Withdrawal(ScopedModel):
    """Money taken out of a loan account, posted by the bank. Large ones are followed up by the village
    group; small ones enter the monthly random spot check (002 §七)."""

    class FollowUp(models.TextChoices):
        NONE = "", _("Not required")
        PENDING = "pending", _("Follow-up pending")
        DONE = "done", _("Followed up")

    bank_lookup = "loan__bank_id"

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="withdrawals")
    withdrawn_on = models.DateField(_("withdrawn on"))
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    payee = models.CharField(_("payee"), max_length=100, blank=True)
    note = models.CharField(_("declared use"), max_length=300, blank=True)
    external_id = models.CharField(_("bank reference"), max_length=64)
    needs_follow_up = models.BooleanField(_("large withdrawal"), default=False)
    sampled_month = models.DateField(_("spot-check month"), null=True, blank=True)
    follow_up = models.CharField(_("follow-up"), max_length=10, choices=FollowUp.choices, blank=True, default="")
    follow_up_result = models.CharField(_("follow-up result"), max_length=500, blank=True)
    use_matches = models.BooleanField(_("used as declared"), null=True)
    followed_up_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    followed_up_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-withdrawn_on", "-id"]
        verbose_name = _("withdrawal")
        verbose_name_plural = _("withdrawals")
        indexes = [prefix_index("withdrawal_prefix_idx"), models.Index(fields=["withdrawn_on"], name="withdrawal_day_idx")]
        constraints = [
            models.UniqueConstraint(fields=["loan", "external_id"], name="uniq_withdrawal_reference"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="withdrawal_positive"),
        ]


class InspectionSchedule(ScopedModel):
    """Where a loan stands in the inspection cadence. Settled loans leave the schedule (active=False)."""

    bank_lookup = "loan__bank_id"

    loan = models.OneToOneField(Loan, on_delete=models.CASCADE, related_name="inspection_schedule")
    next_due_on = models.DateField(_("next inspection due"))
    last_done_on = models.DateField(_("last inspection"), null=True, blank=True)
    problem_open = models.BooleanField(_("problem open"), default=False)
    active = models.BooleanField(default=True)

    class Meta:
        indexes = [prefix_index("inspection_schedule_prefix_idx"),
                   models.Index(fields=["active", "next_due_on"], name="inspection_due_idx")]


class Inspection(ScopedModel):
    """《扶贫小额信贷贷后检查表》: one visit, compared with the declared purpose."""

    bank_lookup = "loan__bank_id"

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="inspections")
    due_on = models.DateField(_("due on"))
    done_on = models.DateField(_("inspected on"))
    actual_use = models.CharField(_("actual use"), max_length=300)
    use_matches = models.BooleanField(_("used as declared"))
    production_status = models.CharField(_("production status"), max_length=300)
    income_effect = models.CharField(_("effect on income"), max_length=300, blank=True)
    risks = models.CharField(_("risks"), max_length=300, blank=True)
    findings = models.CharField(_("findings"), max_length=1000, blank=True)
    problem_found = models.BooleanField(_("problem found"), default=False)
    inspectors = models.CharField(_("inspectors"), max_length=200)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    accuracy_m = models.DecimalField(_("location accuracy (m)"), max_digits=8, decimal_places=1, null=True, blank=True)
    location_suspect = models.BooleanField(_("location looks faked"), default=False)
    client_id = models.CharField(max_length=64, blank=True, help_text="id made by the tablet; a repeat is the same record")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-done_on", "-id"]
        verbose_name = _("post-loan inspection")
        verbose_name_plural = _("post-loan inspections")
        indexes = [prefix_index("inspection_prefix_idx")]
        constraints = [models.UniqueConstraint(fields=["client_id"], condition=~Q(client_id=""), name="uniq_inspection_client_id")]


def photo_path(instance, filename):
    """Kept for the initial migration only: it stored the client's file name. New photos use ServerName."""
    return f"inspections/{instance.inspection.done_on:%Y/%m}/{instance.inspection_id}-{filename}"


class InspectionPhoto(models.Model):
    """A photo as apps/core/uploads.py re-encoded it. Rows stored before that keep a client-chosen name and no
    content_type: they are served with the type sniffed from their bytes."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(upload_to=ServerName("inspections"))
    content_type = models.CharField(max_length=100, blank=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)


class FindingCategory(models.TextChoices):
    WRONG_BORROWER = "wrong_borrower", _("Wrong borrower (贷款对象不精准)")
    WRONG_USE = "wrong_use", _("Wrong use (贷款使用不精准)")
    ENTERPRISE_POOLING = "enterprise_pooling", _("Pooled into an enterprise (户贷企用)")
    NON_PRODUCTIVE = "non_productive", _("Non-productive spending")
    OTHER = "other", _("Other")


class RectState(models.TextChoices):
    OPEN = "open", _("Found, plan to be proposed")
    PROPOSED = "proposed", _("Plan proposed by the village group")
    TOWNSHIP_APPROVED = "township_approved", _("Plan approved by the township")
    AGREED = "agreed", _("Agreed by county and bank")
    RECTIFIED = "rectified", _("Rectified")
    VERIFIED = "verified", _("Verified")


class Finding(ConcurrentTransitionMixin, ScopedModel):
    """A problem found at an inspection and its rectification (002 §九–十): the group proposes a plan with a
    deadline → township approves → county and bank agree → rectified → verified. Each step's responsible
    person is recorded (the ledger's 整改责任人)."""

    bank_lookup = "loan__bank_id"

    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="problems")
    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="findings")
    category = models.CharField(_("category"), max_length=20, choices=FindingCategory.choices)
    description = models.CharField(_("description"), max_length=1000)
    state = FSMField(_("state"), max_length=20, choices=RectState.choices, default=RectState.OPEN, protected=True)
    plan = models.CharField(_("rectification plan"), max_length=1000, blank=True)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    county_agreed = models.BooleanField(default=False)
    bank_agreed = models.BooleanField(default=False)
    result = models.CharField(_("rectification result"), max_length=1000, blank=True)
    responsible = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("responsible for the rectification"))
    verified_on = models.DateField(_("verified on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("finding and rectification")
        verbose_name_plural = _("findings and rectifications")
        indexes = [prefix_index("finding_prefix_idx")]

    @transition(field=state, source=RectState.OPEN, target=RectState.PROPOSED)
    def propose(self, plan, deadline):
        self.plan, self.deadline = plan, deadline

    @transition(field=state, source=RectState.PROPOSED, target=RectState.TOWNSHIP_APPROVED)
    def township_approve(self):
        pass

    @transition(field=state, source=RectState.PROPOSED, target=RectState.OPEN)
    def send_back(self):
        pass

    @transition(field=state, source=RectState.TOWNSHIP_APPROVED, target=RectState.AGREED,
                conditions=[lambda f: f.county_agreed and f.bank_agreed])
    def agree(self):
        pass

    @transition(field=state, source=RectState.AGREED, target=RectState.RECTIFIED)
    def rectify(self, result):
        self.result = result

    @transition(field=state, source=RectState.RECTIFIED, target=RectState.VERIFIED)
    def verify(self, on):
        self.verified_on = on


class FindingStep(ScopedModel):
    """Append-only record of who did each rectification step."""

    bank_lookup = "finding__loan__bank_id"

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="steps")
    action = models.CharField(max_length=20)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=20)
    comment = models.CharField(max_length=1000, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]


class CollectionCase(ScopedModel):
    """A joint collection case owned by the county, opened by a wrong-borrower finding (002 §十)."""

    bank_lookup = "loan__bank_id"

    finding = models.OneToOneField(Finding, on_delete=models.PROTECT, related_name="collection_case")
    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="collection_cases")
    opened_on = models.DateField()
    closed_on = models.DateField(null=True, blank=True)
    team = models.CharField(_("joint collection team"), max_length=300, blank=True)

    class Meta:
        ordering = ["-opened_on"]


class CollectionNotice(ScopedModel):
    """《到期催收通知书》 before maturity and 《逾期催收通知书》 after: one per loan, kind and maturity date, so
    a new maturity after an extension or deferral gets a new notice. The signed receipt interrupts the
    limitation period."""

    class Kind(models.TextChoices):
        DUE = "due", _("Due notice (到期催收通知书)")
        OVERDUE = "overdue", _("Overdue notice (逾期催收通知书)")

    bank_lookup = "loan__bank_id"

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="collection_notices")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    maturity_on = models.DateField(_("maturity date"))
    issued_on = models.DateField(_("issued on"))
    receipt_signed_on = models.DateField(_("receipt signed on"), null=True, blank=True)
    receipt_signer = models.CharField(_("signed by"), max_length=50, blank=True)
    receipt_recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-issued_on", "-id"]
        verbose_name = _("collection notice")
        verbose_name_plural = _("collection notices")
        indexes = [prefix_index("collection_notice_prefix_idx")]
        constraints = [models.UniqueConstraint(fields=["loan", "kind", "maturity_on"], name="one_notice_per_maturity")]


class CollectionLog(ScopedModel):
    """The collection log of a loan: visits, calls, promises to pay, repayment plans, results."""

    class Kind(models.TextChoices):
        VISIT = "visit", _("Home visit")
        CALL = "call", _("Phone call")
        PLAN = "plan", _("Repayment plan")
        OTHER = "other", _("Other")

    bank_lookup = "loan__bank_id"

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="collection_logs")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    happened_on = models.DateField(_("date"))
    promise_to_pay_on = models.DateField(_("promised to pay on"), null=True, blank=True)
    promised_amount = models.DecimalField(_("promised amount"), max_digits=14, decimal_places=2, null=True, blank=True)
    result = models.CharField(_("result"), max_length=500)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-happened_on", "-id"]
        indexes = [prefix_index("collection_log_prefix_idx")]


class BulletinRow(ScopedModel):
    """一日一通报: one day's figures for a county, broken down by township, by bank, and by bank within each township.
    Kept for every day. `region_code` is the county (padded) for the county and bank rows, the township (padded) for
    township and township×bank rows; a bank's rows are routed to it (`bank`), so `visible_to` alone decides who
    reads which: a bank officer only their bank's rows of their area, other users no bank's figures outside theirs."""

    class Group(models.TextChoices):
        COUNTY = "county", _("County")
        TOWNSHIP = "township", _("Township")
        BANK = "bank", _("Bank")
        TOWNSHIP_BANK = "township_bank", _("Bank in a township")

    bank_lookup = "bank_id"

    day = models.DateField(_("day"))
    county_code = models.CharField(max_length=12)
    group = models.CharField(max_length=13, choices=Group.choices)
    key = models.CharField(max_length=40, help_text="township code, bank id, or township code:bank id")
    bank = models.ForeignKey(Bank, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    label = models.CharField(max_length=100)
    loans = models.PositiveIntegerField(default=0)
    balance = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    overdue_count = models.PositiveIntegerField(default=0)
    overdue_amount = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    overdue_rate = models.DecimalField(max_digits=7, decimal_places=2, default=0, help_text="percent")
    red_line = models.DecimalField(max_digits=7, decimal_places=2, default=0, help_text="percent")
    new_overdue = models.PositiveIntegerField(default=0)
    maturing_soon = models.PositiveIntegerField(default=0)
    inspections_overdue = models.PositiveIntegerField(default=0)
    late_disbursements = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["day", "county_code", "group", "key"]
        indexes = [prefix_index("bulletin_prefix_idx"), models.Index(fields=["day", "county_code"], name="bulletin_day_county_idx")]
        constraints = [models.UniqueConstraint(fields=["day", "county_code", "group", "key"], name="uniq_bulletin_row")]

    @property
    def over_red_line(self) -> bool:
        return self.overdue_rate > self.red_line


class JobRun(models.Model):
    """One daily (or monthly) job done for one day: the idempotency and catch-up ledger of the scheduler."""

    job = models.CharField(max_length=40)
    day = models.DateField()
    finished_at = models.DateTimeField(auto_now_add=True)
    result = models.JSONField(default=dict)

    class Meta:
        ordering = ["-day", "job"]
        constraints = [models.UniqueConstraint(fields=["job", "day"], name="uniq_job_day")]

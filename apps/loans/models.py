from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from apps.accounts.models import Bank, BankBranch
from apps.core.scoping import ScopedModel, ScopedQuerySet, prefix_index
from apps.households.models import Household, Member


class LoanState(models.TextChoices):
    CONTRACTED = "contracted", _("Contract signed, not disbursed")
    DISBURSED = "disbursed", _("Disbursed (active)")
    EXTENDED = "extended", _("Extended")
    DEFERRED = "deferred", _("Deferred (epidemic relief)")
    SETTLED = "settled", _("Settled")
    RENEWED = "renewed", _("Closed by renewal")


# Money is out with the household in these states; the loan is open (counts against the cap) in OPEN_STATES.
ACTIVE_STATES = [LoanState.DISBURSED, LoanState.EXTENDED, LoanState.DEFERRED]
OPEN_STATES = [LoanState.CONTRACTED, *ACTIVE_STATES]


class Purpose(models.TextChoices):
    """Production purposes only (DOMAIN: the loan)."""

    PLANTING = "planting", _("Planting")
    BREEDING = "breeding", _("Animal breeding")
    PROCESSING = "processing", _("Processing")
    TRADE = "trade", _("Trade and services")
    RURAL_TOURISM = "rural_tourism", _("Rural tourism")
    OTHER_PRODUCTION = "other_production", _("Other production")


class LoanQuerySet(ScopedQuerySet):
    def open(self):
        return self.filter(state__in=OPEN_STATES)


class Loan(ConcurrentTransitionMixin, ScopedModel):
    """A loan account. Outstanding balance = disbursed principal − principal repaid, always."""

    bank_lookup = "bank_id"

    # No single-column indexes on household and bank: the composite indexes below lead with them, and every
    # index costs each daily UPDATE over the portfolio.
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="loans", verbose_name=_("household"),
                                  db_index=False)
    borrower = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="loans", verbose_name=_("borrower"))
    bank = models.ForeignKey(Bank, on_delete=models.PROTECT, related_name="loans", verbose_name=_("bank"), db_index=False)
    branch = models.ForeignKey(BankBranch, null=True, blank=True, on_delete=models.PROTECT, related_name="loans")
    contract_no = models.CharField(_("contract number"), max_length=50)
    receipt_no = models.CharField(_("loan receipt number"), max_length=50)
    signed_on = models.DateField(_("signed on"))
    principal = models.DecimalField(_("principal (yuan)"), max_digits=14, decimal_places=2)
    term_months = models.PositiveSmallIntegerField(_("term (months)"))
    annual_rate = models.DecimalField(_("annual interest rate (%)"), max_digits=6, decimal_places=3)
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    purpose_detail = models.CharField(_("industry project"), max_length=300, blank=True)
    maturity_on = models.DateField(_("maturity date"))
    original_maturity_on = models.DateField(_("original maturity date"))
    disburse_by = models.DateField(_("disburse by"))
    disbursed_on = models.DateField(_("disbursed on"), null=True, blank=True)
    principal_repaid = models.DecimalField(_("principal repaid"), max_digits=14, decimal_places=2, default=Decimal("0"))
    interest_paid = models.DecimalField(_("interest paid"), max_digits=14, decimal_places=2, default=Decimal("0"))
    penalty_paid = models.DecimalField(_("penalty interest paid"), max_digits=14, decimal_places=2, default=Decimal("0"))
    settled_on = models.DateField(_("settled on"), null=True, blank=True)
    renewed_from = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="renewed_to")
    state = FSMField(_("state"), max_length=20, choices=LoanState.choices, default=LoanState.CONTRACTED, protected=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    objects = LoanQuerySet.as_manager()

    class Meta:
        ordering = ["-signed_on", "-id"]
        verbose_name = _("loan")
        verbose_name_plural = _("loans")
        indexes = [
            prefix_index("loan_region_prefix_idx"),
            models.Index(fields=["bank", "state", "maturity_on"], name="loan_bank_state_maturity_idx"),
            models.Index(fields=["household", "state"], name="loan_household_state_idx"),
            models.Index(fields=["state", "maturity_on"], name="loan_state_maturity_idx"),
            # The lists' order (newest signed first): without these every page sorts the whole scope. The region
            # code rides along so a deep page's ids come from the index alone (apps/core/paging.py).
            models.Index(fields=["bank", "-signed_on", "-id"], include=["region_code"], name="loan_bank_signed_order_idx"),
            models.Index(fields=["-signed_on", "-id"], include=["region_code"], name="loan_signed_order_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["bank", "contract_no"], name="uniq_contract_per_bank"),
            models.CheckConstraint(condition=Q(principal__gt=0), name="loan_principal_positive"),
            models.CheckConstraint(condition=Q(principal_repaid__gte=0) & Q(principal_repaid__lte=F("principal")),
                                   name="loan_repaid_within_principal"),
            models.CheckConstraint(condition=Q(maturity_on__gt=F("signed_on")), name="loan_matures_after_signing"),
        ]

    def __str__(self):
        return f"{self.contract_no} {self.household.head_name}"

    @property
    def balance(self) -> Decimal:
        """Outstanding balance: disbursed principal minus principal repaid; nothing before disbursement."""
        if self.state in ACTIVE_STATES:
            return self.principal - self.principal_repaid
        return Decimal("0.00")

    @property
    def overdue_since(self):
        """The day principal became overdue, as the daily job marked it (None when not marked)."""
        mark = getattr(self, "overdue_mark", None)  # a missing reverse one-to-one raises an AttributeError subclass
        return mark.since if mark else None

    @property
    def committed(self) -> Decimal:
        """What counts against the household cap: the open principal, disbursed or not."""
        return self.principal - self.principal_repaid if self.state in OPEN_STATES else Decimal("0.00")

    @transition(field=state, source=LoanState.CONTRACTED, target=LoanState.DISBURSED)
    def disburse(self, on):
        self.disbursed_on = on

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES

    @transition(field=state, source=ACTIVE_STATES, target=LoanState.SETTLED)
    def settle(self, on):
        self.settled_on = on

    @transition(field=state, source=ACTIVE_STATES, target=LoanState.RENEWED)
    def close_by_renewal(self, on):
        self.settled_on = on

    @transition(field=state, source=[LoanState.DISBURSED, LoanState.DEFERRED], target=LoanState.EXTENDED)
    def extend(self, new_maturity):
        self.maturity_on = new_maturity

    @transition(field=state, source=[LoanState.DISBURSED, LoanState.EXTENDED], target=LoanState.DEFERRED)
    def defer(self, new_maturity):
        self.maturity_on = new_maturity


EVENT_LABELS = {
    "opened": _("contract signed, account opened"),
    "opened_by_renewal": _("opened by renewal"),
    "disbursed": _("disbursed"),
    "repaid": _("repayment recorded"),
    "settled": _("settled"),
    "renewed": _("closed by renewal"),
    "extension_requested": _("extension requested"),
    "extension_approved": _("extension approved"),
    "extension_rejected": _("extension rejected"),
    "deferral_requested": _("deferral requested"),
    "deferral_approved": _("deferral approved"),
    "deferral_rejected": _("deferral rejected"),
    "notice_published": _("published in the public notice"),
}


class OverdueMark(models.Model):
    """Set by the daily overdue marking (principal unpaid after maturity), removed when no longer overdue. A narrow
    table of its own: on a day many loans fall overdue the job inserts small rows instead of rewriting the wide
    loan rows and every index on them (measured at 672,667 loans: 8 s against 37–47 s)."""

    loan = models.OneToOneField(Loan, primary_key=True, on_delete=models.CASCADE, related_name="overdue_mark")
    since = models.DateField(_("overdue since"))

    class Meta:
        verbose_name = _("overdue mark")
        verbose_name_plural = _("overdue marks")
        indexes = [models.Index(fields=["since"], name="overdue_mark_since_idx")]


class LoanEvent(ScopedModel):
    """Append-only history of a loan: who, role, when, what, comment."""

    loan = models.ForeignKey(Loan, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    role = models.CharField(max_length=20, blank=True)
    action = models.CharField(max_length=30)
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20, blank=True)
    comment = models.CharField(max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [prefix_index("loan_event_prefix_idx")]

    @property
    def label(self) -> str:
        return str(EVENT_LABELS.get(self.action, self.action))


class Repayment(ScopedModel):
    """A repayment posted by the bank, split into principal, interest and penalty interest. A retried POST
    with the same Idempotency-Key returns the first result and records nothing."""

    bank_lookup = "loan__bank_id"

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="repayments")
    paid_on = models.DateField(_("paid on"))
    principal = models.DecimalField(_("principal"), max_digits=14, decimal_places=2, default=Decimal("0"))
    interest = models.DecimalField(_("interest"), max_digits=14, decimal_places=2, default=Decimal("0"))
    penalty = models.DecimalField(_("penalty interest"), max_digits=14, decimal_places=2, default=Decimal("0"))
    bank = models.ForeignKey(Bank, on_delete=models.PROTECT, related_name="+")
    idempotency_key = models.CharField(max_length=100, blank=True)
    request_digest = models.CharField(max_length=64, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["paid_on", "id"]
        verbose_name = _("repayment")
        verbose_name_plural = _("repayments")
        # paid_on: the bulletin adds back only repayments made after the day it reports on.
        indexes = [prefix_index("repayment_region_prefix_idx"), models.Index(fields=["paid_on"], name="repayment_paid_on_idx")]
        constraints = [
            models.UniqueConstraint(fields=["bank", "idempotency_key"], condition=~Q(idempotency_key=""), name="uniq_repayment_idempotency"),
            models.CheckConstraint(condition=Q(principal__gte=0) & Q(interest__gte=0) & Q(penalty__gte=0), name="repayment_parts_nonnegative"),
            models.CheckConstraint(condition=Q(principal__gt=0) | Q(interest__gt=0) | Q(penalty__gt=0), name="repayment_not_empty"),
        ]

    @property
    def amount(self) -> Decimal:
        return self.principal + self.interest + self.penalty


class Change(models.TextChoices):
    EXTENSION = "extension", _("Extension (展期)")
    DEFERRAL = "deferral", _("Epidemic deferral (延期还款)")


class TermChange(ScopedModel):
    """A request to move a loan's maturity — extension or epidemic deferral — asked by the village group or
    the bank, decided by the bank, visible to the county."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    bank_lookup = "loan__bank_id"

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="term_changes")
    kind = models.CharField(_("kind"), max_length=10, choices=Change.choices)
    months = models.PositiveSmallIntegerField(_("months"), null=True, blank=True)
    new_maturity_on = models.DateField(_("new maturity date"))
    old_maturity_on = models.DateField(_("maturity before"))
    reason = models.CharField(_("reason"), max_length=500)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.REQUESTED)
    new_rate = models.DecimalField(_("rate from the change"), max_digits=6, decimal_places=3, null=True, blank=True)
    effective_on = models.DateField(_("effective from"), null=True, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comment = models.CharField(_("decision comment"), max_length=500, blank=True)

    class Meta:
        ordering = ["requested_at", "id"]
        verbose_name = _("extension or deferral")
        verbose_name_plural = _("extensions and deferrals")
        indexes = [prefix_index("term_change_prefix_idx")]
        constraints = [
            models.UniqueConstraint(fields=["loan", "kind"], condition=Q(status="requested"), name="one_open_request_per_kind"),
        ]


class PublicNotice(ScopedModel):
    """公示: the county publishes, per village, the borrowers, purposes, amounts and subsidies for a period of
    working days with its report hotline. Personal identifiers are masked in the entries themselves."""

    village_name = models.CharField(_("village"), max_length=200)
    published_on = models.DateField(_("published on"))
    ends_on = models.DateField(_("ends on"))
    hotline = models.CharField(_("report hotline"), max_length=40)
    closed_on = models.DateField(_("closed on"), null=True, blank=True, help_text=_("Set by the daily job after the period ends."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-published_on", "-id"]
        verbose_name = _("public notice")
        verbose_name_plural = _("public notices")
        indexes = [prefix_index("public_notice_prefix_idx")]

    def is_open(self, today) -> bool:
        return self.published_on <= today <= self.ends_on


class PublicNoticeEntry(models.Model):
    notice = models.ForeignKey(PublicNotice, on_delete=models.CASCADE, related_name="entries")
    loan = models.OneToOneField(Loan, on_delete=models.PROTECT, related_name="notice_entry")
    borrower_masked = models.CharField(_("borrower"), max_length=50)
    id_masked = models.CharField(_("ID number"), max_length=18)
    purpose = models.CharField(_("purpose"), max_length=300)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    subsidy_rate = models.DecimalField(_("subsidy rate (%)"), max_digits=6, decimal_places=3)
    subsidy_estimate = models.DecimalField(_("estimated subsidy"), max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["id"]

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from apps.accounts.models import Bank
from apps.core.scoping import ScopedModel, prefix_index
from apps.households.models import Household, Member
from apps.loans.models import Loan, Purpose


class State(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted to the village")
    VILLAGE_APPROVED = "village_approved", _("Passed village review")
    TOWNSHIP_APPROVED = "township_approved", _("Passed township review")
    COUNTY_RECOMMENDED = "county_recommended", _("Recommended by the county")
    BANK_APPROVED = "bank_approved", _("Approved by the bank")
    RETURNED = "returned", _("Returned for correction")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Level(models.TextChoices):
    """Review levels, bottom-up. `applicant` is where a village-level return goes back to."""

    APPLICANT = "applicant", _("Applicant")
    VILLAGE = "village", _("Village")
    TOWNSHIP = "township", _("Township")
    COUNTY = "county", _("County")
    BANK = "bank", _("Bank")


OPEN_STATES = [State.DRAFT, State.SUBMITTED, State.VILLAGE_APPROVED, State.TOWNSHIP_APPROVED, State.COUNTY_RECOMMENDED, State.RETURNED]
REVIEW_STATES = [State.SUBMITTED, State.VILLAGE_APPROVED, State.TOWNSHIP_APPROVED, State.COUNTY_RECOMMENDED]
# The level that acts on an application in each review state, and the level below it (where a return goes).
ACTING_LEVEL = {State.SUBMITTED: Level.VILLAGE, State.VILLAGE_APPROVED: Level.TOWNSHIP,
                State.TOWNSHIP_APPROVED: Level.COUNTY, State.COUNTY_RECOMMENDED: Level.BANK}
LEVEL_BELOW = {Level.VILLAGE: Level.APPLICANT, Level.TOWNSHIP: Level.VILLAGE, Level.COUNTY: Level.TOWNSHIP, Level.BANK: Level.COUNTY}


def _returned_to(level):
    return lambda app: app.state != State.RETURNED or app.returned_to == level


class Application(ConcurrentTransitionMixin, ScopedModel):
    """A household's loan application and its way through village → township → county → bank."""

    bank_lookup = "bank_id"

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="applications", verbose_name=_("household"))
    borrower = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="applications", verbose_name=_("borrower"))
    bank = models.ForeignKey(Bank, on_delete=models.PROTECT, related_name="applications", verbose_name=_("lending bank"))
    amount = models.DecimalField(_("amount requested (yuan)"), max_digits=14, decimal_places=2)
    term_months = models.PositiveSmallIntegerField(_("term (months)"))
    purpose = models.CharField(_("purpose"), max_length=30)
    project = models.CharField(_("industry project"), max_length=500)
    cooperative_mode = models.BooleanField(_("cooperative mode (带资带劳)"), default=False)
    cooperative_consent = models.CharField(_("household's consent to the cooperative mode"), max_length=300, blank=True)
    applied_on = models.DateField(_("applied on"))
    state = FSMField(_("state"), max_length=20, choices=State.choices, default=State.DRAFT, protected=True)
    returned_to = models.CharField(_("returned to"), max_length=10, choices=Level.choices, blank=True)
    approved_amount = models.DecimalField(_("amount approved by the bank"), max_digits=14, decimal_places=2, null=True, blank=True)
    approved_term_months = models.PositiveSmallIntegerField(_("term approved by the bank"), null=True, blank=True)
    loan = models.OneToOneField(Loan, null=True, blank=True, on_delete=models.PROTECT, related_name="application")
    batch = models.ForeignKey("ReviewBatch", null=True, blank=True, on_delete=models.SET_NULL, related_name="applications")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-applied_on", "-id"]
        verbose_name = _("loan application")
        verbose_name_plural = _("loan applications")
        indexes = [prefix_index("application_region_prefix_idx"), models.Index(fields=["state", "bank"], name="application_state_bank_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="application_amount_positive"),
            models.CheckConstraint(condition=Q(term_months__gt=0), name="application_term_positive"),
            models.CheckConstraint(condition=Q(cooperative_mode=False) | ~Q(cooperative_consent=""), name="cooperative_needs_consent"),
        ]

    def __str__(self):
        return f"{self.household.head_name} {self.amount}"

    @property
    def acting_level(self) -> str | None:
        if self.state == State.RETURNED:
            return self.returned_to
        if self.state == State.DRAFT:
            return Level.APPLICANT
        return ACTING_LEVEL.get(self.state)

    # Transitions change only the state and their own fields; services check roles and policy.
    @transition(field=state, source=[State.DRAFT, State.RETURNED], target=State.SUBMITTED, conditions=[_returned_to(Level.APPLICANT)])
    def submit(self):
        self.returned_to = ""

    @transition(field=state, source=[State.SUBMITTED, State.RETURNED], target=State.VILLAGE_APPROVED, conditions=[_returned_to(Level.VILLAGE)])
    def village_approve(self):
        self.returned_to = ""

    @transition(field=state, source=[State.VILLAGE_APPROVED, State.RETURNED], target=State.TOWNSHIP_APPROVED, conditions=[_returned_to(Level.TOWNSHIP)])
    def township_approve(self):
        self.returned_to = ""

    @transition(field=state, source=[State.TOWNSHIP_APPROVED, State.RETURNED], target=State.COUNTY_RECOMMENDED, conditions=[_returned_to(Level.COUNTY)])
    def county_recommend(self):
        self.returned_to = ""

    @transition(field=state, source=State.COUNTY_RECOMMENDED, target=State.BANK_APPROVED)
    def bank_approve(self, amount, term_months):
        self.approved_amount, self.approved_term_months = amount, term_months

    @transition(field=state, source=REVIEW_STATES, target=State.RETURNED)
    def send_back(self):
        self.returned_to = LEVEL_BELOW[ACTING_LEVEL[self.state]]

    @transition(field=state, source=REVIEW_STATES + [State.RETURNED], target=State.REJECTED)
    def reject(self):
        pass

    @transition(field=state, source=[State.DRAFT, State.SUBMITTED, State.VILLAGE_APPROVED, State.TOWNSHIP_APPROVED,
                                     State.COUNTY_RECOMMENDED, State.RETURNED], target=State.WITHDRAWN)
    def withdraw(self):
        pass


class ReviewBatch(ScopedModel):
    """One submission of several applications with a summary sheet (汇总表), or one batch approval."""

    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("review batch")
        verbose_name_plural = _("review batches")
        indexes = [prefix_index("review_batch_prefix_idx")]


class Decision(models.TextChoices):
    CREATE = "create", _("Created")
    SUBMIT = "submit", _("Submitted")
    APPROVE = "approve", _("Approved")
    RECOMMEND = "recommend", _("Recommended for lending")
    RETURN = "return", _("Returned for correction")
    REJECT = "reject", _("Rejected")
    WITHDRAW = "withdraw", _("Withdrawn")
    OPINION = "opinion", _("Review opinion")


class ReviewDecision(ScopedModel):
    """Append-only record of every decision: who, role, level, when, decision, comment, signer."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="decisions")
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by"))
    role = models.CharField(_("role"), max_length=20)
    signer_name = models.CharField(_("signed by"), max_length=50, blank=True)
    comment = models.CharField(_("comment"), max_length=1000, blank=True)
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20, blank=True)
    batch = models.ForeignKey(ReviewBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="decisions")
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("review decision")
        verbose_name_plural = _("review decisions")
        indexes = [prefix_index("review_decision_prefix_idx")]


__all__ = ["Application", "ReviewBatch", "ReviewDecision", "State", "Level", "Decision", "Purpose"]

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.lookups import GreaterThanOrEqual, LessThanOrEqual
from django.utils.translation import gettext_lazy as _

from apps.core.scoping import prefix_index


class Level(models.IntegerChoices):
    PROVINCE = 1, _("Province")
    PREFECTURE = 2, _("Prefecture")
    COUNTY = 3, _("County")
    TOWNSHIP = 4, _("Township")
    VILLAGE = 5, _("Village")


# Digits of the 12-digit 统计用区划代码 that a region at each level owns.
PREFIX_LENGTH = {Level.PROVINCE: 2, Level.PREFECTURE: 4, Level.COUNTY: 6, Level.TOWNSHIP: 9, Level.VILLAGE: 12}


class RegionCodeTable(models.Model):
    """One imported year of the national code table; entries keep every year's names."""

    year = models.PositiveIntegerField(_("year"), unique=True)
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    source = models.CharField(_("source"), max_length=200, blank=True)
    entry_count = models.PositiveIntegerField(_("entries"), default=0)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("region code table")
        verbose_name_plural = _("region code tables")

    def __str__(self):
        return str(self.year)


class RegionCodeEntry(models.Model):
    table = models.ForeignKey(RegionCodeTable, on_delete=models.CASCADE, related_name="entries")
    code = models.CharField(max_length=12)
    name = models.CharField(max_length=100)
    level = models.PositiveSmallIntegerField(choices=Level.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["table", "code"], name="uniq_code_per_table")]


class Region(models.Model):
    """The live region tree. Codes retired by a newer table stay (rows still point at them) but are inactive."""

    code = models.CharField(_("code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    active = models.BooleanField(_("active"), default=True)
    first_year = models.PositiveIntegerField(_("first year"), null=True, blank=True)
    last_year = models.PositiveIntegerField(_("last year"), null=True, blank=True)
    hotline = models.CharField(_("report hotline"), max_length=40, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        indexes = [prefix_index("region_code_prefix_idx", "code")]
        constraints = [
            models.CheckConstraint(condition=Q(code__regex=r"^\d{12}$"), name="region_code_12_digits"),
        ]

    def __str__(self):
        return self.name

    @property
    def prefix(self) -> str:
        return self.code[: PREFIX_LENGTH[self.level]]

    @property
    def county_code(self) -> str | None:
        return self.code[:6] + "000000" if self.level >= Level.COUNTY else None

    def ancestors(self):
        codes = [self.code[:n].ljust(12, "0") for lvl, n in PREFIX_LENGTH.items() if lvl < self.level]
        return Region.objects.filter(code__in=codes).order_by("level")

    def full_name(self) -> str:
        return "".join(r.name for r in self.ancestors() if r.level >= Level.COUNTY) + self.name

    def contains(self, code: str) -> bool:
        return code.startswith(self.prefix)


def code_prefix(code: str, level: int) -> str:
    return code[: PREFIX_LENGTH[level]]


def level_of(code: str) -> int:
    """Level implied by the trailing zeros of a 12-digit code."""
    for level in (Level.VILLAGE, Level.TOWNSHIP, Level.COUNTY, Level.PREFECTURE):
        n = PREFIX_LENGTH[level]
        prev = PREFIX_LENGTH[level - 1]
        if code[prev:n].strip("0"):
            return level
    return Level.PROVINCE


class ShareScheme(models.TextChoices):
    """Who bears a compensated loss. The shares themselves are the policy's share_* fields (summing to 1);
    the scheme names which parties take part."""

    COUNTY_BANK = "county_bank", _("County fund and bank (e.g. 80% / 20%)")
    INSURER_BANK_COUNTY = "insurer_bank_county", _("Insurer, bank and county (e.g. 70% / 15% / 15%)")
    GUARANTEE_CHAIN = "guarantee_chain", _("Provincial guarantor, counter-guarantor, county and bank (e.g. 40% / 20% / 30% / 10%)")


# The parties each scheme may give a share to (the others must be 0).
SCHEME_PARTIES = {
    ShareScheme.COUNTY_BANK: {"share_county", "share_bank"},
    ShareScheme.INSURER_BANK_COUNTY: {"share_county", "share_bank", "share_insurer"},
    ShareScheme.GUARANTEE_CHAIN: {"share_county", "share_bank", "share_guarantor", "share_counter_guarantor"},
}
SHARE_FIELDS = ("share_county", "share_bank", "share_insurer", "share_guarantor", "share_counter_guarantor")
_SHARE_SUM = models.F("share_county") + models.F("share_bank") + models.F("share_insurer") + models.F("share_guarantor") + \
    models.F("share_counter_guarantor")


class SubsidySettlement(models.TextChoices):
    QUARTERLY = "quarterly", _("Quarterly")
    YEARLY = "yearly", _("Yearly")


class ExtensionRule(models.TextChoices):
    LOAN_GENERAL_RULES = "general_rules", _("≤ 1 year: up to the original term; 1–3 years: up to half")
    PRODUCT_CAP = "product_cap", _("Original term + extension within the product maximum")


class CountyPolicy(models.Model):
    """Every tunable of DOMAIN.md for one county, effective from a date. Rows are never edited in place:
    a change is a new row with a later `effective_on`, so the rule in force on any past day is known."""

    county = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="policies", limit_choices_to={"level": Level.COUNTY}
    )
    effective_on = models.DateField(_("effective from"))
    # The loan
    household_cap = models.DecimalField(_("cap per household (yuan)"), max_digits=14, decimal_places=2, default=Decimal("50000.00"))
    max_term_months = models.PositiveSmallIntegerField(_("maximum term (months)"), default=36)
    borrower_min_age = models.PositiveSmallIntegerField(_("minimum borrower age"), default=18)
    borrower_max_age = models.PositiveSmallIntegerField(_("maximum borrower age"), default=65)
    eligible_statuses = models.JSONField(
        _("eligible registration statuses"), default=list, blank=True,
        help_text=_("Empty means the default: registered poor, lifted out, marginal and monitored households."),
    )
    min_credit_grade = models.CharField(_("minimum credit grade"), max_length=4, default="A")
    grade_aaa_min = models.PositiveSmallIntegerField(_("score for AAA"), default=80)
    grade_aa_min = models.PositiveSmallIntegerField(_("score for AA"), default=70)
    grade_a_min = models.PositiveSmallIntegerField(_("score for A"), default=60)
    rerating_months = models.PositiveSmallIntegerField(_("re-rating interval (months)"), default=12)
    # Process deadlines
    disbursement_working_days = models.PositiveSmallIntegerField(_("disbursement within (working days)"), default=7)
    notice_working_days = models.PositiveSmallIntegerField(_("public notice period (working days)"), default=5)
    due_reminder_days = models.PositiveSmallIntegerField(_("due notice before maturity (days)"), default=30)
    # Post-loan
    withdrawal_alert_amount = models.DecimalField(_("withdrawal alert from (yuan)"), max_digits=14, decimal_places=2, default=Decimal("10000.00"))
    spot_check_share = models.DecimalField(_("spot-check share of small withdrawals"), max_digits=5, decimal_places=4, default=Decimal("0.1000"),
                                           validators=[MinValueValidator(0), MaxValueValidator(1)])
    first_inspection_months = models.PositiveSmallIntegerField(_("first inspection within (months)"), default=1)
    inspection_months_normal = models.PositiveSmallIntegerField(_("inspection interval, no problem (months)"), default=3)
    inspection_months_problem = models.PositiveSmallIntegerField(_("inspection interval, problem found (months)"), default=1)
    # Renewal and extension
    extension_rule = models.CharField(_("extension length rule"), max_length=20, choices=ExtensionRule.choices, default=ExtensionRule.LOAN_GENERAL_RULES)
    max_renewals = models.PositiveSmallIntegerField(_("renewals per loan"), default=1)
    max_extensions = models.PositiveSmallIntegerField(_("extensions per loan"), default=1)
    deferral_max_months = models.PositiveSmallIntegerField(_("COVID deferral up to (months)"), default=6)
    # Risk
    compensation_overdue_days = models.PositiveSmallIntegerField(_("compensation after unpaid recovery (days)"), default=90)
    share_scheme = models.CharField(_("loss sharing"), max_length=30, choices=ShareScheme.choices, default=ShareScheme.COUNTY_BANK)
    share_county = models.DecimalField(_("county share"), max_digits=5, decimal_places=4, default=Decimal("0.8000"))
    share_bank = models.DecimalField(_("bank share"), max_digits=5, decimal_places=4, default=Decimal("0.2000"))
    share_insurer = models.DecimalField(_("insurer share"), max_digits=5, decimal_places=4, default=Decimal("0.0000"))
    share_guarantor = models.DecimalField(_("provincial guarantor share"), max_digits=5, decimal_places=4, default=Decimal("0.0000"))
    share_counter_guarantor = models.DecimalField(_("counter-guarantor share"), max_digits=5, decimal_places=4, default=Decimal("0.0000"))
    fund_leverage = models.PositiveSmallIntegerField(_("lending up to (times the risk fund)"), default=10)
    fund_topup_days = models.PositiveSmallIntegerField(_("fund topped up within (days) once the multiple is reached"), default=30)
    npl_stop_ratio = models.DecimalField(
        _("NPL ratio at which lending stops"), max_digits=6, decimal_places=4, default=Decimal("0.0500"),
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=_("A local rule; the documents give no national figure. 0.05 = 5%."))
    recovery_years = models.PositiveSmallIntegerField(_("recovery period before write-off (years)"), default=3)
    overdue_red_line = models.DecimalField(_("overdue-rate red line"), max_digits=6, decimal_places=4, default=Decimal("0.0050"))
    # Interest subsidy
    subsidy_rate = models.DecimalField(_("interest subsidy share"), max_digits=5, decimal_places=4, default=Decimal("1.0000"),
                                       help_text=_("1 = full subsidy at the contract rate."))
    subsidy_principal_cap = models.DecimalField(_("subsidised principal up to (yuan)"), max_digits=14, decimal_places=2, default=Decimal("50000.00"))
    subsidy_settlement = models.CharField(_("subsidy settled"), max_length=10, choices=SubsidySettlement.choices,
                                          default=SubsidySettlement.QUARTERLY)
    subsidy_on_time_only = models.BooleanField(_("subsidy only for households that repaid on time"), default=False)
    hotline = models.CharField(_("report hotline"), max_length=40, blank=True)
    note = models.CharField(_("reason for change"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["county__code", "-effective_on"]
        verbose_name = _("county policy")
        verbose_name_plural = _("county policies")
        constraints = [
            models.UniqueConstraint(fields=["county", "effective_on"], name="one_policy_per_county_day"),
            models.CheckConstraint(condition=Q(household_cap__gt=0), name="policy_cap_positive"),
            models.CheckConstraint(condition=Q(borrower_min_age__lte=models.F("borrower_max_age")), name="policy_age_range"),
            models.CheckConstraint(
                condition=Q(grade_a_min__lte=models.F("grade_aa_min")) & Q(grade_aa_min__lte=models.F("grade_aaa_min")),
                name="policy_grade_order",
            ),
            models.CheckConstraint(
                condition=Q(share_county__gte=0) & Q(share_bank__gte=0) & Q(share_insurer__gte=0), name="policy_shares_nonnegative"
            ),
            models.CheckConstraint(condition=Q(share_guarantor__gte=0) & Q(share_counter_guarantor__gte=0),
                                   name="policy_guarantor_shares_nonnegative"),
            # Within half a unit of the 4th decimal: SQLite adds the shares as floating-point numbers.
            models.CheckConstraint(condition=Q(GreaterThanOrEqual(_SHARE_SUM, Decimal("0.99995")),
                                               LessThanOrEqual(_SHARE_SUM, Decimal("1.00005"))),
                                   name="policy_shares_sum_to_one"),
        ]

    def clean(self):
        """The loss shares add up to 1 and go only to the parties the scheme names."""
        from .policy import shares_problem

        code = shares_problem(self.share_scheme, {f: getattr(self, f) for f in SHARE_FIELDS}, SCHEME_PARTIES.get(self.share_scheme))
        if code:
            from apps.core.messages import message

            raise ValidationError({"share_scheme": message(code)}, code=code)

    def __str__(self):
        return f"{self.county} {self.effective_on:%Y-%m-%d}"


class InterestRate(models.Model):
    """Dated national rate table: the PBoC benchmark to 2019, then the LPR. Rates in percent a year."""

    class Kind(models.TextChoices):
        BENCHMARK = "benchmark", _("PBoC benchmark rate")
        LPR = "lpr", _("Loan prime rate (LPR)")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    effective_on = models.DateField(_("effective from"))
    up_to_one_year = models.DecimalField(_("≤ 1 year (%)"), max_digits=6, decimal_places=3)
    long_term = models.DecimalField(_("1–3 years / 5-year band (%)"), max_digits=6, decimal_places=3)

    class Meta:
        ordering = ["-effective_on"]
        verbose_name = _("interest rate")
        verbose_name_plural = _("interest rates")
        constraints = [models.UniqueConstraint(fields=["kind", "effective_on"], name="one_rate_per_kind_day")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.effective_on}: {self.up_to_one_year}/{self.long_term}"


class Holiday(models.Model):
    """A day that breaks the Monday–Friday rule: a public holiday on a weekday, or a make-up working
    day (调休) on a weekend. Editable; seeded from chinese-calendar."""

    date = models.DateField(_("date"), unique=True)
    is_working_day = models.BooleanField(_("working day"), default=False, help_text=_("Tick for a make-up working day on a weekend."))
    name = models.CharField(_("name"), max_length=50, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("holiday or make-up day")
        verbose_name_plural = _("holiday calendar")

    def __str__(self):
        return f"{self.date} {self.name}"


class CalendarYear(models.Model):
    """Marks a year whose holidays are loaded; other years fall back to weekends only, with a warning."""

    year = models.PositiveIntegerField(_("year"), unique=True)
    source = models.CharField(_("source"), max_length=50, default="chinese-calendar")
    loaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["year"]
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")

    def __str__(self):
        return str(self.year)

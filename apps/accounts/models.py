import hashlib
import secrets
from decimal import Decimal

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.scoping import ScopedQuerySet
from apps.regions.models import PREFIX_LENGTH, Level, Region

from .roles import Position, Role, has_capability


class Bank(models.Model):
    """A lending institution (承贷机构), e.g. a rural commercial bank."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    counties = models.ManyToManyField(Region, through="CountyBank", related_name="banks", blank=True)
    # Interest is settled quarterly on this day of the quarter's last month (结息日, usually the 20th).
    interest_settlement_day = models.PositiveSmallIntegerField(_("interest settlement day"), default=20)
    penalty_rate_markup = models.DecimalField(_("penalty rate markup on overdue amounts"), max_digits=4, decimal_places=2,
                                              default=Decimal("0.50"), help_text=_("0.50 = contract rate plus 50%."))

    class Meta:
        ordering = ["name"]
        verbose_name = _("bank")
        verbose_name_plural = _("banks")

    def __str__(self):
        return self.name


class CountyBank(models.Model):
    """A bank lending in a county; `main_townships` are the townships where it is the 主责任银行."""

    county = models.ForeignKey(Region, on_delete=models.PROTECT, limit_choices_to={"level": Level.COUNTY})
    bank = models.ForeignKey(Bank, on_delete=models.PROTECT)
    main_townships = models.ManyToManyField(
        Region, blank=True, related_name="main_banks", limit_choices_to={"level": Level.TOWNSHIP}
    )

    class Meta:
        verbose_name = _("lending bank of a county")
        verbose_name_plural = _("lending banks of counties")
        constraints = [models.UniqueConstraint(fields=["county", "bank"], name="uniq_county_bank")]

    def __str__(self):
        return f"{self.county} · {self.bank}"


class BankBranch(models.Model):
    bank = models.ForeignKey(Bank, on_delete=models.PROTECT, related_name="branches")
    name = models.CharField(_("name"), max_length=100)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="bank_branches",
                               help_text=_("The area the branch serves (county or township)."))

    class Meta:
        ordering = ["bank__name", "name"]
        verbose_name = _("bank branch")
        verbose_name_plural = _("bank branches")
        constraints = [models.UniqueConstraint(fields=["bank", "name"], name="uniq_branch_name")]

    def __str__(self):
        return f"{self.bank.short_name or self.bank.name} {self.name}"


class ScopedUserManager(UserManager.from_queryset(ScopedQuerySet)):
    pass


class User(AbstractUser):
    region_field = "region__code"
    bank_lookup = "bank_id"

    real_name = models.CharField(_("real name"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.SUPERVISOR)
    position = models.CharField(_("position in the village group"), max_length=20, choices=Position.choices, blank=True)
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT, related_name="users",
                               verbose_name=_("scope region"))
    bank = models.ForeignKey(Bank, null=True, blank=True, on_delete=models.PROTECT, related_name="users", verbose_name=_("bank"))
    branch = models.ForeignKey(BankBranch, null=True, blank=True, on_delete=models.PROTECT, related_name="users",
                               verbose_name=_("branch"))

    objects = ScopedUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=~Q(role=Role.BANK_OFFICER) | Q(bank__isnull=False), name="bank_officer_has_bank"
            ),
            models.CheckConstraint(
                condition=~Q(role=Role.VILLAGE_MEMBER) | ~Q(position=""), name="village_member_has_position"
            ),
        ]

    def __str__(self):
        return self.real_name or self.username

    def clean(self):
        super().clean()
        from django.core.exceptions import ValidationError

        from apps.core.messages import message

        if self.branch_id and self.branch.bank_id != self.bank_id:
            raise ValidationError({"branch": message("user_branch_of_other_bank")}, code="user_branch_of_other_bank")

    @property
    def display_name(self) -> str:
        return self.real_name or self.username

    @property
    def scope_prefix(self) -> str | None:
        """Code prefix of everything this user may see: "" for a superuser or an unscoped administrator,
        None (nothing) for a user without a region."""
        if not self.is_active:
            return None
        if self.region_id is None:
            return "" if (self.is_superuser or self.role == Role.SYSADMIN) else None
        return self.region.code[: PREFIX_LENGTH[self.region.level]]

    def can(self, capability: str) -> bool:
        return self.is_active and (self.is_superuser or has_capability(self.role, capability))

    @property
    def is_bank_user(self) -> bool:
        return self.role == Role.BANK_OFFICER


class ApiToken(models.Model):
    """Bearer token for bank systems. Only a SHA-256 digest is stored; the key is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user"))
    name = models.CharField(_("purpose"), max_length=100)
    prefix = models.CharField(max_length=8, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("issued by"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"{self.prefix}… ({self.user})"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def issue(cls, user, name: str, created_by=None) -> tuple["ApiToken", str]:
        key = secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, prefix=key[:8], digest=cls.hash_key(key), created_by=created_by)
        return token, key

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def revoke(self, by=None):
        self.revoked_at = timezone.now()
        self.revoked_by = by
        self.save(update_fields=["revoked_at", "revoked_by"])


class LoginAttempt(models.Model):
    """Audit of every login attempt; also the source of the failed-login lockout."""

    username = models.CharField(max_length=150, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    # What the per-address limits count: the IPv4 address, or the /64 network of an IPv6 address (one subscriber
    # commonly holds a whole /64 and can change address within it at will).
    source = models.CharField(max_length=64, blank=True, db_index=True)
    succeeded = models.BooleanField(default=False)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("login attempt")
        verbose_name_plural = _("login attempts")


class LoginGate(models.Model):
    """One row per username and per address: the login throttle locks the rows of an attempt (in key order) while it
    checks the limits and records the attempt, so concurrent attempts are counted one after the other and a burst
    cannot pass the limit. Holds nothing else; the attempts themselves are in LoginAttempt."""

    key = models.CharField(max_length=220, unique=True)  # "user:<lower-case username>" or "source:<address>"
    touched_at = models.DateTimeField(default=timezone.now)


class Notification(models.Model):
    """Something a user should see: the bell's list. `dedupe_key` makes every job's notices idempotent."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    dedupe_key = models.CharField(max_length=200)
    title = models.CharField(_("title"), max_length=200)
    body = models.CharField(_("text"), max_length=1000, blank=True)
    link = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [models.UniqueConstraint(fields=["user", "dedupe_key"], name="uniq_notification_per_user_key")]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread_idx")]


class NotificationDelivery(models.Model):
    """Delivery log of e-mail and SMS."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=10)
    status = models.CharField(max_length=10)
    error = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at"]
        verbose_name = _("delivery")
        verbose_name_plural = _("delivery log")

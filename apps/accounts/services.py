import datetime as dt
import ipaddress

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.core.errors import DomainError

from .models import ApiToken, LoginAttempt, LoginGate, User
from .roles import Role


def login_source(ip: str | None) -> str:
    """The unit the per-address limits count: an IPv4 address, or an IPv6 address's /64 network."""
    if not ip:
        return ""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip[:64]
    if address.version == 4:
        return str(address)
    if address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return str(ipaddress.ip_network(f"{address}/64", strict=False))


def login_lock(username: str, ip: str | None, now: dt.datetime | None = None) -> str | None:
    """Why a login attempt is refused before the password is even checked, or None. Within the last
    LOGIN_LOCK_MINUTES:
    - "login_locked": the last LOGIN_MAX_FAILURES attempts for this username *from this address* all failed
      (so a stranger elsewhere cannot lock the real user out);
    - "login_ip_locked": this address has failed LOGIN_MAX_FAILURES_PER_IP times, whatever usernames it tried
      (spraying many usernames from one address);
    - "login_locked" as well when the username has failed LOGIN_MAX_FAILURES_PER_USER times from any addresses
      (guessing one account's password from many addresses): a higher bar than per address, so locking a real
      user out takes many failures from several addresses."""
    now = now or timezone.now()
    since = now - dt.timedelta(minutes=settings.LOGIN_LOCK_MINUTES)
    recent = LoginAttempt.objects.filter(at__gte=since)
    source = login_source(ip)
    same_source = recent.filter(source=source)
    last = list(
        same_source.filter(username__iexact=username)
        .order_by("-at")
        .values_list("succeeded", flat=True)[: settings.LOGIN_MAX_FAILURES]
    )
    if len(last) >= settings.LOGIN_MAX_FAILURES and not any(last):
        return "login_locked"
    per_user = settings.LOGIN_MAX_FAILURES_PER_USER
    if per_user and recent.filter(username__iexact=username, succeeded=False).values("pk")[:per_user].count() >= per_user:
        return "login_locked"
    per_ip = settings.LOGIN_MAX_FAILURES_PER_IP
    if source and per_ip and recent.filter(source=source, succeeded=False).values("pk")[:per_ip].count() >= per_ip:
        return "login_ip_locked"
    return None


def login_locked(username: str, ip: str | None, now: dt.datetime | None = None) -> bool:
    return login_lock(username, ip, now) is not None


def login_record(username: str, ip: str | None, succeeded: bool) -> LoginAttempt:
    return LoginAttempt.objects.create(username=username[:150], ip=ip, source=login_source(ip), succeeded=succeeded)


def login_begin(username: str, ip: str | None) -> tuple[LoginAttempt, str | None]:
    """Check the limits and record the attempt (as failed until its password proves right) as one step: the
    attempt's gate rows — its username's and its address's — are written first, which locks them (PostgreSQL row
    locks; SQLite's single writer) until commit, so a concurrent attempt for the same username or from the same
    address checks only after this one is on record. Returns the attempt and the lock refusing it, or None."""
    username = username[:150]
    keys = sorted({f"user:{username.lower()}"} | ({f"source:{login_source(ip)}"} if ip else set()))
    now = timezone.now()
    with transaction.atomic():
        LoginGate.objects.bulk_create([LoginGate(key=k, touched_at=now) for k in keys], update_conflicts=True,
                                      unique_fields=["key"], update_fields=["touched_at"])
        lock = login_lock(username, ip)
        return login_record(username, ip, succeeded=False), lock


def login_succeeded(attempt: LoginAttempt) -> None:
    LoginAttempt.objects.filter(pk=attempt.pk).update(succeeded=True)


def token_issue(admin: User, user: User, name: str) -> tuple[ApiToken, str]:
    if not admin.can("token.manage"):
        raise DomainError("permission_denied", status=403)
    if user.role != Role.BANK_OFFICER:
        raise DomainError("token_only_for_bank_users")
    if not User.objects.visible_to(admin).filter(pk=user.pk).exists():
        raise DomainError("not_found", status=404)
    with transaction.atomic():
        return ApiToken.issue(user, name=name.strip() or "API", created_by=admin)


def token_revoke(admin: User, token: ApiToken) -> None:
    if not admin.can("token.manage"):
        raise DomainError("permission_denied", status=403)
    if token.revoked_at is None:
        token.revoke(by=admin)

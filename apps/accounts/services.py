import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.core.errors import DomainError

from .models import ApiToken, LoginAttempt, User
from .roles import Role


def login_locked(username: str, ip: str | None, now: dt.datetime | None = None) -> bool:
    """Locked when the last LOGIN_MAX_FAILURES attempts for this username within the window all failed."""
    now = now or timezone.now()
    since = now - dt.timedelta(minutes=settings.LOGIN_LOCK_MINUTES)
    recent = list(
        LoginAttempt.objects.filter(username__iexact=username, at__gte=since)
        .order_by("-at")
        .values_list("succeeded", flat=True)[: settings.LOGIN_MAX_FAILURES]
    )
    return len(recent) >= settings.LOGIN_MAX_FAILURES and not any(recent)


def login_record(username: str, ip: str | None, succeeded: bool) -> None:
    LoginAttempt.objects.create(username=username[:150], ip=ip, succeeded=succeeded)


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

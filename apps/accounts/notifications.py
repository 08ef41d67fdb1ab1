"""In-app notifications with e-mail and SMS delivery through pluggable backends, and a delivery log.
Each notification has a dedupe key: notifying the same user twice of the same thing records nothing."""
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from .models import Notification, NotificationDelivery

logger = logging.getLogger(__name__)


class ConsoleSmsBackend:
    """Default SMS backend: writes the message to the log (no gateway is configured)."""

    def send(self, phone: str, text: str) -> None:
        logger.info("SMS to %s: %s", phone, text)


def sms_backend():
    return import_string(getattr(settings, "SMS_BACKEND", "apps.accounts.notifications.ConsoleSmsBackend"))()


def notify(user, *, key: str, title: str, body: str = "", link: str = "", channels=("inapp",)) -> Notification | None:
    """Create the notification once per (user, key) and deliver it on the given channels after commit."""
    try:
        with transaction.atomic():
            note = Notification.objects.create(user=user, dedupe_key=key[:200], title=title[:200], body=body[:1000], link=link[:300])
    except IntegrityError:
        return None
    extra = [c for c in channels if c != "inapp"]
    if extra:
        transaction.on_commit(lambda: deliver(note.pk, extra))
    return note


def deliver(notification_id: int, channels) -> None:
    note = Notification.objects.select_related("user").get(pk=notification_id)
    for channel in channels:
        status, error = "sent", ""
        try:
            if channel == "email":
                if not note.user.email:
                    status, error = "skipped", "no e-mail address"
                else:
                    send_mail(note.title, f"{note.body}\n{note.link}", None, [note.user.email])
            elif channel == "sms":
                if not note.user.phone:
                    status, error = "skipped", "no phone number"
                else:
                    sms_backend().send(note.user.phone, f"{note.title} {note.body}"[:300])
        except Exception as exc:  # a gateway failure is logged on the delivery, never lost
            status, error = "failed", str(exc)[:300]
        NotificationDelivery.objects.create(notification=note, channel=channel, status=status, error=error, at=timezone.now())

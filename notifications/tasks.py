"""Emailing notifications. Idempotent: keyed by the notification id, it re-reads the row and claims it with a
conditional update, so a retried or duplicated task never sends the same email twice."""

from __future__ import annotations

import logging
from smtplib import SMTPException

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone, translation

from esb.outbox import registry as outbox_registry
from notifications.models import Notification

logger = logging.getLogger(__name__)

# notifications.services.notify() writes one outbox message of this topic per notification.
EMAIL_TOPIC = "notifications.email"
# notifications.alerts.queue_message() writes one per OutgoingMessage (and delivery one per retry).
OUTGOING_TOPIC = "notifications.outgoing"


def _absolute(url: str) -> str:
    if not url:
        return settings.ESB_PUBLIC_BASE_URL.rstrip("/") + "/"
    if url.startswith(("http://", "https://")):
        return url
    return settings.ESB_PUBLIC_BASE_URL.rstrip("/") + "/" + url.lstrip("/")


@shared_task(
    bind=True,
    acks_late=True,
    max_retries=5,
    autoretry_for=(SMTPException, OSError),
    retry_backoff=True,
    retry_jitter=True,
)
def send_notification_email(self, notification_id: int) -> str:
    notification = Notification.objects.select_related("user").filter(pk=notification_id).first()
    if notification is None:
        return "missing"
    if notification.emailed_at is not None:
        return "already-sent"
    user = notification.user
    if not user.email or not user.is_active:
        return "no-email"
    language = user.preferred_language or settings.LANGUAGE_CODE
    with translation.override(language):
        context = {
            "notification": notification,
            "title": notification.title,
            "body": notification.body,
            "link": _absolute(notification.url),
            "user": user,
        }
        subject = " ".join(notification.title.split())[:200]
        text = render_to_string("notifications/email.txt", context)
        html = render_to_string("notifications/email.html", context)
    # Claim the row before sending: of two workers, only the one whose update matched sends.
    claimed = Notification.objects.filter(pk=notification.pk, emailed_at__isnull=True).update(
        emailed_at=timezone.now(), email_error=""
    )
    if not claimed:
        return "already-sent"
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [user.email])
    message.attach_alternative(html, "text/html")
    try:
        message.send()
    except (SMTPException, OSError) as exc:
        # Release the claim so the retry (autoretry_for) can send; keep the reason visible to officers.
        Notification.objects.filter(pk=notification.pk).update(
            emailed_at=None, email_error=f"{type(exc).__name__}: {exc}"[:255]
        )
        logger.warning("notification %s: email failed: %s", notification.pk, exc)
        raise
    return "sent"


outbox_registry.register_task(EMAIL_TOPIC, send_notification_email.name)


@shared_task(acks_late=True)
def send_outgoing_message(message_id: int) -> str:
    """Send one queued OutgoingMessage (notifications.delivery: claimed, so sent at most once; retries are
    new delayed outbox messages)."""
    from notifications.delivery import deliver

    return deliver(message_id).status


outbox_registry.register_task(OUTGOING_TOPIC, send_outgoing_message.name)


@shared_task(ignore_result=True)
def resolve_stuck_messages() -> int:
    """Beat: messages left `sending` by a stopped worker become `unknown` (never resent)."""
    from notifications.delivery import resolve_stuck

    return resolve_stuck()

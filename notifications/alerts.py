"""Queueing a message on a channel (Telegram, SMS): the API the heartbeat's operator alerts and the
applicants' status-change copies both use.

    with transaction.atomic():
        incident.save()
        alerts.send_message(channel="telegram", destination="-1001234567890", text="…",
                            dedupe_key=f"incident:{incident.pk}:opened")

The row and its outbox message commit with the caller's change (no change, no message); the task of
notifications.delivery sends it after the commit, with retries. Nothing here calls a provider: safe inside
a request.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from esb.outbox import services as outbox
from notifications.channels import InvalidDestination, get_channel
from notifications.models import Notification, OutgoingMessage
from notifications.tasks import OUTGOING_TOPIC as SEND_TOPIC  # the delivery task's topic


def _cut(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def queue_message(
    *,
    channel: str,
    destination: str,
    text: str,
    dedupe_key: str,
    purpose: str = OutgoingMessage.Purpose.ALERT,
    language: str = "",
    notification: Notification | None = None,
) -> OutgoingMessage:
    """send_message() with the applicant-notification extras (language, the notification it copies)."""
    plugin = get_channel(channel)  # PluginNotFound (a LookupError) for an unknown channel, in the caller
    normalized = plugin.normalize_destination(destination)
    if not text.strip():
        raise ValueError("an outgoing message needs a text")
    if not dedupe_key or len(dedupe_key) > 180:
        raise ValueError("an outgoing message needs a dedupe_key of at most 180 characters")
    if purpose not in OutgoingMessage.Purpose.values:
        raise ValueError(f"unknown purpose {purpose!r}")
    with transaction.atomic(savepoint=False):
        try:
            # The insert is the dedupe check (a savepoint so a duplicate does not spoil the caller's
            # transaction), as in notifications.services.notify.
            with transaction.atomic():
                message = OutgoingMessage.objects.create(
                    channel=channel,
                    destination=normalized,
                    text=_cut(text, plugin.max_length),
                    purpose=purpose,
                    language=language[:10],
                    notification=notification,
                    dedupe_key=dedupe_key,
                )
        except IntegrityError:
            return OutgoingMessage.objects.get(dedupe_key=dedupe_key)
        outbox.enqueue(SEND_TOPIC, {"message_id": message.pk}, dedupe_key=f"outgoing-message:{message.pk}")
    return message


def send_message(
    *, channel: str, destination: str, text: str, dedupe_key: str, purpose: str = "alert"
) -> OutgoingMessage:
    """Queue one message on a channel ("telegram" or "sms"); call inside the caller's transaction:
    the row and its outbox message commit with the caller's change; a second call with the same
    dedupe_key returns the first row and sends nothing. Sending happens in a Celery task with retries.

    Raises PluginNotFound (a LookupError) for an unknown channel, InvalidDestination (a ValueError) for a
    destination the channel cannot send to, ValueError for an empty text or a missing dedupe_key."""
    return queue_message(
        channel=channel, destination=destination, text=text, dedupe_key=dedupe_key, purpose=purpose
    )


__all__ = ["SEND_TOPIC", "InvalidDestination", "queue_message", "send_message"]

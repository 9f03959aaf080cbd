"""Telling a person something: the row in the portal and its e-mail, both written in the caller's
transaction (the e-mail as an outbox message, relayed after the commit: a process dying after the commit
loses nothing)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone

from esb.outbox import services as outbox
from notifications import optin
from notifications.models import Notification
from notifications.tasks import EMAIL_TOPIC


def notify(
    user,
    *,
    title_km: str,
    title_en: str,
    body_km: str = "",
    body_en: str = "",
    url: str = "",
    dedupe_key: str | None = None,
) -> Notification:
    """Create a notification for `user` and e-mail it once the caller's transaction commits.

    Call it inside the transaction of the change it reports: the notification and its e-mail exist exactly
    when that change does (outside a transaction it opens its own). With a `dedupe_key`, a second call for the
    same key returns the first notification and sends nothing: callers may safely retry.
    """
    if url and (not url.startswith("/") or url.startswith("//")):
        # Shown as a link in the portal and in emails: only our own paths, never another site.
        raise ValueError(f"notification url must be a path inside the portal, not {url!r}")
    fields = {
        "user": user,
        "title_km": title_km[:200],
        "title_en": title_en[:200],
        "body_km": body_km,
        "body_en": body_en,
        "url": url[:500],
        "dedupe_key": dedupe_key or None,
    }
    # Inside the caller's transaction: no savepoint of its own (only the insert needs one); outside: its own.
    with transaction.atomic(savepoint=False):
        try:
            # A savepoint, so an insert of a key already there (a retry, or a concurrent call) does not spoil
            # the caller's transaction: the insert is the dedupe check, no read before it.
            with transaction.atomic():
                notification = Notification.objects.create(**fields)
        except IntegrityError:
            if not dedupe_key:
                raise
            return Notification.objects.get(dedupe_key=dedupe_key)
        # Keyed by the notification: relayed at least once, and the task mails a notification at most once.
        outbox.enqueue(
            EMAIL_TOPIC,
            {"notification_id": notification.pk},
            dedupe_key=f"notification-email:{notification.pk}",
        )
        # And a short copy on each channel the person opted in to (SMS, Telegram), in the same transaction.
        optin.fan_out(notification, user)
    return notification


def mark_read(user, ids: Iterable[int] | None = None) -> int:
    """Mark the user's unread notifications read (all of them, or those of `ids`); returns how many."""
    queryset = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        queryset = queryset.filter(pk__in=list(ids))
    return queryset.update(read_at=timezone.now())

"""Telling a person something: the row in the portal and its e-mail, both written in the caller's
transaction (the e-mail as an outbox message, relayed after the commit: a process dying after the commit
loses nothing)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, transaction
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
    # Inside the caller's transaction: no savepoint of its own; outside: its own transaction.
    with transaction.atomic(savepoint=False):
        if dedupe_key:
            # The insert is the dedupe check, no read before it; ON CONFLICT: a key already there (a retry, or
            # a concurrent call) neither fails nor spoils the caller's transaction, without a savepoint.
            notification = _insert_unless_present(Notification(**fields))
            if notification is None:
                return Notification.objects.get(dedupe_key=dedupe_key)
        else:
            # A savepoint, so a failed insert leaves the caller's transaction usable, as it always has.
            with transaction.atomic():
                notification = Notification.objects.create(**fields)
        # Keyed by the notification: relayed at least once, and the task mails a notification at most once.
        outbox.enqueue(
            EMAIL_TOPIC,
            {"notification_id": notification.pk},
            dedupe_key=f"notification-email:{notification.pk}",
        )
        # And a short copy on each channel the person opted in to (SMS, Telegram), in the same transaction.
        optin.fan_out(notification, user)
    return notification


def _insert_unless_present(notification: Notification) -> Notification | None:
    """INSERT … ON CONFLICT (dedupe_key) DO NOTHING of every column the ORM would write; None when a row with
    the key exists. (The ORM's `bulk_create(ignore_conflicts=True)` does not return the new id.)"""
    notification.created_at = timezone.now()  # auto_now_add, as save() would set it
    fields = [f for f in Notification._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    values = [f.get_db_prep_save(getattr(notification, f.attname), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {connection.ops.quote_name(Notification._meta.db_table)} ({columns})"  # noqa: S608
            f" VALUES ({', '.join(['%s'] * len(fields))}) ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
            values,
        )
        row = cursor.fetchone()
    if row is None:
        return None
    notification.pk = row[0]
    notification._state.adding = False
    notification._state.db = connection.alias
    return notification


def mark_read(user, ids: Iterable[int] | None = None) -> int:
    """Mark the user's unread notifications read (all of them, or those of `ids`); returns how many."""
    queryset = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        queryset = queryset.filter(pk__in=list(ids))
    return queryset.update(read_at=timezone.now())

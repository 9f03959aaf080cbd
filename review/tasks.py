"""Background jobs of the review (idempotent: each re-reads its rows and skips what is done)."""

from __future__ import annotations

from celery import shared_task

from review import overdue


@shared_task(acks_late=True)
def notify_overdue_tasks() -> int:
    """Hourly (CELERY_BEAT_SCHEDULE): tell holders and supervisors about tasks that became overdue, once."""
    return overdue.notify_overdue_tasks()

"""Background jobs of the dashboard (idempotent)."""

from __future__ import annotations

from celery import shared_task

from dashboard.services import folding


@shared_task(acks_late=True)
def fold() -> dict[str, int]:
    """Each minute (CELERY_BEAT_SCHEDULE): fold the new history into the dashboard's tables."""
    return folding.fold()

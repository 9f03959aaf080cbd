"""Background jobs of the applications app (idempotent: they re-read the rows they act on)."""

from __future__ import annotations

from celery import shared_task

from applications import services


@shared_task(acks_late=True)
def discard_expired_drafts() -> int:
    """Hourly (CELERY_BEAT_SCHEDULE): delete the content of drafts past their expiry date."""
    return services.discard_expired_drafts()


@shared_task(acks_late=True)
def close_statistics_days() -> str:
    """Hourly (CELERY_BEAT_SCHEDULE): fold the closed days into the statistics' counts (idempotent; a missed
    run is caught up by the next one)."""
    from applications.services import statistics

    return statistics.close_days().isoformat()

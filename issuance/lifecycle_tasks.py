"""Background work of the licence lifecycle (Celery; imported by `issuance.tasks` so that Celery and the
outbox registry find it):

- `sync_verification` handles the outbox topic `issuance.sync_verification`: the verification provider is
  told a licence's new status after the commit that changed it, retried with backoff while it is down;
- `daily_lifecycle` (CELERY_BEAT_SCHEDULE "licence-lifecycle", every night): expiry, then the 60/30-day
  reminders, then a re-push of any status the provider still lags behind. Each step is idempotent.
"""

from __future__ import annotations

import datetime
import logging

from celery import shared_task

from esb.outbox import registry as outbox_registry
from issuance.services import lifecycle
from issuance.verification import VerificationError

logger = logging.getLogger(__name__)


@shared_task(
    acks_late=True,
    ignore_result=True,
    autoretry_for=(VerificationError,),
    retry_backoff=10,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=8,
)
def sync_verification(licence_id: int) -> str:
    """Idempotent: keyed by the licence, re-reads it and skips a status the provider already shows. A push
    that fails every retry is taken up again by the daily job (`lifecycle.resync_verification`)."""
    return lifecycle.sync_verification(licence_id)


@shared_task(acks_late=True, ignore_result=True)
def daily_lifecycle(day: str | None = None) -> dict:
    """Nightly: `day` (ISO date) or today."""
    today = datetime.date.fromisoformat(day) if day else None
    report = {
        "expired": lifecycle.expire_due_licences(today),
        "reminded": lifecycle.send_expiry_reminders(today),
        "resynced": lifecycle.resync_verification(),
    }
    logger.info("licence lifecycle: %s", report)
    return report


outbox_registry.register_task(lifecycle.SYNC_TOPIC, sync_verification.name)

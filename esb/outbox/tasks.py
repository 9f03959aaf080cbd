"""The relay as a Celery task: run by beat every few seconds (CELERY_BEAT_SCHEDULE) and kicked after each
commit that wrote a message (services.kick_relay). Concurrent runs are safe: they claim disjoint rows."""

from __future__ import annotations

from celery import shared_task

from esb.outbox import relay


@shared_task(acks_late=True, ignore_result=False)
def relay_outbox() -> dict:
    result = relay.relay()
    return {"delivered": result.delivered, "retried": result.retried, "failed": result.failed}

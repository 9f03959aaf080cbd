"""The heartbeat's Celery tasks: the dispatcher (beat, every 10 s), one probe per (system, slot), and the
rollup fold (beat). Probes are published straight from the dispatcher, not through the outbox: the
dispatcher's claim (`dispatched_slot`) is the durable part, a publish lost to a broker hiccup costs one
slot (the next one probes again), and an outbox row per probe would add ~2,900 rows a day per system."""

from __future__ import annotations

import datetime
import logging

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

from monitoring import probe, services
from monitoring.models import MemberSystem, ProbeResult

logger = logging.getLogger(__name__)


def _claim_key(system_id: int, slot: int) -> str:
    return f"monitoring:probe:{system_id}:{slot}"


@shared_task(acks_late=True, ignore_result=True)
def dispatch_probes() -> int:
    """Enqueue a probe for every system due one; also send alerts the rate limit held back."""
    return dispatch()


def dispatch(now: datetime.datetime | None = None) -> int:
    claimed = services.claim_due_slots(now)
    for system_id, slot in claimed:
        try:
            probe_system.apply_async((system_id, slot), expires=_expiry(system_id))
        except Exception:  # the broker is down: this slot is lost, the next one probes again
            logger.exception("could not enqueue the probe of member system %s", system_id)
    try:
        services.release_held_alerts(now)
    except Exception:
        logger.exception("could not release held-back monitoring alerts")
    return len(claimed)


def _expiry(system_id: int) -> int:
    interval = MemberSystem.objects.filter(pk=system_id).values_list("interval_seconds", flat=True).first()
    return interval or 60


@shared_task(acks_late=True, ignore_result=True)
def probe_system(system_id: int, slot: int) -> str:
    """Probe one system for one slot and record the answer; never raises. Idempotent: a slot already
    recorded, or being probed by another worker, is not probed again."""
    try:
        return _probe(system_id, slot)
    except Exception:
        logger.exception("probing member system %s failed unexpectedly", system_id)
        return "error"


def _probe(system_id: int, slot: int) -> str:
    system = MemberSystem.objects.filter(pk=system_id, enabled=True).first()
    if system is None:
        return "gone"
    if ProbeResult.objects.filter(system=system, slot=slot).exists():
        return "done"
    now = timezone.now()
    if now.timestamp() - slot > 2 * system.interval_seconds + system.timeout_seconds:
        return "stale"  # queued behind a stopped worker: a newer slot speaks for the system
    if not cache.add(
        _claim_key(system_id, slot), 1, timeout=2 * system.interval_seconds + system.timeout_seconds
    ):
        return "busy"
    answer = probe.run(
        system.probe_url,
        check_kind=system.check_kind,
        timeout_seconds=system.timeout_seconds,
        slow_ms=system.slow_ms,
    )
    # never before the slot it answers for (slots are whole intervals from the epoch)
    checked_at = max(timezone.now(), datetime.datetime.fromtimestamp(slot, tz=datetime.UTC))
    result = services.record_answer(system_id, slot, answer, checked_at=checked_at)
    return answer.outcome if result is not None else "done"


@shared_task(acks_late=True, ignore_result=True)
def fold_rollups() -> int:
    """Today's and yesterday's rollups folded again (beat, every 10 minutes)."""
    return services.fold_recent()

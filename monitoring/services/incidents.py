"""A probe's answer folded into the system's state: the result row (once per system and slot), the count
of failures in a row, incidents opened after N of them and closed by the first success, and their alerts.

Every answer of a system is processed under its row lock, so concurrent probe tasks of one system are
serialised; an answer older than the last one folded (a delayed task) is recorded but changes no state."""

from __future__ import annotations

import datetime
import logging

from django.db import transaction
from django.utils import timezone

from esb import audit
from monitoring.models import Incident, MemberSystem, Outcome, ProbeResult, State
from monitoring.probe import ProbeAnswer
from monitoring.services import alerts

logger = logging.getLogger(__name__)


def _open_incident(system: MemberSystem, answer: ProbeAnswer) -> Incident:
    incident = Incident.objects.create(
        system=system,
        started_at=system.failing_since,
        cause=answer.error_class or "unknown",
        failed_probes=system.consecutive_failures,
    )
    audit.record(
        "monitoring.incident_opened",
        incident,
        after={"system": system.code, "cause": incident.cause, "started_at": incident.started_at.isoformat()},
    )
    logger.warning("member system %s is down (%s): incident %s", system.code, incident.cause, incident.pk)
    alerts.incident_opened(incident)
    return incident


def _close_incident(incident: Incident, ended_at: datetime.datetime) -> None:
    incident.ended_at = ended_at
    incident.save(update_fields=["ended_at"])
    audit.record(
        "monitoring.incident_closed",
        incident,
        after={"system": incident.system.code, "ended_at": ended_at.isoformat()},
    )
    logger.warning("member system %s recovered: incident %s closed", incident.system.code, incident.pk)
    alerts.incident_closed(incident)


@transaction.atomic
def record_answer(
    system_id: int, slot: int, answer: ProbeAnswer, *, checked_at: datetime.datetime | None = None
) -> ProbeResult | None:
    """Store one probe answer and fold it into the system's state. None when this slot is already recorded
    (a repeated task) or the system is gone."""
    system = MemberSystem.objects.select_for_update().filter(pk=system_id).first()
    if system is None or ProbeResult.objects.filter(system=system, slot=slot).exists():
        return None
    checked_at = checked_at or timezone.now()
    result = ProbeResult.objects.create(
        system=system,
        slot=slot,
        checked_at=checked_at,
        outcome=answer.outcome,
        latency_ms=answer.latency_ms,
        http_status=answer.http_status,
        error_class=answer.error_class[:40],
    )
    if slot <= system.last_slot:
        return result
    system.last_slot = slot
    system.last_checked_at = checked_at
    system.last_latency_ms = answer.latency_ms
    open_incident = Incident.objects.filter(system=system, ended_at__isnull=True).first()
    if answer.outcome == Outcome.DOWN:
        if system.consecutive_failures == 0:
            system.failing_since = checked_at
        system.consecutive_failures += 1
        if open_incident is not None:
            Incident.objects.filter(pk=open_incident.pk).update(failed_probes=system.consecutive_failures)
        elif system.consecutive_failures >= system.failures_before_incident:
            open_incident = _open_incident(system, answer)
        if open_incident is not None:
            system.state = State.DOWN
    else:
        system.consecutive_failures = 0
        system.failing_since = None
        system.state = answer.outcome
        if open_incident is not None:
            _close_incident(open_incident, checked_at)
    system.save(
        update_fields=[
            "last_slot",
            "last_checked_at",
            "last_latency_ms",
            "consecutive_failures",
            "failing_since",
            "state",
        ]
    )
    return result

"""The dispatcher's claim: which systems are due a probe, each (system, slot) handed out once.

A slot is the start of an interval in epoch seconds (`now - now % interval`), so slots only grow, also
when an interval is changed. `dispatched_slot` is raised by a conditional UPDATE: two beats running at once
(or a beat retried) claim each slot once, and only the winner enqueues the probe."""

from __future__ import annotations

import datetime

from django.utils import timezone

from monitoring.models import MemberSystem


def slot_of(moment: datetime.datetime, interval_seconds: int) -> int:
    epoch = int(moment.timestamp())
    return epoch - epoch % interval_seconds


def claim_due_slots(now: datetime.datetime | None = None) -> list[tuple[int, int]]:
    """(system id, slot) for every enabled system whose interval has elapsed since its last claimed slot."""
    now = now or timezone.now()
    claimed: list[tuple[int, int]] = []
    for system_id, interval, dispatched in MemberSystem.objects.filter(enabled=True).values_list(
        "pk", "interval_seconds", "dispatched_slot"
    ):
        slot = slot_of(now, interval)
        if slot <= dispatched:
            continue
        won = MemberSystem.objects.filter(pk=system_id, dispatched_slot__lt=slot).update(dispatched_slot=slot)
        if won:
            claimed.append((system_id, slot))
    return claimed

"""The dispatcher and the probe task: one probe per (system, slot) whatever repeats — two beats, a retried
task, two workers — and a task that never raises."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.utils import timezone

from monitoring import services, tasks
from monitoring.models import MemberSystem, ProbeResult
from monitoring.services.dispatch import slot_of
from tests.monitoring.conftest import make_system

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _eager(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True


def _forget_claims(system, slot):
    cache.delete(tasks._claim_key(system.pk, slot))


def test_two_beats_in_one_slot_claim_it_once_and_the_next_interval_again():
    system = make_system(interval_seconds=30)
    # one second into a slot, whatever the clock says: "+5 s" stays in it and "+31 s" is the next one
    now = datetime.datetime(2026, 12, 5, 10, 0, 1, tzinfo=datetime.UTC)
    first = services.claim_due_slots(now)
    assert first == [(system.pk, slot_of(now, 30))]
    assert services.claim_due_slots(now) == []
    assert services.claim_due_slots(now + datetime.timedelta(seconds=5)) in (
        [],
        [(system.pk, slot_of(now, 30) + 30)],
    )
    later = now + datetime.timedelta(seconds=31)
    assert services.claim_due_slots(later) == [(system.pk, slot_of(later, 30))]
    assert services.claim_due_slots(later) == []


def test_a_disabled_system_is_not_probed():
    make_system(enabled=False)
    assert services.claim_due_slots() == []


def test_each_system_follows_its_own_interval():
    fast = make_system("fast", interval_seconds=15)
    slow = make_system("slow", interval_seconds=60)
    start = datetime.datetime(2026, 12, 5, 10, 0, 0, tzinfo=datetime.UTC)
    claimed = []
    for second in range(0, 60, 5):
        claimed += services.claim_due_slots(start + datetime.timedelta(seconds=second))
    assert sum(1 for s, _ in claimed if s == fast.pk) == 4
    assert sum(1 for s, _ in claimed if s == slow.pk) == 1


def test_the_dispatcher_probes_and_records_once_per_slot(stub):
    system = make_system(probe_url=stub.url)
    now = timezone.now()
    assert tasks.dispatch(now) == 1
    assert tasks.dispatch(now) == 0
    result = ProbeResult.objects.get()
    assert (result.system, result.outcome, result.http_status) == (system, "up", 200)
    assert stub.hits == 1


def test_a_repeated_probe_task_neither_probes_nor_records_again(stub):
    system = make_system(probe_url=stub.url)
    slot = slot_of(timezone.now(), system.interval_seconds)
    assert tasks.probe_system(system.pk, slot) == "up"
    _forget_claims(system, slot)
    assert tasks.probe_system(system.pk, slot) == "done"
    assert stub.hits == 1 and ProbeResult.objects.count() == 1


def test_a_slot_another_worker_is_probing_is_left_to_it(stub):
    system = make_system(probe_url=stub.url)
    slot = slot_of(timezone.now(), system.interval_seconds)
    cache.add(tasks._claim_key(system.pk, slot), 1, timeout=60)
    try:
        assert tasks.probe_system(system.pk, slot) == "busy"
    finally:
        _forget_claims(system, slot)
    assert stub.hits == 0 and not ProbeResult.objects.exists()


def test_a_stale_slot_is_skipped(stub):
    system = make_system(probe_url=stub.url)
    old = slot_of(timezone.now() - datetime.timedelta(minutes=10), system.interval_seconds)
    assert tasks.probe_system(system.pk, old) == "stale"
    assert stub.hits == 0


def test_the_probe_task_never_raises(monkeypatch):
    system = make_system()

    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("monitoring.probe.run", explode)
    slot = slot_of(timezone.now(), system.interval_seconds)
    assert tasks.probe_system(system.pk, slot) == "error"
    _forget_claims(system, slot)
    assert tasks.probe_system(123456789, slot) == "gone"


def test_a_broker_failure_while_dispatching_does_not_stop_the_round(monkeypatch):
    make_system("a")
    make_system("b")

    def refuse(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.probe_system, "apply_async", refuse)
    assert tasks.dispatch(timezone.now()) == 2
    assert MemberSystem.objects.filter(dispatched_slot__gt=0).count() == 2

"""Daily rollups: uptime and p50/p95 latency per system and local day, folded again or rebuilt from the
results with the same answer."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from monitoring import services
from monitoring.models import DailyRollup, ProbeResult
from monitoring.services.rollups import day_bounds
from tests.monitoring.conftest import make_system

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 12, 1)


def _results(system, outcomes_latencies, day=DAY):
    start, _end = day_bounds(day)
    for n, (outcome, latency) in enumerate(outcomes_latencies):
        moment = start + datetime.timedelta(minutes=n)
        ProbeResult.objects.create(
            system=system,
            slot=int(moment.timestamp()),
            checked_at=moment,
            outcome=outcome,
            latency_ms=latency,
            http_status=200 if outcome != "down" else 503,
        )


def test_a_day_is_folded_into_uptime_and_percentiles():
    system = make_system()
    # 20 answers: latencies 10..170 for up, 1500 for 2 slow ones, 2 down (not in the percentiles)
    answers = [("up", 10 * (n + 1)) for n in range(16)] + [("slow", 1500), ("slow", 1500)]
    answers += [("down", 5), ("down", 5)]
    _results(system, answers)
    rollup = services.fold_day(system.pk, DAY)
    assert (rollup.probes, rollup.up, rollup.slow, rollup.down) == (20, 16, 2, 2)
    assert rollup.uptime_percent == Decimal("90.000")
    assert rollup.p50_ms == 95  # median of 10..160 and 1500, 1500 (18 values)
    assert rollup.p95_ms == 1500


def test_the_day_boundary_is_the_local_day():
    system = make_system()
    start, end = day_bounds(DAY)
    assert timezone.localtime(start).hour == 0 and (end - start) == datetime.timedelta(days=1)
    _results(system, [("up", 10)], day=DAY)
    _results(system, [("down", 10)], day=DAY + datetime.timedelta(days=1))
    assert services.fold_day(system.pk, DAY).down == 0


def test_folding_again_and_rebuilding_give_the_same_rows():
    system = make_system()
    _results(system, [("up", 10), ("down", 5), ("up", 30)])
    _results(system, [("up", 40)], day=DAY + datetime.timedelta(days=1))
    services.fold_day(system.pk, DAY)
    services.fold_day(system.pk, DAY)
    first = list(DailyRollup.objects.values_list("day", "probes", "uptime_percent", "p50_ms", "p95_ms"))
    DailyRollup.objects.all().delete()
    DailyRollup.objects.create(system=system, day=DAY - datetime.timedelta(days=3), probes=1)  # no results
    call_command("rebuild_monitoring_rollups")
    rebuilt = list(
        DailyRollup.objects.order_by("day").values_list("day", "probes", "uptime_percent", "p50_ms", "p95_ms")
    )
    assert rebuilt[0] == first[0] and len(rebuilt) == 2
    assert rebuilt[0][2] == Decimal("66.667")


def test_a_day_without_probes_has_no_row():
    system = make_system()
    assert services.fold_day(system.pk, DAY) is None
    assert not DailyRollup.objects.exists()

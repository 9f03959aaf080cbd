"""Daily rollups: each system's day (TIME_ZONE) folded from its probe results — counts, uptime % (up and
slow answers count as up) and p50/p95 latency of the answered probes. A fold replaces the day's row, so
folding again, or rebuilding everything from the results, gives the same rows."""

from __future__ import annotations

import datetime

from django.db import connection, transaction
from django.utils import timezone

from monitoring.models import DailyRollup, MemberSystem, Outcome, ProbeResult


def day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    zone = timezone.get_current_timezone()
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=zone)
    return start, datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone)


_FOLD_SQL = f"""
    SELECT count(*),
           count(*) FILTER (WHERE outcome = %s),
           count(*) FILTER (WHERE outcome = %s),
           count(*) FILTER (WHERE outcome = %s),
           percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms) FILTER (WHERE outcome <> %s),
           percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms) FILTER (WHERE outcome <> %s)
      FROM {ProbeResult._meta.db_table}
     WHERE system_id = %s AND checked_at >= %s AND checked_at < %s
"""  # noqa: S608 (our own table name)


@transaction.atomic
def fold_day(system_id: int, day: datetime.date) -> DailyRollup | None:
    """The day's row for one system, computed again from its results (None and no row: no probe that day)."""
    start, end = day_bounds(day)
    with connection.cursor() as cursor:
        cursor.execute(
            _FOLD_SQL,
            [Outcome.UP, Outcome.SLOW, Outcome.DOWN, Outcome.DOWN, Outcome.DOWN, system_id, start, end],
        )
        probes, up, slow, down, p50, p95 = cursor.fetchone()
    if not probes:
        DailyRollup.objects.filter(system_id=system_id, day=day).delete()
        return None
    uptime = round((up + slow) * 100 / probes, 3)
    rollup, _created = DailyRollup.objects.update_or_create(
        system_id=system_id,
        day=day,
        defaults={
            "probes": probes,
            "up": up,
            "slow": slow,
            "down": down,
            "uptime_percent": uptime,
            "p50_ms": None if p50 is None else round(p50),
            "p95_ms": None if p95 is None else round(p95),
            "folded_at": timezone.now(),
        },
    )
    return rollup


def fold_recent(now: datetime.datetime | None = None) -> int:
    """Today (provisional) and yesterday (closed late answers included) for every system."""
    today = timezone.localdate(now or timezone.now())
    count = 0
    for system_id in MemberSystem.objects.values_list("pk", flat=True):
        for day in (today - datetime.timedelta(days=1), today):
            if fold_day(system_id, day) is not None:
                count += 1
    return count


def rebuild_rollups(system_ids: list[int] | None = None) -> int:
    """Every day of every (or the given) system again from the results; rows of days without results go."""
    systems = MemberSystem.objects.all()
    if system_ids:
        systems = systems.filter(pk__in=system_ids)
    count = 0
    for system_id in systems.values_list("pk", flat=True):
        days = {
            timezone.localdate(moment)
            for moment in ProbeResult.objects.filter(system_id=system_id).values_list("checked_at", flat=True)
        }
        DailyRollup.objects.filter(system_id=system_id).exclude(day__in=days).delete()
        for day in sorted(days):
            fold_day(system_id, day)
            count += 1
    return count

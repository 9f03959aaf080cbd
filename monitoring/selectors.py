"""Reads for the status pages: the systems an officer may see (national: all; otherwise those owned by
their institutions), each with its 90 days of rollups, and incidents."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone

from accounts.selectors import scope_queryset
from monitoring.models import DailyRollup, Incident, MemberSystem

DAYS = 90


def systems_for_officer(user) -> QuerySet[MemberSystem]:
    return scope_queryset(MemberSystem.objects.all(), user, institution_path="owner_institution")


def public_systems() -> QuerySet[MemberSystem]:
    return MemberSystem.objects.filter(enabled=True)


@dataclass(frozen=True)
class Day:
    day: datetime.date
    uptime: Decimal | None  # None: no probe that day
    probes: int = 0
    down: int = 0

    @property
    def level(self) -> str:
        """ok / degraded / down / none: the bar's colour class (the text alternative says the number)."""
        if self.uptime is None:
            return "none"
        if self.uptime >= Decimal("99.5"):
            return "ok"
        return "degraded" if self.uptime >= Decimal("90") else "down"


@dataclass(frozen=True)
class SystemStatus:
    system: MemberSystem
    days: list[Day]
    uptime: Decimal | None  # over the days with probes


def statuses(systems: QuerySet[MemberSystem], days: int = DAYS) -> list[SystemStatus]:
    """Each system with one Day per calendar day (oldest first) and its uptime over them."""
    today = timezone.localdate()
    first = today - datetime.timedelta(days=days - 1)
    systems = list(systems.order_by("name_en"))
    # plain tuples, not model instances: a page of many systems reads 90 rows for each
    rows = {
        (system_id, day): rest
        for system_id, day, *rest in DailyRollup.objects.filter(
            system__in=systems, day__gte=first, day__lte=today
        ).values_list("system_id", "day", "uptime_percent", "probes", "up", "slow", "down")
    }
    answer = []
    for system in systems:
        series = []
        probes = good = 0
        for offset in range(days):
            day = first + datetime.timedelta(days=offset)
            rollup = rows.get((system.pk, day))
            if rollup is None:
                series.append(Day(day, None))
                continue
            uptime, day_probes, up, slow, down = rollup
            series.append(Day(day, uptime, day_probes, down))
            probes += day_probes
            good += up + slow
        uptime = round(Decimal(good * 100) / probes, 2) if probes else None
        answer.append(SystemStatus(system, series, uptime))
    return answer


def incidents_for(systems: QuerySet[MemberSystem], *, open_only: bool = False, limit: int = 50):
    qs = Incident.objects.filter(system__in=systems).select_related("system").order_by("-started_at")
    qs = qs.filter(ended_at__isnull=open_only)
    return list(qs[:limit])

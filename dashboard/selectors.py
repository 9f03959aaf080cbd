"""Reads of the dashboard: every figure from the pre-aggregated tables (dashboard.models), never from the
applications themselves, filtered to the officer's scope (accounts.selectors.scope_queryset) and period."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet, Sum
from django.db.models.functions import ExtractYear, TruncMonth

from accounts.selectors import officer_scope, scope_queryset
from dashboard.models import (
    MAX_BUCKET,
    ApplicationCount,
    DurationCount,
    FeeCount,
    FunnelCount,
    Measure,
    ProvinceCount,
    Stage,
)
from licensing.models import LicenceType
from registry.models import AdministrativeUnit, Institution

# The summary panel, in its order.
PANEL = [Measure.RECEIVED, Measure.REVIEWING, Measure.RETURNED, Measure.APPROVED, Measure.REJECTED]
OVERDUE = "OVERDUE"


def institutions_for(user) -> QuerySet[Institution]:
    """The institutions the officer may filter on: every one for a national officer, else their own."""
    return scope_queryset(Institution.objects.order_by("name_en"), user, "pk")


@dataclass(frozen=True)
class Filters:
    start: datetime.date
    end: datetime.date
    today: datetime.date
    institution_id: int | None = None


def _cells(model, user, filters: Filters, *, start=None, end=None) -> QuerySet:
    qs = scope_queryset(model.objects.all(), user, "institution", "department")
    if filters.institution_id is not None:
        qs = qs.filter(institution_id=filters.institution_id)
    return qs.filter(day__gte=start or filters.start, day__lte=end or filters.end)


def percentile(buckets: dict[int, int], percent: int) -> int | None:
    """Nearest-rank percentile of a histogram {working days: count}: the smallest value with at least
    `percent` % of the total at or below it."""
    total = sum(buckets.values())
    if not total:
        return None
    rank = max(1, -(-percent * total // 100))  # ceil, in integers
    seen = 0
    for value in sorted(buckets):
        seen += buckets[value]
        if seen >= rank:
            return value
    return max(buckets)


@dataclass
class DurationRow:
    licence_type_id: int
    step: str
    count: int
    median: int | None
    p90: int | None
    breached: int
    capped: bool  # a percentile reached the last bucket (MAX_BUCKET or more)


@dataclass
class Dashboard:
    filters: Filters
    today: dict[str, int]
    period: dict[str, int]
    by_month: list[tuple[datetime.date, int]]
    by_year: list[tuple[int, int]]
    by_service: list[tuple[int, dict[str, int]]]
    fees_by_service: list[tuple[int, str, int, Decimal]]
    fees_by_method: list[tuple[str, str, int, Decimal]]
    durations: list[DurationRow]
    funnel: list[tuple[str, int]]
    by_province: list[tuple[int | None, int]]
    services: dict[int, LicenceType] = field(default_factory=dict)
    provinces: dict[int, AdministrativeUnit] = field(default_factory=dict)


def _panel(user, filters: Filters, start: datetime.date, end: datetime.date) -> dict[str, int]:
    rows = (
        _cells(ApplicationCount, user, filters, start=start, end=end)
        .filter(measure__in=PANEL)
        .values_list("measure")
        .annotate(n=Sum("count"))
    )
    found = dict(rows)
    panel = {measure.value: int(found.get(measure.value, 0)) for measure in PANEL}
    overdue = (
        _cells(DurationCount, user, filters, start=start, end=end)
        .exclude(step="")
        .filter(breached=True)
        .aggregate(n=Sum("count"))["n"]
    )
    panel[OVERDUE] = int(overdue or 0)
    return panel


def _durations(user, filters: Filters) -> list[DurationRow]:
    histograms: dict[tuple[int, str], dict[int, int]] = defaultdict(lambda: defaultdict(int))
    breaches: dict[tuple[int, str], int] = defaultdict(int)
    rows = (
        _cells(DurationCount, user, filters)
        .values_list("licence_type_id", "step", "working_days", "breached")
        .annotate(n=Sum("count"))
    )
    for licence_type_id, step, days, breached, n in rows:
        histograms[(licence_type_id, step)][days] += n
        if breached:
            breaches[(licence_type_id, step)] += n
    result = []
    for key in sorted(histograms, key=lambda k: (k[0], k[1] != "", k[1])):
        buckets = histograms[key]
        median, p90 = percentile(buckets, 50), percentile(buckets, 90)
        result.append(
            DurationRow(key[0], key[1], sum(buckets.values()), median, p90, breaches[key], p90 == MAX_BUCKET)
        )
    return result


def dashboard(user, filters: Filters) -> Dashboard:
    """Every figure of the page for the officer (their scope) and the filters."""
    counts = _cells(ApplicationCount, user, filters)
    received = counts.filter(measure=Measure.RECEIVED)
    by_month = [
        (month, int(n))
        for month, n in received.annotate(month=TruncMonth("day"))
        .values_list("month")
        .annotate(n=Sum("count"))
        .values_list("month", "n")
        .order_by("month")
    ]
    by_year = [
        (year, int(n))
        for year, n in received.annotate(year=ExtractYear("day"))
        .values_list("year")
        .annotate(n=Sum("count"))
        .values_list("year", "n")
        .order_by("year")
    ]
    per_service: dict[int, dict[str, int]] = defaultdict(dict)
    for licence_type_id, measure, n in (
        counts.values_list("licence_type_id", "measure").annotate(n=Sum("count")).order_by()
    ):
        per_service[licence_type_id][measure] = int(n)
    fees = _cells(FeeCount, user, filters)
    fees_by_service = [
        (lt, currency, int(n), amount)
        for lt, currency, n, amount in fees.values_list("licence_type_id", "currency")
        .annotate(n=Sum("count"), a=Sum("amount"))
        .order_by("licence_type_id", "currency")
    ]
    fees_by_method = [
        (method, currency, int(n), amount)
        for method, currency, n, amount in fees.values_list("method", "currency")
        .annotate(n=Sum("count"), a=Sum("amount"))
        .order_by("method", "currency")
    ]
    stages = dict(
        _cells(FunnelCount, user, filters)
        .values_list("stage")
        .annotate(n=Sum("count"))
        .values_list("stage", "n")
    )
    funnel = [(stage.value, int(stages.get(stage.value, 0))) for stage in Stage]
    provinces = [
        (province_id, int(n))
        for province_id, n in _cells(ProvinceCount, user, filters)
        .values_list("province_id")
        .annotate(n=Sum("count"))
        .values_list("province_id", "n")
        .order_by("-n", "province_id")
    ]
    durations = _durations(user, filters)
    service_ids = (
        set(per_service) | {row[0] for row in fees_by_service} | {row.licence_type_id for row in durations}
    )
    return Dashboard(
        filters=filters,
        today=_panel(user, filters, filters.today, filters.today),
        period=_panel(user, filters, filters.start, filters.end),
        by_month=by_month,
        by_year=by_year,
        by_service=sorted(per_service.items()),
        fees_by_service=fees_by_service,
        fees_by_method=fees_by_method,
        durations=durations,
        funnel=funnel,
        by_province=provinces,
        services=LicenceType.objects.in_bulk(service_ids),
        provinces=AdministrativeUnit.objects.in_bulk([p for p, _n in provinces if p is not None]),
    )


def may_filter_institutions(user) -> bool:
    scope = officer_scope(user)
    return scope.is_national or len(scope.institution_ids) > 1


__all__ = ["OVERDUE", "PANEL", "Dashboard", "Filters", "dashboard", "institutions_for", "percentile"]

"""Reads of the dashboard: every figure from the pre-aggregated tables (dashboard.models), never from the
applications themselves, filtered to the officer's scope (accounts.selectors.scope_queryset) and period."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import F, Q, QuerySet, Sum
from django.db.models.functions import TruncDate, TruncMonth

from accounts.selectors import officer_scope, scope_queryset
from applications.models import UNDECIDED
from dashboard.models import (
    MAX_BUCKET,
    ApplicationCount,
    DurationCount,
    FeeCount,
    FoldMark,
    FunnelCount,
    Grain,
    Measure,
    ProvinceCount,
    Stage,
)
from licensing.models import LicenceType
from registry.models import AdministrativeUnit, Institution
from review.models import ReviewTask, TaskState

# The summary panel, in its order.
PANEL = [Measure.RECEIVED, Measure.REVIEWING, Measure.RETURNED, Measure.APPROVED, Measure.REJECTED]
# Review steps finished after their due date (SLA breaches), on the day / in the period.
LATE = "LATE"


def institutions_for(user) -> QuerySet[Institution]:
    """The institutions the officer may filter on: every one for a national officer, else their own."""
    return scope_queryset(Institution.objects.order_by("name_en"), user, "pk")


@dataclass(frozen=True)
class Filters:
    start: datetime.date
    end: datetime.date
    today: datetime.date
    institution_id: int | None = None


def _month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def _next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def period_cells(start: datetime.date, end: datetime.date) -> Q:
    """The cells that add up to [start, end]: month cells for its whole months, day cells for the rest."""
    first_full = start if start.day == 1 else _next_month(start)
    after_last_full = (
        _month_start(end) if _next_month(end) - datetime.timedelta(days=1) != end else _next_month(end)
    )
    if first_full >= after_last_full:
        return Q(grain=Grain.DAY, day__gte=start, day__lte=end)
    return (
        Q(grain=Grain.MONTH, day__gte=first_full, day__lt=after_last_full)
        | Q(grain=Grain.DAY, day__gte=start, day__lt=first_full)
        | Q(grain=Grain.DAY, day__gte=after_last_full, day__lte=end)
    )


def _cells(model, user, filters: Filters, *, start=None, end=None) -> QuerySet:
    qs = scope_queryset(model.objects.all(), user, "institution", "department")
    if filters.institution_id is not None:
        qs = qs.filter(institution_id=filters.institution_id)
    return qs.filter(period_cells(start or filters.start, end or filters.end))


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
    overdue_now: int = 0
    services: dict[int, LicenceType] = field(default_factory=dict)
    provinces: dict[int, AdministrativeUnit] = field(default_factory=dict)


def _today(user, filters: Filters) -> dict[str, int]:
    """The panel for today alone (a few cells of one day)."""
    found = dict(
        _cells(ApplicationCount, user, filters, start=filters.today, end=filters.today)
        .filter(measure__in=PANEL)
        .values_list("measure")
        .annotate(n=Sum("count"))
        .values_list("measure", "n")
    )
    panel = {measure.value: int(found.get(measure.value, 0)) for measure in PANEL}
    overdue = (
        _cells(DurationCount, user, filters, start=filters.today, end=filters.today)
        .exclude(step="")
        .filter(breached=True)
        .aggregate(n=Sum("count"))["n"]
    )
    panel[LATE] = int(overdue or 0)
    return panel


def overdue_now(user, filters: Filters) -> int:
    """Applications overdue on `filters.today`: their current review task is past its due date by its SLA
    clock (review.sla.clock_date): an open task when today is after the due date; a task waiting for the
    applicant when its clock stopped after the due date (the clock stands still while it waits). Only
    undecided applications: a withdrawal leaves the review task as it was.

    Read live from the current tasks (at most one per application) through the partial index
    reviewtask_current_due, not from the folded history: "overdue" changes with the date alone."""
    tasks = (
        ReviewTask.objects.alias(paused_day=TruncDate("paused_at"))
        .filter(~Q(state=TaskState.DONE), application__status__in=UNDECIDED)
        .filter(
            Q(state=TaskState.OPEN, due_date__lt=filters.today)
            | Q(state=TaskState.WAITING, paused_day__gt=F("due_date"))
        )
    )
    tasks = scope_queryset(
        tasks, user, "application__licence_type__institution", "application__licence_type__department"
    )
    if filters.institution_id is not None:
        tasks = tasks.filter(application__licence_type__institution_id=filters.institution_id)
    return tasks.count()


def _durations(user, filters: Filters) -> tuple[list[DurationRow], int]:
    """The processing-time rows, and the review steps finished late (the panel's SLA breaches)."""
    histograms: dict[tuple[int, str], dict[int, int]] = defaultdict(lambda: defaultdict(int))
    breaches: dict[tuple[int, str], int] = defaultdict(int)
    rows = (
        _cells(DurationCount, user, filters)
        .values_list("licence_type_id", "step", "working_days", "breached")
        .annotate(n=Sum("count"))
        .order_by()
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
    late_steps = sum(n for (_lt, step), n in breaches.items() if step)
    return result, late_steps


def dashboard(user, filters: Filters, overdue: int | None = None) -> Dashboard:
    """Every figure of the page for the officer (their scope) and the filters: one grouped read per table
    for the period (months, services and measures are added up here), and two small ones for today.
    `overdue`: "overdue now" when the caller already has it (dashboard.views keeps it longer than a fold)."""
    per_service: dict[int, dict[str, int]] = defaultdict(dict)
    months: dict[datetime.date, int] = defaultdict(int)
    totals: dict[str, int] = defaultdict(int)
    for licence_type_id, measure, month, n in (
        _cells(ApplicationCount, user, filters)
        .annotate(month=TruncMonth("day"))
        .values_list("licence_type_id", "measure", "month")
        .annotate(n=Sum("count"))
        .values_list("licence_type_id", "measure", "month", "n")
        .order_by()
    ):
        per_service[licence_type_id][measure] = per_service[licence_type_id].get(measure, 0) + int(n)
        totals[measure] += int(n)
        if measure == Measure.RECEIVED:
            months[month] += int(n)
    years: dict[int, int] = defaultdict(int)
    for month, n in months.items():
        years[month.year] += n
    fees_by_service: dict[tuple[int, str], tuple[int, Decimal]] = {}
    fees_by_method: dict[tuple[str, str], tuple[int, Decimal]] = {}
    for licence_type_id, method, currency, n, amount in (
        _cells(FeeCount, user, filters)
        .values_list("licence_type_id", "method", "currency")
        .annotate(n=Sum("count"), a=Sum("amount"))
        .values_list("licence_type_id", "method", "currency", "n", "a")
        .order_by()
    ):
        for table, key in (
            (fees_by_service, (licence_type_id, currency)),
            (fees_by_method, (method, currency)),
        ):
            count, total = table.get(key, (0, Decimal(0)))
            table[key] = (count + int(n), total + amount)
    stages = dict(
        _cells(FunnelCount, user, filters)
        .values_list("stage")
        .annotate(n=Sum("count"))
        .values_list("stage", "n")
        .order_by()
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
    durations, late_steps = _durations(user, filters)
    period = {measure.value: totals.get(measure.value, 0) for measure in PANEL}
    period[LATE] = late_steps
    service_ids = (
        set(per_service) | {lt for lt, _c in fees_by_service} | {row.licence_type_id for row in durations}
    )
    return Dashboard(
        filters=filters,
        today=_today(user, filters),
        period=period,
        by_month=sorted(months.items()),
        by_year=sorted(years.items()),
        by_service=sorted(per_service.items()),
        fees_by_service=[(lt, c, n, a) for (lt, c), (n, a) in sorted(fees_by_service.items())],
        fees_by_method=[(m, c, n, a) for (m, c), (n, a) in sorted(fees_by_method.items())],
        durations=durations,
        funnel=funnel,
        by_province=provinces,
        overdue_now=overdue_now(user, filters) if overdue is None else overdue,
        services=LicenceType.objects.in_bulk(service_ids),
        provinces=AdministrativeUnit.objects.in_bulk([p for p, _n in provinces if p is not None]),
    )


def fold_generation() -> str | None:
    """Changes whenever a fold runs (each minute): what the page drew before stays valid until then. None
    before the first fold."""
    marks = list(
        FoldMark.objects.order_by("source").values_list("folded_at", "checkpoint_id", "settled_through")
    )
    if not marks or any(folded_at is None for folded_at, _c, _s in marks):
        return None
    return "|".join(
        f"{folded_at.timestamp()}:{checkpoint}:{settled}" for folded_at, checkpoint, settled in marks
    )


def scope_key(user) -> str:
    """Officers with the same scope see the same figures."""
    scope = officer_scope(user)
    if scope.is_national:
        return "national"
    parts = (scope.institution_ids, scope.department_ids, scope.whole_institution_ids)
    return "/".join(",".join(map(str, sorted(ids))) for ids in parts)


def may_filter_institutions(user) -> bool:
    scope = officer_scope(user)
    return scope.is_national or len(scope.institution_ids) > 1


__all__ = [
    "LATE",
    "PANEL",
    "Dashboard",
    "Filters",
    "dashboard",
    "fold_generation",
    "institutions_for",
    "overdue_now",
    "percentile",
    "scope_key",
]

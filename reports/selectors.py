"""Reads of reports, always inside the officer's scope (accounts.selectors.scope_queryset on the service's
institution and department, as the review screen scopes an application): the applications a report's
conditions select, the summary grouped by one dimension with a totals row, the list rows read in chunks, and
the officer's own saved definitions and runs (anything else is None, which the views answer with 404).

Definitions the figures rest on (docs/reports.md):
- only submitted applications count (drafts, even those waiting for their fee, are the applicant's);
- fees collected: the amount of the application's PAID payment (one at most: a database constraint), per
  currency, never converted;
- processing time: working days from the first submission to the decision (public holidays and the days
  the review's clock was paused while the application was returned excluded), the median over decided ones;
- handling officer: the officer of the application's latest review action (the "officer" condition: any
  officer who took a review action on it);
- overdue: a review task whose clock (today while open, where it stopped when waiting or done) passed its
  working-day due date (review/sla.py).
"""

from __future__ import annotations

import datetime
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import (
    Aggregate,
    Case,
    Count,
    Exists,
    Expression,
    ExpressionWrapper,
    F,
    FilteredRelation,
    FloatField,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate, TruncMonth
from django.utils import timezone

from accounts.selectors import scope_queryset
from applications.models import Application, Status
from esb.models import PublicHoliday
from esb.working_days import SATURDAY, holidays_in_years
from licensing.models import LicenceService
from payments.models import Currency, Payment
from payments.models import Status as PaymentStatus
from registry.models import BusinessActivity
from reports.conditions import NO_PAYMENT, DateField, GroupBy, Overdue
from reports.models import ReportDefinition, ReportRun
from review.models import ReviewAction, ReviewTask, TaskState

DATE_COLUMNS = {
    DateField.SUBMITTED: "submitted_at",
    DateField.DECIDED: "decided_at",
    DateField.MODIFIED: "updated_at",
}
SETTLED = (PaymentStatus.PAID, PaymentStatus.REFUNDED, PaymentStatus.WAIVED)
CHUNK = 2000


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


class Median(Aggregate):
    """PostgreSQL's `percentile_cont(0.5)`, which ignores NULLs (undecided applications)."""

    function = "percentile_cont"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


# Every date a report meets is after this Sunday, so (day - EPOCH) is positive and counts from a Monday.
EPOCH = datetime.date(1970, 1, 4)


class WorkingDayNumber(Expression):
    """The number of working days in (EPOCH, day] for a date expression, in SQL: Monday to Friday by
    arithmetic, less the public holidays falling on them up to `day` (`width_bucket` over their sorted
    array: a binary search, no query per row). The difference of two such numbers is exactly
    `esb.working_days.working_days_between` of the two dates."""

    output_field = IntegerField()

    def __init__(self, day, holidays: list[datetime.date]) -> None:
        super().__init__(output_field=IntegerField())
        self.day = day
        # A first element before every date: width_bucket refuses an empty array; it cancels in differences.
        self.holidays = [EPOCH, *sorted(h for h in holidays if h.weekday() < SATURDAY and h > EPOCH)]

    def get_source_expressions(self) -> list:
        return [self.day]

    def set_source_expressions(self, expressions: list) -> None:
        (self.day,) = expressions

    def as_sql(self, compiler, connection):
        sql, params = compiler.compile(self.day)
        n = f"(({sql}) - DATE '{EPOCH.isoformat()}')"
        return (
            f"(5 * ({n} / 7) + LEAST(mod({n}, 7), 5) - width_bucket(({sql}), %s::date[]))",
            (*params, *params, *params, self.holidays),
        )


def working_days_taken(holidays: list[datetime.date]) -> ExpressionWrapper:
    """Service delivery time in working days (esb.working_days): from the local day of the first submission
    to the local day of the decision, less the working days the review's clock stood still while the
    application was returned to the applicant (review.sla: each task's `paused_working_days`). NULL while
    undecided."""
    zone = local_zone()
    paused = (
        ReviewTask.objects.filter(application=OuterRef("pk"), paused_working_days__gt=0)
        .values("application")
        .annotate(days=Sum("paused_working_days"))
        .values("days")
    )
    return ExpressionWrapper(
        WorkingDayNumber(TruncDate("decided_at", tzinfo=zone), holidays)
        - WorkingDayNumber(TruncDate("submitted_at", tzinfo=zone), holidays)
        # Only a resubmitted application (returned, then sent again) can have had its clock paused: the
        # tasks are read for those alone (a tenth of them on the bench), not for every row (bench/README.md).
        - Case(
            When(
                last_submitted_at__gt=F("submitted_at"),
                then=Coalesce(Subquery(paused, output_field=IntegerField()), Value(0)),
            ),
            default=Value(0),
        ),
        output_field=IntegerField(),
    )


def all_holidays() -> list[datetime.date]:
    """Every public holiday recorded (a few dozen a year), through esb.working_days' cache."""
    span = PublicHoliday.objects.aggregate(first=Min("date"), last=Max("date"))
    if span["first"] is None:
        return []
    return sorted(holidays_in_years(span["first"].year, span["last"].year))


# --- which applications ------------------------------------------------------------------------------------


def in_scope(user) -> QuerySet[Application]:
    """Submitted applications of the services the officer's scope covers (national: all)."""
    applications = Application.objects.exclude(status=Status.DRAFT)
    return scope_queryset(applications, user, "licence_type__institution", "licence_type__department")


def overdue_tasks(today: datetime.date | None = None) -> QuerySet[ReviewTask]:
    """Review tasks past their due date by their own clock (review.sla.clock_date, in SQL)."""
    today = today or timezone.localdate()
    zone = local_zone()
    return ReviewTask.objects.annotate(
        paused_day=TruncDate("paused_at", tzinfo=zone), completed_day=TruncDate("completed_at", tzinfo=zone)
    ).filter(
        Q(state=TaskState.OPEN, due_date__lt=today)
        | Q(state=TaskState.WAITING, paused_day__gt=F("due_date"))
        | Q(state=TaskState.DONE, completed_day__gt=F("due_date"))
    )


def _day_start(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=local_zone())


def applications(
    user, conditions: dict[str, Any], today: datetime.date | None = None
) -> QuerySet[Application]:
    """The applications a report selects: the officer's scope, then every condition given."""
    qs = in_scope(user)
    column = DATE_COLUMNS.get(conditions.get("date_field"), "submitted_at")
    if conditions.get("date_from"):
        qs = qs.filter(**{f"{column}__gte": _day_start(datetime.date.fromisoformat(conditions["date_from"]))})
    if conditions.get("date_to"):
        end = datetime.date.fromisoformat(conditions["date_to"]) + datetime.timedelta(days=1)
        qs = qs.filter(**{f"{column}__lt": _day_start(end)})
    simple = {
        "institution": "licence_type__institution_id",
        "department": "licence_type__department_id",
        "service": "licence_type_id",
        "status": "status",
        "province": "business__province_id",
        "district": "business__district_id",
    }
    for name, lookup in simple.items():
        if conditions.get(name) not in (None, ""):
            qs = qs.filter(**{lookup: conditions[name]})
    kind = conditions.get("request_kind")
    if kind:
        qs = qs.filter(
            Q(service__kind=kind) | Q(service__isnull=True)
            if kind == LicenceService.Kind.NEW
            else Q(service__kind=kind)
        )
    payment_status = conditions.get("payment_status")
    if payment_status == NO_PAYMENT:
        qs = qs.exclude(Exists(Payment.objects.filter(application=OuterRef("pk"))))
    elif payment_status:
        qs = qs.filter(Exists(Payment.objects.filter(application=OuterRef("pk"), status=payment_status)))
    if conditions.get("payment_method"):
        settled = Payment.objects.filter(
            application=OuterRef("pk"), method=conditions["payment_method"], status__in=SETTLED
        )
        qs = qs.filter(Exists(settled))
    if conditions.get("sector"):
        primary = BusinessActivity.objects.filter(
            business=OuterRef("business_id"), is_primary=True, activity__section=conditions["sector"]
        )
        qs = qs.filter(Exists(primary))
    if conditions.get("officer"):
        qs = qs.filter(
            Exists(ReviewAction.objects.filter(application=OuterRef("pk"), officer=conditions["officer"]))
        )
    overdue = conditions.get("overdue")
    if overdue in (Overdue.YES, Overdue.NO):
        late = Exists(overdue_tasks(today).filter(application=OuterRef("pk")))
        qs = qs.filter(late) if overdue == Overdue.YES else qs.exclude(late)
    return qs


def _last_officer() -> Subquery:
    return Subquery(
        ReviewAction.objects.filter(application=OuterRef("pk"))
        .order_by("-at", "-id")
        .values("officer_id")[:1]
    )


def _settled_method() -> Subquery:
    return Subquery(
        Payment.objects.filter(application=OuterRef("pk"), status__in=SETTLED)
        .order_by("-paid_at", "-id")
        .values("method")[:1]
    )


def _primary_section() -> Subquery:
    return Subquery(
        BusinessActivity.objects.filter(business=OuterRef("business_id"), is_primary=True).values(
            "activity__section"
        )[:1]
    )


def _group_key(group_by: str, date_field: str):
    if group_by == GroupBy.SERVICE:
        return F("licence_type_id")
    if group_by == GroupBy.STATUS:
        return F("status")
    if group_by == GroupBy.INSTITUTION:
        return F("licence_type__institution_id")
    if group_by == GroupBy.DEPARTMENT:
        return F("licence_type__department_id")
    if group_by == GroupBy.PROVINCE:
        return F("business__province_id")
    if group_by == GroupBy.MONTH:
        return TruncMonth(DATE_COLUMNS.get(date_field, "submitted_at"), tzinfo=local_zone())
    if group_by == GroupBy.OFFICER:
        return _last_officer()
    if group_by == GroupBy.PAYMENT_METHOD:
        return _settled_method()
    if group_by == GroupBy.SECTOR:
        return _primary_section()
    if group_by == GroupBy.REQUEST_KIND:
        return Coalesce(F("service__kind"), Value(LicenceService.Kind.NEW))
    raise ValueError(f"unknown dimension {group_by!r}")


def estimated_rows(user, conditions: dict[str, Any], today: datetime.date | None = None) -> int:
    """How many applications the report selects, by the planner's estimate (EXPLAIN: nothing is read, so it
    costs milliseconds whatever the size). Decides whether the page computes a report in its request or
    starts a run; an estimate may be off by a factor, which only moves that line."""
    plan = json.loads(applications(user, conditions, today).order_by().values("pk").explain(format="json"))
    return int(plan[0]["Plan"]["Plan Rows"])


# --- the summary -------------------------------------------------------------------------------------------


@dataclass
class SummaryRow:
    key: Any
    count: int
    fees: dict[str, Decimal]
    median: float | None  # working days
    decided: int
    label: tuple[str, str] = ("", "")  # (Khmer, English), filled in by reports.labels

    @property
    def median_days(self) -> float | None:
        """The median processing time in working days, to a tenth (an even count's median may be a half)."""
        return None if self.median is None else round(self.median, 1)


@dataclass
class Summary:
    group_by: str
    rows: list[SummaryRow]
    total: SummaryRow
    currencies: list[str] = field(default_factory=lambda: list(Currency.values))


def _figures(holidays: list[datetime.date]) -> dict[str, Any]:
    return {
        "count": Count("pk"),
        "decided": Count("pk", filter=Q(decided_at__isnull=False)),
        "median": Median(working_days_taken(holidays)),
        **{
            f"fee_{currency}": Sum("paid__amount", filter=Q(paid__currency=currency))
            for currency in Currency.values
        },
    }


def _row(key: Any, values: dict[str, Any]) -> SummaryRow:
    return SummaryRow(
        key=key,
        count=values["count"],
        decided=values["decided"],
        median=values["median"],
        fees={c: values[f"fee_{c}"] or Decimal("0.00") for c in Currency.values},
    )


def summary(user, conditions: dict[str, Any], today: datetime.date | None = None) -> Summary:
    """One row per value of the chosen dimension (most applications first; months in order) and the totals
    of the whole selection (a median is not the sum of medians: computed over all rows, by the database)."""
    group_by = conditions.get("group_by", GroupBy.SERVICE)
    holidays = all_holidays()
    # One PAID payment per application at most, so this join never counts an application twice.
    qs = applications(user, conditions, today).annotate(
        paid=FilteredRelation("payments", condition=Q(payments__status=PaymentStatus.PAID))
    )
    grouped = (
        qs.annotate(group_key=_group_key(group_by, conditions.get("date_field", DateField.SUBMITTED)))
        .values("group_key")
        .annotate(**_figures(holidays))
        .order_by()
    )
    rows = [_row(values["group_key"], values) for values in grouped]
    if group_by == GroupBy.MONTH:
        rows.sort(key=lambda r: (r.key is None, r.key or datetime.datetime.min.replace(tzinfo=datetime.UTC)))
    else:
        rows.sort(key=lambda r: (-r.count, str(r.key)))
    total = _row(None, qs.aggregate(**_figures(holidays)))
    from reports.labels import label_rows

    label_rows(group_by, rows)
    return Summary(group_by=group_by, rows=rows, total=total)


# --- the list ----------------------------------------------------------------------------------------------

LIST_VALUES = (
    "pk",
    "reference",
    "status",
    "closure",
    "submitted_at",
    "decided_at",
    "updated_at",
    "fee_amount",
    "fee_currency",
    "applicant_id",
    "business_id",
    "licence_type__code",
    "licence_type__name_km",
    "licence_type__name_en",
    "business__name_km",
    "business__name_en",
    "business__single_id",
    "officer_id",
    "is_overdue",
)


def list_queryset(user, conditions: dict[str, Any], today: datetime.date | None = None) -> QuerySet:
    """One row (a dict) per application, oldest submission first, with what the list shows joined in."""
    return (
        applications(user, conditions, today)
        .annotate(
            officer_id=_last_officer(),
            is_overdue=Exists(overdue_tasks(today).filter(application=OuterRef("pk"))),
        )
        .order_by("submitted_at", "pk")
        .values(*LIST_VALUES)
    )


def list_chunks(
    user, conditions: dict[str, Any], today: datetime.date | None = None, chunk: int = CHUNK
) -> Iterator[list[dict[str, Any]]]:
    """The list in chunks of `chunk` rows from one server-side cursor (PostgreSQL sends `chunk` rows at a
    time), so neither this process nor the database client ever holds the whole list. One query, not one
    per chunk: a long period is read by scanning the table (its date index pays only for short ones), and
    a query per chunk would scan it again each time (bench/README.md)."""
    batch: list[dict[str, Any]] = []
    for row in list_queryset(user, conditions, today).iterator(chunk_size=chunk):
        batch.append(row)
        if len(batch) == chunk:
            yield batch
            batch = []
    if batch:
        yield batch


# --- the officer's own rows --------------------------------------------------------------------------------


def _uuid(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


def definitions_of(user) -> QuerySet[ReportDefinition]:
    return ReportDefinition.objects.filter(owner_id=user.pk)


def definition_of(user, public_id) -> ReportDefinition | None:
    key = _uuid(public_id)
    return None if key is None else definitions_of(user).filter(public_id=key).first()


def runs_of(user) -> QuerySet[ReportRun]:
    return ReportRun.objects.filter(owner_id=user.pk)


def run_of(user, public_id) -> ReportRun | None:
    key = _uuid(public_id)
    return None if key is None else runs_of(user).filter(public_id=key).first()

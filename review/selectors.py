"""Reads of the review, scoped to the officer: the steps they may act on, the four work queues and their
counts, one application's task for the review screen (404 outside their scope) and its history.

Queues are a fixed number of queries whatever the number of rows: one for the officer's assignments (kept on
the user object for the request) and one for the page, with what a queue row shows joined in.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import F, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from accounts.selectors import assignment_rows, officer_scope, scope_queryset
from applications.models import Application, ApplicationEvent, Status
from licensing.models import WorkflowStep
from registry.models import Business
from registry.text import normalize_single_id
from review import eligibility, sla
from review.eligibility import is_eligible
from review.models import ActionKind, RejectionReason, ReviewAction, ReviewTask, TaskState
from review.rules import ACTIONABLE, TRANSITIONS

QUEUES = ("mine", "team", "returned", "decided")
DECISIONS = (ActionKind.APPROVE, ActionKind.REJECT)
# Queue counts stop here: counting every decided application of a ministry costs time in proportion to their
# number (seconds at a million); above the cap the pages say "more than 1,000" (bench/README.md).
COUNT_CAP = 1000
_STEPS_CACHE = "_esb_review_eligible_steps"
_STEP_IDS_CACHE = "_esb_review_eligible_step_ids"


def eligible_steps(officer) -> QuerySet[WorkflowStep]:
    """Workflow steps the officer may act on: the step's role through an active assignment at the service's
    institution, in the step's department when it names one (unless the assignment covers the institution).
    Lazy: used inside the queue queries as a subquery; the assignments are read once per user object."""
    conditions = getattr(officer, _STEPS_CACHE, None)
    if conditions is None:
        conditions = Q(pk__in=[])
        rows = _assignment_rows(officer)
        for role_id, institution_id, department_id in rows:
            if institution_id is None:
                continue  # a national administrator reviews nothing
            one = Q(role_id=role_id, definition__licence_type__institution_id=institution_id)
            if department_id is not None:
                one &= Q(department__isnull=True) | Q(department_id=department_id)
            conditions |= one
        if officer is not None and getattr(officer, "pk", None):
            setattr(officer, _STEPS_CACHE, conditions)
    return WorkflowStep.objects.filter(conditions)


_ROWS_CACHE = "_esb_review_assignment_rows"


def _assignment_rows(officer) -> list[tuple[int, int | None, int | None]]:
    """(role, institution, department) of the officer's active assignments, read once per user object."""
    rows = getattr(officer, _ROWS_CACHE, None)
    if rows is None:
        rows = [(role, place, unit) for role, _code, place, unit in assignment_rows(officer)]
        if officer is not None and getattr(officer, "pk", None):
            setattr(officer, _ROWS_CACHE, rows)
    return rows


def eligible_step_ids(officer) -> list[int]:
    """The ids of `eligible_steps`, worked out from the steps of the officer's institutions (one query, shared
    with the scope of the queues, once per user object). The queue queries name the ids, so the planner knows
    how many tasks they select: behind a subquery it guessed, and read every decided task of the ministry."""
    ids = getattr(officer, _STEP_IDS_CACHE, None)
    if ids is None:
        if officer_scope(officer).is_national:
            ids = sorted(eligible_steps(officer).values_list("pk", flat=True))
        else:
            assignments = [row for row in _assignment_rows(officer) if row[1] is not None]
            ids = sorted(
                pk
                for pk, role_id, department_id, institution_id, _type in _scope_steps(officer)
                if any(
                    role_id == a_role
                    and institution_id == a_institution
                    and (a_department is None or department_id in (None, a_department))
                    for a_role, a_institution, a_department in assignments
                )
            )
        if officer is not None and getattr(officer, "pk", None):
            setattr(officer, _STEP_IDS_CACHE, ids)
    return ids


def can_act(officer, task: ReviewTask) -> bool:
    """Whether the officer may act on the task's step (the service checks the rest under the lock)."""
    return task.state != TaskState.DONE and is_eligible(
        officer, task.step, task.application.licence_type.institution_id
    )


_SCOPE_STEPS_CACHE = "_esb_review_scope_steps"


def _scope_steps(officer) -> list[tuple[int, int | None, int | None, int, int]]:
    """(step, role, department, institution, licence type) of every workflow step of the officer's
    institutions, read once per user object (not for a national scope: see `_scope_step_ids`)."""
    steps = getattr(officer, _SCOPE_STEPS_CACHE, None)
    if steps is None:
        steps = list(
            WorkflowStep.objects.filter(
                definition__licence_type__institution_id__in=officer_scope(officer).institution_ids
            ).values_list(
                "pk",
                "role_id",
                "department_id",
                "definition__licence_type__institution_id",
                "definition__licence_type_id",
            )
        )
        setattr(officer, _SCOPE_STEPS_CACHE, steps)
    return steps


def _scope_step_ids(officer) -> list[int] | None:
    """The steps of every workflow of the officer's institutions (None: national scope). A step belongs to
    the workflow of the application's licence type, so "the task's step is one of these" is "the application
    is of my institutions" without joining the application — at a million applications, that join for every
    task of a queue was most of its time."""
    if officer_scope(officer).is_national:
        return None
    return sorted(step[0] for step in _scope_steps(officer))


def _service_steps(officer, service: int) -> frozenset[int]:
    """The workflow steps (every version) of one service (licence type id): its tasks are at these steps."""
    if officer_scope(officer).is_national:
        steps = WorkflowStep.objects.filter(definition__licence_type_id=service).values_list("pk", flat=True)
        return frozenset(steps)
    return frozenset(step[0] for step in _scope_steps(officer) if step[4] == service)


def _queue_parts(officer, name: str, *, steps: frozenset[int] | None = None) -> list[Q]:
    """The rows of one queue, inside the officer's scope, as disjoint parts whose union is the queue: one
    part per eligible step, and one for the tasks the officer holds at the other steps of their institutions.
    Each part names its steps, so PostgreSQL reads it from an index in the queue's order and stops after a
    page (`CappedPaginator`), and its count stops at the cap: as one condition, `step IN (…) OR holder = me`
    was a filtered walk of every task of the ministry (bench/README.md). `steps` (the steps of one service)
    keeps only the parts at those steps.

    Tasks at the officer's eligible steps are in scope by construction (eligibility needs an assignment at
    the institution); tasks they hold are limited to the steps of their institutions."""
    scoped = _scope_step_ids(officer)
    eligible = eligible_step_ids(officer)
    if steps is not None:
        eligible = [step for step in eligible if step in steps]
        scoped = sorted(steps) if scoped is None else [step for step in scoped if step in steps]
    mine = Q(holder_id=officer.pk)
    if scoped is not None:
        if not scoped:
            mine = None
        else:
            mine &= Q(step_id__in=scoped)
    if name == "mine":
        return [Q(state=TaskState.OPEN) & mine] if mine is not None else []
    if name == "team":
        return [Q(state=TaskState.OPEN, holder__isnull=True, step_id=step) for step in eligible]
    if name == "returned":
        state = Q(state=TaskState.WAITING)
    elif name == "decided":
        state = Q(state=TaskState.DONE, outcome__in=DECISIONS)
    else:
        raise ValueError(f"unknown queue {name!r}; expected one of {QUEUES}")
    parts = [state & Q(step_id=step) for step in eligible]
    # What I hold at steps that are not mine to act on any more (disjoint from the parts above).
    held = Q(holder_id=officer.pk)
    if scoped is None:
        held &= ~Q(step_id__in=eligible) if eligible else Q()
        parts.append(state & held)
    else:
        others = [step for step in scoped if step not in set(eligible)]
        if others:
            parts.append(state & held & Q(step_id__in=others))
    return parts


def _combined(parts: list[Q]) -> Q:
    condition = Q(pk__in=[])
    for part in parts:
        condition |= part
    return condition


def _queue_condition(officer, name: str) -> Q:
    """The rows of one queue as one condition (the union of `_queue_parts`)."""
    return _combined(_queue_parts(officer, name))


def _in_scope(officer) -> Q:
    """Applications of the officer's institutions (the review screen's check; queues use the steps)."""
    scope = officer_scope(officer)
    if scope.is_national:
        return Q()
    return Q(application__licence_type__institution_id__in=scope.institution_ids)


def _ordering(name: str) -> tuple[str, ...]:
    """A queue's order: due date, then when the step was reached (decided: the latest decision first)."""
    return ("-completed_at", "-id") if name == "decided" else ("due_date", "reached_at", "id")


def _filtered(
    tasks: QuerySet[ReviewTask],
    *,
    status: str | None = None,
    submitted_from: datetime.date | None = None,
    submitted_to: datetime.date | None = None,
    overdue: bool = False,
    search: str = "",
) -> QuerySet[ReviewTask]:
    if status:
        tasks = tasks.filter(application__status=status)
    if submitted_from:
        tasks = tasks.filter(application__submitted_at__date__gte=submitted_from)
    if submitted_to:
        tasks = tasks.filter(application__submitted_at__date__lte=submitted_to)
    if overdue:
        tasks = tasks.filter(state=TaskState.OPEN, due_date__lt=timezone.localdate())
    if search.strip():
        tasks = tasks.filter(_search(search.strip()))
    return tasks


_NAMES = ("name_km", "name_en")
_ROW_FIELDS = (
    *(field.name for field in ReviewTask._meta.concrete_fields),
    *(f"application__{name}" for name in ("public_id", "reference", "submitted_at", "status")),
    *(f"application__licence_type__{name}" for name in _NAMES),
    *(f"application__service__{name}" for name in _NAMES),
    *(f"application__business__{name}" for name in (*_NAMES, "single_id")),
    *(f"step__{name}" for name in (*_NAMES, "key", "definition", "order")),
    *(f"holder__{name}" for name in ("full_name_km", "full_name_en", "first_name", "last_name", "username")),
)


def queue(officer, name: str, *, service: int | None = None, **filters: Any) -> QuerySet[ReviewTask]:
    """One work queue: "mine" (open tasks I hold), "team" (open, unclaimed, at my steps), "returned"
    (waiting for the applicant, at my steps or held by me), "decided" (approved or rejected, at my steps or
    by me), with what a queue row shows joined in. `service` is a licence type id; the other filters are
    `status`, `submitted_from`, `submitted_to`, `overdue` and `search`. Ordered by due date, then when the
    step was reached (decided: the latest decision first). A page of it is read through `queue_parts`
    (`review.pagination.CappedPaginator`)."""
    if officer is None or officer_scope(officer).is_empty:
        return ReviewTask.objects.none()
    tasks = (
        # Never a draft: only a submission opens a task and no application goes back to DRAFT (see
        # queue_counts); filtering on it here made PostgreSQL join every task of the queue to its application.
        ReviewTask.objects.filter(_queue_condition(officer, name))
        .select_related(
            "application__licence_type",
            "application__service",
            "application__business",
            "step",
            "holder",
        )
        # Only what a row shows (templates/review/includes/queue_results.html, the SLA clock): the rows'
        # other columns (the holder's encrypted identifiers, the application's answers) cost their
        # compiling, reading and decrypting on every page.
        .only(*_ROW_FIELDS)
    )
    if service:
        tasks = tasks.filter(application__licence_type_id=service)
    return _filtered(tasks, **filters).order_by(*_ordering(name))


def queue_parts(
    officer, name: str, *, service: int | None = None, **filters: Any
) -> list[QuerySet[ReviewTask]]:
    """The rows of `queue` (same arguments) as disjoint parts, each in the queue's order and read from an
    index of its own (`_queue_parts`); the task table alone, no join unless a filter needs one. The service
    filter keeps the parts at the service's steps (a task's step is of its application's licence type)."""
    if officer is None or officer_scope(officer).is_empty:
        return []
    steps = _service_steps(officer, service) if service else None
    parts = _queue_parts(officer, name, steps=steps)
    if len(parts) > 1 and str(filters.get("search") or "").strip():
        # A search finds few applications: PostgreSQL starts from them, once (per part, it would run the
        # search's subquery once for each).
        parts = [_combined(parts)]
    order = _ordering(name)
    return [_filtered(ReviewTask.objects.filter(part), **filters).order_by(*order) for part in parts]


def capped_counts_sql(parts: list[QuerySet], cap: int) -> tuple[str, list]:
    """An SQL expression (and its parameters) for the number of rows of disjoint `parts`, each counted up
    to `cap` + 1 (the sum is more than `cap` exactly when the union is): an index probe per part."""
    sums, params = [], []
    for index, part in enumerate(parts):
        try:
            sql, part_params = part.order_by().values("pk")[: cap + 1].query.sql_with_params()
        except EmptyResultSet:  # a condition that selects nothing
            continue
        # `sql` is Django's compiled query, its values passed as parameters.
        sums.append(f"(SELECT count(*) FROM ({sql}) AS part{index})")  # noqa: S608
        params.extend(part_params)
    return (" + ".join(sums) or "0"), params


def capped_count(parts: list[QuerySet], cap: int) -> int:
    """The rows of disjoint `parts` up to `cap` + 1, in one statement."""
    if not parts:
        return 0
    sql, params = capped_counts_sql(parts, cap)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {sql}", params)
        return min(cursor.fetchone()[0], cap + 1)


def _search(term: str) -> Q:
    """Reference (exact or prefix), Single ID (exact) or business name (substring, trigram-indexed).

    One subquery of matching applications, a UNION of what each index finds (the reference prefix index; the
    businesses by Single ID or by the trigram indexes of their names, then their applications): conditions
    OR-ed across the joined tables made PostgreSQL test every task of the queue against each of them."""
    by_reference = Application.objects.filter(reference__startswith=term.upper())
    names = Q(name_en__icontains=term) | Q(name_km__icontains=term)
    single_id = normalize_single_id(term)
    if single_id:
        names |= Q(single_id=single_id)
    businesses = Business.objects.filter(names).order_by().values("pk")
    by_business = Application.objects.filter(business_id__in=businesses)
    matches = by_reference.order_by().values("pk").union(by_business.order_by().values("pk"))
    return Q(application_id__in=matches)


def queue_counts(officer, *, cap: int = COUNT_CAP) -> dict[str, int]:
    """The number of rows of each queue (no filters), each counted up to `cap` + 1 (a count above `cap` means
    "more than `cap`"), in one query (plus the officer's assignments and eligible steps): each part of a
    queue (`queue_parts`) counted from its own index, up to the cap."""
    if officer is None or officer_scope(officer).is_empty:
        return dict.fromkeys(QUEUES, 0)
    # No join to the application: a task is only ever opened by a submission, and no application goes
    # back to DRAFT (applications.models.TRANSITIONS), so "not a draft" holds for every task.
    columns, params = [], []
    for name in QUEUES:
        sql, part_params = capped_counts_sql(queue_parts(officer, name), cap)
        columns.append(sql)
        params.extend(part_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(columns), params)
        totals = cursor.fetchone()
    return {name: min(total, cap + 1) for name, total in zip(QUEUES, totals, strict=True)}


def task_for_review(officer, public_id) -> ReviewTask:
    """The application's current task (or its last one, once decided) for the review screen. Raises Http404
    when the application is unknown, a draft, or outside the officer's scope — 404, never 403."""
    try:
        public_id = uuid.UUID(str(public_id))
    except (TypeError, ValueError, AttributeError) as bad:
        raise Http404 from bad
    applications = Application.objects.filter(public_id=public_id).exclude(status=Status.DRAFT)
    scoped = scope_queryset(applications, officer, "licence_type__institution", "licence_type__department")
    tasks = ReviewTask.objects.filter(application__public_id=public_id).exclude(
        application__status=Status.DRAFT
    )
    if (
        not scoped.exists()
        and not tasks.filter(
            Q(step__in=eligible_steps(officer)) | Q(holder_id=getattr(officer, "pk", None)),
            _in_scope(officer),
        ).exists()
    ):
        raise Http404
    task = (
        tasks.select_related(
            "application__licence_type__institution",
            "application__service",
            "application__business",
            "application__applicant",
            "application__workflow_definition",
            "step__role",
            "step__department",
            "holder",
        )
        # The task not yet done (no completion) first, else the last one completed.
        .order_by(F("completed_at").desc(nulls_first=True), "-reached_at", "-id")
        .first()
    )
    if task is None:
        raise Http404
    return task


def rejection_reasons() -> QuerySet[RejectionReason]:
    """The reasons an officer may choose when rejecting (active ones, in the maintained order)."""
    return RejectionReason.objects.filter(active=True).order_by("order", "code")


def forward_targets(task: ReviewTask) -> list[WorkflowStep]:
    """The later steps of the application's pinned workflow, the next one first (forward's choices)."""
    return list(
        WorkflowStep.objects.filter(definition_id=task.step.definition_id, order__gt=task.step.order)
        .select_related("role", "department")
        .order_by("order", "id")
    )


def reassign_candidates(task: ReviewTask) -> QuerySet[User]:
    """Officers who may act at the task's step (a supervisor's choices when reassigning)."""
    institution_id = task.application.licence_type.institution_id
    return User.objects.filter(
        pk__in=eligibility.step_assignments(task.step, institution_id).values("user_id")
    ).order_by("full_name_en", "username")


def available_actions(officer, task: ReviewTask) -> list[str]:
    """The actions to offer the officer on the review screen, in the order of `ActionKind`. A guide for the
    page only: `take_action` checks everything again under the lock."""
    if task.application.status not in ACTIONABLE or task.state == TaskState.DONE:
        return []
    institution_id = task.application.licence_type.institution_id
    allowed = TRANSITIONS[task.state]
    offered: set[str] = set()
    if eligibility.has_permission_at(officer, eligibility.SUPERVISE, institution_id):
        offered.add(ActionKind.REASSIGN)
    if is_eligible(officer, task.step, institution_id):
        if task.holder_id is None:
            offered.add(ActionKind.CLAIM)
        elif task.holder_id == officer.pk:
            offered.add(ActionKind.RELEASE)
            offered.update(
                action for action in task.step.allowed_actions or [] if action in ActionKind.values
            )
            if ActionKind.APPROVE in offered and (
                forward_targets(task)
                or not eligibility.has_permission_at(officer, eligibility.APPROVE, institution_id)
            ):
                offered.discard(ActionKind.APPROVE)
    return [action for action in ActionKind.values if action in offered and action in allowed]


@dataclass(frozen=True)
class HistoryEntry:
    """One line of the officers' history of an application: a timeline event (what the applicant also
    sees) or a review action (with its internal note)."""

    at: datetime.datetime
    source: str  # "timeline" or "review"
    title: str
    actor: Any
    message: str
    note: str
    item: Any


def history(application: Application) -> list[HistoryEntry]:
    """Timeline events and review actions of the application, oldest first (officers only: it holds the
    internal notes). Two queries."""
    entries = [
        HistoryEntry(
            event.at, "timeline", event.title, event.actor, event.message, event.internal_note, event
        )
        for event in ApplicationEvent.objects.filter(application=application).select_related("actor")
    ]
    for action in ReviewAction.objects.filter(application=application).select_related(
        "officer", "step", "to_step", "assignee", "reason"
    ):
        entries.append(
            HistoryEntry(
                action.at,
                "review",
                str(action.get_action_display()),
                action.officer,
                action.message,
                action.note,
                action,
            )
        )
    return sorted(entries, key=lambda entry: (entry.at, entry.source != "review"))


def time_left(task: ReviewTask, calendar=None) -> int:
    """Working days before the task is due (negative: overdue); a waiting task's clock stands still. For a
    list, use `with_time_left` (one holiday read for all rows)."""
    return sla.time_left(task, calendar=calendar)


def with_time_left(tasks) -> list[ReviewTask]:
    """The tasks (a queue page) as a list, each with `time_left` set, from one working-day calendar."""
    rows = list(tasks)
    calendar = sla.calendar_for(rows)
    today = timezone.localdate()
    for task in rows:
        task.time_left = sla.time_left(task, today, calendar)
    return rows


__all__ = [
    "COUNT_CAP",
    "QUEUES",
    "HistoryEntry",
    "available_actions",
    "can_act",
    "eligible_step_ids",
    "eligible_steps",
    "forward_targets",
    "history",
    "queue",
    "queue_counts",
    "queue_parts",
    "reassign_candidates",
    "rejection_reasons",
    "task_for_review",
    "time_left",
    "with_time_left",
]

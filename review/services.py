"""The one way into the review: `take_action` (claim, release, reassign, forward, return, recommend, reject,
approve, comment), and the start or resumption of a task when an application is submitted.

`take_action` runs in one transaction: it locks the application row and its current task, refuses a page
loaded before someone else acted (the application's version), checks the transition table below, the step's
allowed actions, the officer's eligibility and hold on the task, then writes the task, one `ReviewAction`,
one audit event and (through `applications.services`) the status change, timeline event and notification
the applicant gets on commit. A refusal is a `ReviewError` and writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from applications import services as applications
from applications.models import Application, Status
from applications.services.status import lock
from esb import audit
from esb.compiled import CompiledQuery
from licensing.models import WorkflowStep
from notifications import services as notifications
from review import eligibility, sla
from review.models import ActionKind, InternalNote, RejectionReason, ReviewAction, ReviewTask, TaskState
from review.rules import ACTIONABLE, NEEDS_CHECKLIST, TASK_HANDLING, TRANSITIONS

A = ActionKind


class ReviewError(Exception):
    """A refused review action: a message for the officer (in their language) and a stable code."""

    def __init__(self, message, code: str = "refused"):
        super().__init__(str(message))
        self.message = message
        self.code = code


@dataclass
class _Context:
    officer: object
    application: Application
    task: ReviewTask
    action: str
    version: int
    checklist: list[int] = field(default_factory=list)
    received: bool = False


def take_action(
    officer,
    application: Application,
    action: str,
    *,
    version: int,
    to_step: WorkflowStep | int | None = None,
    assignee=None,
    checklist: Iterable[int] = (),
    fields: Iterable[str] = (),
    message: str = "",
    note: str = "",
    reason: RejectionReason | int | str | None = None,
) -> ReviewAction:
    """Act on `application` at its current step as `officer`. `version` is the application version the
    officer's page showed. Returns the recorded action; raises `ReviewError` (nothing written) when refused.

    Parameters by action: reassign — `assignee`; forward — optional `to_step` (a later step of the pinned
    workflow; default the next one) and `checklist`; return — `fields` and `message`; recommend — `note`
    (the recommendation) and `checklist`; reject — `reason` and optional `message`; approve — `checklist`
    and optional `message`; comment — `note`. Any action may carry an internal `note`.
    """
    if action not in A.values:
        raise ReviewError(_("Unknown action."), "unknown_action")
    message, note = (message or "").strip(), (note or "").strip()
    with transaction.atomic():
        locked = lock(application)
        if locked.status not in ACTIONABLE:
            raise ReviewError(
                _("This application is “%(status)s”: nothing more can be done on it.")
                % {"status": locked.display_status},
                "closed",
            )
        task = (
            ReviewTask.objects.select_for_update(of=("self",))
            .select_related("step__role", "step__department", "holder")
            .filter(application=locked)
            .exclude(state=TaskState.DONE)
            .first()
        )
        if task is None:
            raise ReviewError(_("This application has no review step waiting."), "no_task")
        context = _Context(officer, locked, task, action, version)
        _check(context, assignee)
        context.checklist = _checked_items(task.step, checklist, required=action in NEEDS_CHECKLIST)
        if locked.status == Status.SUBMITTED:
            # The first officer action on a submitted (or resubmitted) application: received.
            applications.mark_received(locked, officer)
            context.received = True
        recorded = _perform(
            context,
            assignee=assignee,
            to_step=to_step,
            fields=fields,
            message=message,
            note=note,
            reason=reason,
        )
        application.refresh_from_db()
    return recorded


def _check(context: _Context, assignee) -> None:
    officer, application, task, action = context.officer, context.application, context.task, context.action
    institution_id = application.licence_type.institution_id
    if action not in TRANSITIONS[task.state]:
        if task.state == TaskState.WAITING:
            raise ReviewError(
                _("This application is with the applicant for correction; wait until it comes back."),
                "waiting",
            )
        raise ReviewError(_("This action is not possible at this point."), "transition")
    if action == A.REASSIGN:
        if not eligibility.has_permission_at(officer, eligibility.SUPERVISE, institution_id):
            raise ReviewError(
                _("Only a supervisor of this team can reassign an application."), "not_supervisor"
            )
    elif not eligibility.is_eligible(officer, task.step, institution_id):
        raise ReviewError(
            _("Your role does not allow you to act at the step “%(step)s” of this application.")
            % {"step": task.step.name},
            "not_eligible",
        )
    if action == A.CLAIM and task.holder_id and task.holder_id != officer.pk:
        raise ReviewError(
            _("%(name)s has already claimed this application.") % {"name": task.holder.display_name}, "held"
        )
    if context.version != application.version:
        raise ReviewError(
            _("Someone acted on this application since you opened it. Reload the page to see what changed."),
            "stale",
        )
    if action == A.CLAIM and task.holder_id == officer.pk:
        raise ReviewError(_("You have already claimed this application."), "already_held")
    if action not in (A.CLAIM, A.REASSIGN) and task.holder_id != officer.pk:
        if task.holder_id is None:
            raise ReviewError(_("Claim this application before acting on it."), "unclaimed")
        raise ReviewError(
            _("%(name)s holds this application: only they can act on it now.")
            % {"name": task.holder.display_name},
            "held",
        )
    if action not in TASK_HANDLING and not task.step.allows(action):
        raise ReviewError(
            _("The step “%(step)s” does not allow “%(action)s”.")
            % {"step": task.step.name, "action": A(action).label},
            "not_allowed",
        )
    if action == A.APPROVE:
        if _next_steps(task.step).exists():
            raise ReviewError(_("Only the final step of the workflow can approve."), "not_final")
        if not eligibility.has_permission_at(officer, eligibility.APPROVE, institution_id):
            raise ReviewError(
                _("Approving needs the approving authority, which your role does not have."), "no_authority"
            )
    if action == A.REASSIGN and (
        assignee is None or not eligibility.is_eligible(assignee, task.step, institution_id)
    ):
        raise ReviewError(_("Choose an officer who may act at this step."), "bad_assignee")


def _checked_items(step: WorkflowStep, posted: Iterable[int], *, required: bool) -> list[int]:
    items = {item.pk: item for item in step.checklist_items.all()}
    ticked = []
    for value in posted or ():
        try:
            pk = int(value)
        except (TypeError, ValueError):
            continue
        if pk in items and pk not in ticked:
            ticked.append(pk)
    if required:
        missing = [item for pk, item in items.items() if item.mandatory and pk not in ticked]
        if missing:
            raise ReviewError(
                _("Tick every mandatory checklist item first: %(items)s.")
                % {"items": "; ".join(item.label for item in missing)},
                "checklist",
            )
    return ticked


def _next_steps(step: WorkflowStep):
    return WorkflowStep.objects.filter(definition_id=step.definition_id, order__gt=step.order).order_by(
        "order", "id"
    )


def _target_step(step: WorkflowStep, chosen: WorkflowStep | int | None) -> WorkflowStep:
    later = _next_steps(step).select_related("role", "department")
    if chosen in (None, ""):
        target = later.first()
        if target is None:
            raise ReviewError(_("This is the last step: decide on the application here."), "last_step")
        return target
    pk = chosen.pk if isinstance(chosen, WorkflowStep) else chosen
    try:
        target = later.filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        target = None
    if target is None:
        raise ReviewError(_("Choose a later step of this application's workflow."), "bad_step")
    return target


def _reason(value) -> RejectionReason:
    found = None
    if isinstance(value, RejectionReason):
        found = RejectionReason.objects.filter(pk=value.pk, active=True).first()
    elif isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        found = RejectionReason.objects.filter(pk=int(value), active=True).first()
    elif isinstance(value, str) and value:
        found = RejectionReason.objects.filter(code=value, active=True).first()
    if found is None:
        raise ReviewError(_("Choose the reason for the rejection."), "no_reason")
    return found


def _perform(context: _Context, *, assignee, to_step, fields, message, note, reason) -> ReviewAction:
    officer, application, task, action = context.officer, context.application, context.task, context.action
    now = timezone.now()
    row = {"to_step": None, "assignee": None, "reason": None, "message": "", "note": note}
    if action == A.CLAIM:
        task.holder, task.claimed_at = officer, now
        _touch(context)
    elif action == A.RELEASE:
        task.holder, task.claimed_at = None, None
        _touch(context)
    elif action == A.REASSIGN:
        task.holder, task.claimed_at = assignee, now
        row["assignee"] = assignee
        _touch(context)
        _tell_assignee(assignee, application)
    elif action == A.COMMENT:
        if not note:
            raise ReviewError(_("Write the comment."), "no_note")
        _touch(context)
    elif action in (A.FORWARD, A.RECOMMEND):
        if action == A.RECOMMEND and not note:
            raise ReviewError(_("Write your recommendation."), "no_recommendation")
        target = _target_step(task.step, to_step if action == A.FORWARD else None)
        row["to_step"] = target
        _finish(task, action, now)
        task.save()  # done before the next one opens (one current task per application)
        ReviewTask.objects.create(
            application=application,
            step=target,
            state=TaskState.OPEN,
            reached_at=now,
            due_date=sla.due_date(now, target.sla_working_days),
        )
        applications.record_forwarded(application, officer)
    elif action == A.RETURN:
        try:
            applications.return_for_correction(
                application, officer, fields=list(fields or ()), message=message
            )
        except applications.ApplicationError as refused:
            raise ReviewError(refused.message, refused.code) from refused
        row["message"] = message
        task.state, task.paused_at = TaskState.WAITING, now
    elif action == A.REJECT:
        chosen = _reason(reason)
        row["reason"], row["message"] = chosen, message
        language = application.applicant.preferred_language or "km"
        text = "\n\n".join(part for part in (chosen.label_in(language), message) if part)
        applications.change_status(
            application,
            Status.REJECTED,
            title="rejected",
            actor=officer,
            actor_kind=applications.Actor.OFFICER,
            reason=chosen.code,
            message=text,
        )
        _finish(task, action, now)
    elif action == A.APPROVE:
        row["message"] = message
        applications.change_status(
            application,
            Status.APPROVED,
            title="approved",
            actor=officer,
            actor_kind=applications.Actor.OFFICER,
            message=message,
        )
        _finish(task, action, now)
    task.save()
    if note:
        InternalNote.objects.create(application=application, task=task, author=officer, body=note, at=now)
    recorded = ReviewAction.objects.create(
        application=application,
        task=task,
        step=task.step,
        officer=officer,
        action=action,
        checklist_item_ids=context.checklist,
        application_version=context.version,
        at=now,
        **row,
    )
    audit.record(
        f"review.{action}",
        application,
        after={
            "task": task.pk,
            "step": task.step.key,
            "state": task.state,
            "holder": task.holder_id,
            "to_step": getattr(row["to_step"], "key", None),
            "reason": getattr(row["reason"], "code", None),
            "checklist": context.checklist,
        },
        reason=row["message"][:255] if row["message"] else "",
        actor_id=officer.pk,
    )
    return recorded


def _touch(context: _Context) -> None:
    """Move the version on for an action the applicant does not see, so a page loaded before it is stale —
    except while the application is with the applicant (their correction page must not go stale because an
    officer commented) and when receiving it has already moved the version."""
    if not context.received and context.application.status != Status.RETURNED:
        applications.touch(context.application)


def close_for_withdrawal(application: Application) -> int:
    """Close the application's task that is not done (the applicant withdrew): DONE, no outcome, so no
    officer is credited with a decision and the dashboard's step durations are not touched."""
    return (
        ReviewTask.objects.filter(application=application)
        .exclude(state=TaskState.DONE)
        .update(state=TaskState.DONE, outcome="", completed_at=timezone.now(), paused_at=None)
    )


def _finish(task: ReviewTask, action: str, now) -> None:
    task.state, task.outcome, task.completed_at, task.paused_at = TaskState.DONE, action, now, None


def _tell_assignee(assignee, application: Application) -> None:
    reference = application.reference or ""
    with override("km"):
        body_km = f"{reference} — {application.licence_type.name_km}"
    notifications.notify(
        assignee,
        title_km="ពាក្យស្នើសុំមួយត្រូវបានប្រគល់ឱ្យអ្នកពិនិត្យ",
        title_en="An application was assigned to you for review",
        body_km=body_km,
        body_en=f"{reference} — {application.licence_type.name_en}",
        url=review_path(application),
    )


def review_path(application: Application) -> str:
    """The review screen of an application (its URL is the back-office door's; the path is stable)."""
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse("review:screen", kwargs={"public_id": application.public_id})
    except NoReverseMatch:
        return f"/backoffice/review/{application.public_id}/"


# --- submission: start or resume the review ---------------------------------------------------------------


def start_review(application: Application, *, resubmission: bool) -> ReviewTask | None:
    """Called in the submitting transaction. A first submission opens a task at the pinned workflow's first
    step; a resubmission puts the waiting task back in the hands of the officer who returned it, its due date
    moved on by the working days it waited. (The submission's own audit event records the move.)"""
    now = timezone.now()
    current = None
    if resubmission or application.payment_requested_at is not None:
        # Only an application that was submitted before can have a task already (a paid one may be
        # settled twice by different payment paths: the second finds the task and leaves it).
        current = (
            ReviewTask.objects.select_for_update(of=("self",))
            .filter(application=application)
            .exclude(state=TaskState.DONE)
            .first()
        )
    if current is not None:
        if current.state == TaskState.WAITING:
            paused = sla.working_days_paused(current.paused_at, now)
            current.paused_working_days += paused
            current.due_date = sla.add_working_days(current.due_date, paused)
            current.state, current.paused_at = TaskState.OPEN, None
            current.save(update_fields=["paused_working_days", "due_date", "state", "paused_at"])
        return current
    first = _FIRST_STEP.first(application.workflow_definition_id)
    if first is None:
        return None
    return ReviewTask.objects.create(
        application=application,
        step=first,
        state=TaskState.OPEN,
        reached_at=now,
        due_date=sla.due_date(now, first.sla_working_days),
    )


# Read by every first submission: compiled once per process (esb.compiled).
_FIRST_STEP = CompiledQuery(
    lambda definition_id: WorkflowStep.objects.filter(definition_id=definition_id).order_by("order", "id")[:1]
)


__all__ = ["TRANSITIONS", "ReviewError", "review_path", "start_review", "take_action"]

"""Run-time state of the review: a task per application and workflow step visit, an append-only row per
officer action, internal notes (officers only) and the maintained list of legal rejection reasons.

The workflow *definition* (steps, roles, allowed actions, SLA) is `licensing`'s; every write here goes
through `review.services.take_action` (and the submission receiver in `review.receivers`).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from esb.i18n import localized
from licensing.models import WorkflowAction


class TaskState(models.TextChoices):
    OPEN = "OPEN", _("Open")
    # Returned to the applicant: the SLA clock is paused until the corrected application comes back.
    WAITING = "WAITING", _("Waiting for the applicant")
    DONE = "DONE", _("Done")


class ActionKind(models.TextChoices):
    """What an officer did: the workflow actions a step may allow, plus the handling of the task itself."""

    CLAIM = "claim", _("Claim")
    RELEASE = "release", _("Release")
    REASSIGN = "reassign", _("Reassign")
    FORWARD = WorkflowAction.FORWARD.value, WorkflowAction.FORWARD.label
    RETURN = WorkflowAction.RETURN.value, WorkflowAction.RETURN.label
    REJECT = WorkflowAction.REJECT.value, WorkflowAction.REJECT.label
    RECOMMEND = WorkflowAction.RECOMMEND.value, WorkflowAction.RECOMMEND.label
    APPROVE = WorkflowAction.APPROVE.value, WorkflowAction.APPROVE.label
    COMMENT = WorkflowAction.COMMENT.value, WorkflowAction.COMMENT.label


class RejectionReason(models.Model):
    """A legal reason for refusing an application, chosen by the officer who rejects (plus free text)."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    label_km = models.CharField(_("label (Khmer)"), max_length=255)
    label_en = models.CharField(_("label (English)"), max_length=255)
    legal_basis_km = models.TextField(_("legal basis (Khmer)"), blank=True)
    legal_basis_en = models.TextField(_("legal basis (English)"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("rejection reason")
        verbose_name_plural = _("rejection reasons")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return localized(self.label_km, self.label_en)

    def label_in(self, language: str) -> str:
        return self.label_km if language == "km" and self.label_km else self.label_en


class ReviewTask(models.Model):
    """One visit of an application to one workflow step: who holds it, when it is due, whether it waits."""

    application = models.ForeignKey(
        "applications.Application",
        on_delete=models.PROTECT,
        related_name="review_tasks",
        verbose_name=_("application"),
    )
    step = models.ForeignKey(
        "licensing.WorkflowStep", on_delete=models.PROTECT, related_name="+", verbose_name=_("step")
    )
    state = models.CharField(_("state"), max_length=8, choices=TaskState.choices, default=TaskState.OPEN)
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("held by"),
    )
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    reached_at = models.DateTimeField(_("reached the step"), default=timezone.now)
    due_date = models.DateField(_("due"))
    paused_at = models.DateTimeField(_("paused since"), null=True, blank=True)
    paused_working_days = models.PositiveIntegerField(_("working days paused"), default=0)
    overdue_notified_at = models.DateTimeField(_("overdue notice sent"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=ActionKind.choices, blank=True)

    class Meta:
        ordering = ["due_date", "reached_at", "id"]
        verbose_name = _("review task")
        verbose_name_plural = _("review tasks")
        permissions = [
            ("approve_application", _("Can approve applications (approving authority)")),
            ("supervise_reviewtask", _("Can reassign review tasks of the team (supervisor)")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["application"],
                condition=~Q(state=TaskState.DONE),
                name="reviewtask_one_current_per_application",
            ),
            models.CheckConstraint(condition=Q(state__in=TaskState.values), name="reviewtask_state_valid"),
            models.CheckConstraint(
                condition=Q(state=TaskState.WAITING) | Q(paused_at__isnull=True),
                name="reviewtask_paused_only_when_waiting",
            ),
        ]
        indexes = [
            # "team" (unclaimed at my steps) and "mine" read these; due_date last so the sort can use it.
            models.Index(fields=["state", "step", "holder", "due_date"], name="reviewtask_queue"),
            models.Index(fields=["holder", "state", "due_date"], name="reviewtask_holder"),
            # "decided": approvals and rejections at my steps, latest first.
            models.Index(
                fields=["step", "-completed_at"],
                condition=Q(state=TaskState.DONE, outcome__in=["approve", "reject"]),
                name="reviewtask_decided",
            ),
            # The queues read one part per step (review.selectors.queue_parts), each from an index in the
            # queue's order that stops after a page or the count's cap: mine (covering: a filter on the
            # application joins from it without reading the tasks)…
            models.Index(
                fields=["holder", "due_date", "reached_at", "id"],
                include=["step", "application"],
                condition=Q(state=TaskState.OPEN),
                name="reviewtask_mine_order",
            ),
            # …unclaimed at a step…
            models.Index(
                fields=["step", "due_date", "reached_at", "id"],
                condition=Q(state=TaskState.OPEN, holder__isnull=True),
                name="reviewtask_team_order",
            ),
            # …waiting for the applicant at a step, or held by me…
            models.Index(
                fields=["step", "due_date", "reached_at", "id"],
                condition=Q(state=TaskState.WAITING),
                name="reviewtask_waiting_order",
            ),
            models.Index(
                fields=["holder", "step", "due_date", "reached_at", "id"],
                condition=Q(state=TaskState.WAITING),
                name="reviewtask_waiting_holder",
            ),
            # …decided by me (at my steps: reviewtask_decided).
            models.Index(
                fields=["holder", "step", "-completed_at", "-id"],
                condition=Q(state=TaskState.DONE, outcome__in=["approve", "reject"]),
                name="reviewtask_decided_holder",
            ),
            # The dashboard's "overdue now" (dashboard.selectors.overdue_now) reads every current task, from
            # this index alone: one row per application under review, however long the history grows.
            models.Index(
                fields=["due_date"],
                include=["state", "paused_at", "application"],
                condition=~Q(state=TaskState.DONE),
                name="reviewtask_current_due",
            ),
            # The hourly overdue job scans only open tasks not yet notified.
            models.Index(
                fields=["due_date"],
                condition=Q(state=TaskState.OPEN, overdue_notified_at__isnull=True),
                name="reviewtask_overdue_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application} · {self.step}"

    @property
    def is_open(self) -> bool:
        return self.state == TaskState.OPEN


class ReviewAction(models.Model):
    """One officer action, as it happened — append-only (a trigger refuses UPDATE and DELETE)."""

    application = models.ForeignKey(
        "applications.Application",
        on_delete=models.PROTECT,
        related_name="review_actions",
        verbose_name=_("application"),
    )
    task = models.ForeignKey(
        ReviewTask, on_delete=models.PROTECT, related_name="actions", verbose_name=_("task")
    )
    step = models.ForeignKey(
        "licensing.WorkflowStep", on_delete=models.PROTECT, related_name="+", verbose_name=_("step")
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("officer")
    )
    action = models.CharField(_("action"), max_length=10, choices=ActionKind.choices)
    to_step = models.ForeignKey(
        "licensing.WorkflowStep",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("to step"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned to"),
    )
    reason = models.ForeignKey(
        RejectionReason,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("rejection reason"),
    )
    message = models.TextField(_("message to the applicant"), blank=True)
    note = models.TextField(_("internal note"), blank=True)
    checklist_item_ids = ArrayField(
        models.PositiveIntegerField(), default=list, blank=True, verbose_name=_("checklist items ticked")
    )
    application_version = models.PositiveIntegerField(_("application version acted on"))
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        ordering = ["application", "at", "id"]
        verbose_name = _("review action")
        verbose_name_plural = _("review actions")
        indexes = [models.Index(fields=["application", "at"], name="reviewaction_application_at")]

    def __str__(self) -> str:
        return f"{self.application} · {self.get_action_display()}"


class InternalNote(models.Model):
    """An officer's note on an application: for officers only, never shown to the applicant; append-only."""

    application = models.ForeignKey(
        "applications.Application",
        on_delete=models.PROTECT,
        related_name="internal_notes",
        verbose_name=_("application"),
    )
    task = models.ForeignKey(
        ReviewTask,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notes",
        verbose_name=_("task"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("author")
    )
    body = models.TextField(_("note"))
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        ordering = ["application", "at", "id"]
        verbose_name = _("internal note")
        verbose_name_plural = _("internal notes")

    def __str__(self) -> str:
        return self.body[:60]

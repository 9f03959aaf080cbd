"""What the officer's review screen shows, assembled from the selectors of `applications` (pure reads).

`reviewable_application` finds one application the officer may review (None — a 404 for the view — when it
is outside their scope, a draft, or they may not read applications); `review_screen` puts together
everything needed to decide on it: the header facts, the answers of one submitted version grouped as the
form groups them with each prefilled value's registry source and today's registry value where it differs,
the documents, the versions and what changed between them, and the history with internal notes kept apart;
`decision_panel` what the officer may do on the current task; `queue_rows` the rows of a work queue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.selectors import scope_queryset
from applications import selectors as application_selectors
from applications.form_builder import display_answer
from applications.form_fields import normalize_phone
from applications.models import (
    Application,
    ApplicationDocument,
    ApplicationEvent,
    ApplicationRevision,
    Status,
)
from applications.prefill import Prefill
from licensing import prefill as prefill_catalog
from licensing.models import FormField, FormStep, LicenceType, WorkflowStep
from licensing.models.catalog import MIME_PDF
from review import selectors as review_selectors
from review.forms import DecisionForm
from review.models import ActionKind, InternalNote, ReviewTask, TaskState
from review.rules import NEEDS_CHECKLIST

READ_PERMISSION = "applications.view_application"
INSTITUTION_PATH = "licence_type__institution"
DEPARTMENT_PATH = "licence_type__department"

# How the header's status label looks (unfold's label variants).
_STATUS_VARIANTS = {
    Status.SUBMITTED: "info",
    Status.REVIEWING: "primary",
    Status.RETURNED: "warning",
    Status.APPROVED: "success",
    Status.REJECTED: "danger",
}

# Where a prefilled value came from, by the subject of its prefill key ("business.single_id" → business).
_SOURCE_NAMES = {
    "business": _("Prefilled from the business register"),
    "owner": _("Prefilled from the person register (owner)"),
    "representative": _("Prefilled from the person register (representative)"),
    "applicant": _("Prefilled from the applicant's CamDigiKey profile"),
}


# --- which applications ------------------------------------------------------------------------------------


def reviewable_applications(officer, *, task: ReviewTask | None = None) -> QuerySet[Application]:
    """Submitted applications (never drafts, never discarded) of the institutions and departments the
    officer's active assignments cover, and the application of `task` (the review task the officer may see
    through a workflow step of their role: `review.selectors.task_for_review`); nothing for someone who may
    not read applications."""
    if officer is None or not officer.has_perm(READ_PERMISSION):
        return Application.objects.none()
    submitted = Application.objects.exclude(status=Status.DRAFT).filter(discarded_at__isnull=True)
    scoped = scope_queryset(submitted, officer, INSTITUTION_PATH, DEPARTMENT_PATH)
    if task is None:
        return scoped
    # One WHERE (scope OR the task's application): as `pk IN (scoped) OR pk = …`, PostgreSQL read every
    # application in scope into a hash before looking at this one (0.8 s at a million applications).
    return scoped | submitted.filter(pk=task.application_id)


def current_task(officer, public_id) -> ReviewTask | None:
    """The application's current (or, once decided, last) review task, when the officer may see it."""
    try:
        return review_selectors.task_for_review(officer, public_id)
    except Http404:
        return None


def reviewable_application(officer, public_id, *, task: ReviewTask | None = None) -> Application | None:
    """One application with its form (steps and fields in order) and the rows the screen's header reads."""
    return (
        reviewable_applications(officer, task=task)
        .select_related(
            "licence_type__institution",
            "licence_type__department",
            "service",
            "business",
            "applicant",
            "form_definition",
        )
        .prefetch_related(
            Prefetch(
                "form_definition__steps",
                queryset=FormStep.objects.order_by("order", "id").prefetch_related(
                    Prefetch("fields", queryset=FormField.objects.order_by("order", "id"))
                ),
            )
        )
        .filter(public_id=public_id)
        .first()
    )


def reviewable_application_ref(officer, public_id, *, task: ReviewTask | None = None) -> Application | None:
    """The same scoped lookup without the form: enough to serve one of its documents or act on it."""
    return (
        reviewable_applications(officer, task=task)
        .select_related("applicant", "business")
        .only("pk", "public_id", "reference", "status", "version", "applicant", "business")
        .filter(public_id=public_id)
        .first()
    )


# --- what the screen shows ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentView:
    document: ApplicationDocument
    label: str  # the form question it answers
    kind: str  # "pdf", "image" or "other": how the page previews it
    preview_url: str
    download_url: str


@dataclass(frozen=True)
class RegistryCheck:
    """A prefilled answer: where it came from, and what the registry holds now when that differs."""

    source: str  # "Prefilled from the business register"
    attribute: str  # the registry attribute ("Business: Single ID")
    locked: bool  # the applicant could not change it
    differs: bool
    now: str  # today's registry value as text ("" when the registry holds none)


@dataclass(frozen=True)
class AnswerRow:
    key: str
    label: str
    value: str  # as the applicant reads it; "" when not given
    documents: list[DocumentView]
    prefill: RegistryCheck | None
    changed: bool  # changed by the applicant in the version shown
    to_correct: bool  # asked to be corrected (while the application is returned)


@dataclass(frozen=True)
class Section:
    title: str
    rows: list[AnswerRow]


@dataclass(frozen=True)
class HistoryEntry:
    at: Any
    title: str
    actor: str
    internal: bool  # an officer's action the applicant does not see as such
    detail: str  # the status change, the step it went to, the reason…
    message: str  # what the applicant was told (or wrote)
    from_applicant: bool
    revision: int


@dataclass(frozen=True)
class InternalNoteView:
    at: Any
    author: str
    text: str
    context: str  # the step or event it was written at


@dataclass
class ReviewScreen:
    application: Application
    revisions: list[ApplicationRevision]
    shown: ApplicationRevision | None
    sections: list[Section] = field(default_factory=list)
    documents: list[DocumentView] = field(default_factory=list)
    changes: list[dict] = field(default_factory=list)
    history: list[HistoryEntry] = field(default_factory=list)
    internal_notes: list[InternalNoteView] = field(default_factory=list)
    correction_labels: list[str] = field(default_factory=list)
    # registry records read for the comparison: (label for the data-access log, business or None)
    registry_records_read: list[tuple[str, Any]] = field(default_factory=list)

    @property
    def is_latest(self) -> bool:
        return bool(self.revisions) and self.shown == self.revisions[-1]

    @property
    def status_variant(self) -> str:
        return _STATUS_VARIANTS.get(self.application.status, "")

    @property
    def decision_late(self) -> bool:
        """The expected decision date has passed and the application is still with the institution."""
        expected = self.application.expected_decision_date
        return (
            expected is not None
            and self.application.status in (Status.SUBMITTED, Status.REVIEWING)
            and expected < timezone.localdate()
        )

    @property
    def registry_differences(self) -> int:
        return sum(1 for s in self.sections for row in s.rows if row.prefill and row.prefill.differs)


def screen_url(application: Application) -> str:
    return reverse("review:screen", kwargs={"public_id": application.public_id})


def document_kind(document: ApplicationDocument) -> str:
    if document.content_type == MIME_PDF:
        return "pdf"
    if document.content_type.startswith("image/"):
        return "image"
    return "other"


def document_view(application: Application, document: ApplicationDocument, label: str) -> DocumentView:
    url = reverse("review:document", kwargs={"public_id": application.public_id, "document_id": document.pk})
    return DocumentView(document, label, document_kind(document), url, f"{url}?download=1")


def _registry_check(
    application: Application, form_field: FormField, declared: Any, now: Prefill
) -> RegistryCheck | None:
    source_key = application.prefilled.get(form_field.key)
    if not source_key:
        return None
    source = prefill_catalog.get(source_key)
    subject = source_key.split(".", 1)[0]
    registry_value = now.values.get(form_field.key)
    # Compared as the officer reads them: the registry and the form may hold one value in two shapes
    # (an int and a numeric string, an address with empty parts).
    declared_text = display_answer(form_field, declared) if declared not in (None, "", [], {}) else ""
    now_text = display_answer(form_field, registry_value) if registry_value not in (None, "", [], {}) else ""
    return RegistryCheck(
        source=str(_SOURCE_NAMES.get(subject, _("Prefilled from a government registry"))),
        attribute=str(source.label) if source else source_key,
        locked=form_field.key in application.locked_fields,
        differs=_comparable(form_field, declared_text) != _comparable(form_field, now_text),
        now=now_text,
    )


def _comparable(form_field: FormField, text: str) -> str:
    """A value as compared with the registry's: spacing aside, and a phone number as the form stores it
    ("023 88101" in the register is the "02388101" the applicant's form saved)."""
    if form_field.field_type == "phone" and text:
        try:
            return normalize_phone(text)
        except ValueError:
            pass
    return " ".join(text.split())


def _sections(
    application: Application, steps: list[FormStep], shown: ApplicationRevision, now: Prefill
) -> tuple[list[Section], list[DocumentView]]:
    submitted = application_selectors.submitted_answers(shown, steps, display_answer)
    correction = set(application.correction_fields) if application.status == Status.RETURNED else set()
    changed = set(shown.changed_fields) if shown.number > 1 else set()
    sections, documents = [], []
    # submitted_answers yields one answer per form field, in the form's order: zip them back to their field.
    for step, section in zip(steps, submitted, strict=True):
        rows = []
        for form_field, answer in zip(step.fields.all(), section.answers, strict=True):
            files = [document_view(application, document, answer.label) for document in answer.documents]
            documents.extend(files)
            rows.append(
                AnswerRow(
                    key=form_field.key,
                    label=answer.label,
                    value=answer.value,
                    documents=files,
                    prefill=_registry_check(application, form_field, shown.answers.get(form_field.key), now),
                    changed=form_field.key in changed,
                    to_correct=form_field.key in correction,
                )
            )
        sections.append(Section(section.title, rows))
    return sections, documents


def _person(user, actor_kind: str = "") -> str:
    if user is not None:
        return user.display_name
    return str(ApplicationEvent.ActorKind(actor_kind).label) if actor_kind else ""


def _status_label(value: str) -> str:
    return str(Status(value).label) if value in Status.values else value


def _action_detail(action) -> str:
    if action.to_step_id:
        return str(_("to the step “%(step)s”") % {"step": action.to_step.name})
    if action.assignee_id:
        return str(_("to %(name)s") % {"name": action.assignee.display_name})
    if action.reason_id:
        return action.reason.label
    return action.step.name


def _history(application: Application) -> tuple[list[HistoryEntry], list[InternalNoteView]]:
    """The timeline and the officers' actions, oldest first, and the internal notes apart (the timeline's
    own internal notes, and the notes officers wrote with their actions)."""
    history, notes = [], []
    for entry in review_selectors.history(application):
        if entry.source == "timeline":
            event = entry.item
            change = ""
            if event.to_status:
                change = _status_label(event.to_status)
                if event.from_status:
                    change = f"{_status_label(event.from_status)} → {change}"
            history.append(
                HistoryEntry(
                    at=event.at,
                    title=event.title,
                    actor=_person(event.actor, event.actor_kind),
                    internal=False,
                    detail=change,
                    message=event.message,
                    from_applicant=event.actor_kind == ApplicationEvent.ActorKind.APPLICANT,
                    revision=event.revision,
                )
            )
            if event.internal_note:
                note = InternalNoteView(event.at, _person(event.actor), event.internal_note, event.title)
                notes.append(note)
        else:
            action = entry.item
            history.append(
                HistoryEntry(
                    at=action.at,
                    title=str(action.get_action_display()),
                    actor=_person(action.officer),
                    internal=True,
                    detail=_action_detail(action),
                    message="",  # the applicant's copy of a message is the timeline event's
                    from_applicant=False,
                    revision=0,
                )
            )
    for note in InternalNote.objects.filter(application=application).select_related("author", "task__step"):
        context = note.task.step.name if note.task_id else ""
        notes.append(InternalNoteView(note.at, _person(note.author), note.body, context))
    notes.sort(key=lambda note: note.at)
    return history, notes


def review_screen(application: Application, *, version: int | None = None) -> ReviewScreen:
    """Everything the review screen shows for `application` (from `reviewable_application`), with the
    submitted version `version` (the latest when None or unknown)."""
    steps = list(application.form_definition.steps.all())
    fields = {form_field.key: form_field for step in steps for form_field in step.fields.all()}
    revisions = application_selectors.revisions(application)
    shown = next((r for r in revisions if r.number == version), revisions[-1] if revisions else None)
    screen = ReviewScreen(application=application, revisions=revisions, shown=shown)
    if shown is not None:
        shown.application = application  # submitted_answers reads the documents through it
        now = application_selectors.registry_now(application, fields.values())
        screen.sections, screen.documents = _sections(application, steps, shown, now)
        screen.registry_records_read = now.records_read
    screen.changes = application_selectors.version_changes(revisions, fields, display_answer)
    screen.history, screen.internal_notes = _history(application)
    if application.status == Status.RETURNED:
        screen.correction_labels = [fields[k].label for k in application.correction_fields if k in fields]
    return screen


# --- the decision panel ------------------------------------------------------------------------------------

A = ActionKind
# The order the panel offers a step's actions in: moving on first, refusing last, the comment apart.
ACTION_ORDER = (A.FORWARD, A.RECOMMEND, A.RETURN, A.APPROVE, A.REJECT, A.COMMENT)
# What an officer reads under each action's button.
ACTION_HELP = {
    A.FORWARD: _("Send the application on to the next step, or to a later step you choose."),
    A.RECOMMEND: _("Give your recommendation and send the application on to the deciding step."),
    A.RETURN: _("Send the application back to the applicant to correct what you choose."),
    A.APPROVE: _("Approve the application. The applicant is told at once."),
    A.REJECT: _("Refuse the application for a legal reason. The applicant is told at once."),
    A.COMMENT: _("Write a note for the other officers. The applicant never sees it."),
}


@dataclass(frozen=True)
class ActionOption:
    value: str
    label: str
    help: str
    needs_checklist: bool


@dataclass
class DecisionPanel:
    task: ReviewTask | None
    version: int
    form: DecisionForm
    step_number: int = 0
    steps_total: int = 0
    time_left: int | None = None
    holds: bool = False  # the officer holds the task
    can_claim: bool = False
    can_release: bool = False
    can_reassign: bool = False
    actions: list[ActionOption] = field(default_factory=list)
    checklist: list[Any] = field(default_factory=list)
    assignees: dict[int, User] = field(default_factory=dict)
    error: str = ""  # the refusal of the last post, in the officer's language
    error_action: str = ""  # the action that was refused (its section opens again)

    @property
    def is_open(self) -> bool:
        return self.task is not None and self.task.state == TaskState.OPEN

    @property
    def is_waiting(self) -> bool:
        return self.task is not None and self.task.state == TaskState.WAITING

    @property
    def overdue_days(self) -> int:
        return max(-(self.time_left or 0), 0)

    @property
    def mandatory_count(self) -> int:
        return sum(1 for item in self.checklist if item.mandatory)

    @property
    def show_typed_text(self) -> bool:
        """The officer's post was refused and the decision form is no longer theirs to use: their text is
        shown so that nothing they typed is lost."""
        return bool(self.error and not self.actions and self.form.is_bound and self.form.typed_text)


def _choices(application: Application, task: ReviewTask, checklist, assignees) -> dict[str, list]:
    steps = []
    for step in review_selectors.forward_targets(task):
        who = " · ".join(str(part) for part in (step.role, step.department) if part)
        steps.append((str(step.pk), f"{step.name} ({who})" if who else step.name))
    fields = [
        (form_field.key, form_field.label)
        for step in application.form_definition.steps.all()
        for form_field in step.fields.all()
    ]
    return {
        "checklist": [(str(item.pk), item.label) for item in checklist],
        "to_step": steps,
        "correct": fields,
        "reason": [(str(reason.pk), reason.label) for reason in review_selectors.rejection_reasons()],
        "assignee": [(str(pk), user.display_name) for pk, user in assignees.items()],
    }


def decision_panel(
    officer, application: Application, task: ReviewTask | None, *, data=None, error: str = ""
) -> DecisionPanel:
    """What the officer may do on the application's current task (`review.selectors.available_actions`),
    with the posted `data` kept (after a refusal) or an empty form. `application` must come with its form
    (`reviewable_application`)."""
    if task is None or task.state == TaskState.DONE:
        return DecisionPanel(task=task, version=application.version, form=DecisionForm(data))
    task.application = application  # the selectors read its status and institution
    offered = set(review_selectors.available_actions(officer, task))
    assignees: dict[int, User] = {}
    if A.REASSIGN in offered:
        assignees = {user.pk: user for user in review_selectors.reassign_candidates(task)}
    actions = [
        ActionOption(value, str(A(value).label), str(ACTION_HELP[value]), value in NEEDS_CHECKLIST)
        for value in ACTION_ORDER
        if value in offered
    ]
    # The choices are read only when a form shows them or a post is checked against them.
    checklist, choices = [], {}
    if actions or assignees or data is not None:
        checklist = list(task.step.checklist_items.order_by("order", "id"))
        choices = _choices(application, task, checklist, assignees)
    steps = list(
        WorkflowStep.objects.filter(definition_id=task.step.definition_id)
        .order_by("order", "id")
        .values_list("pk", flat=True)
    )
    return DecisionPanel(
        task=task,
        version=application.version,
        form=DecisionForm(data, choices=choices, assignees=assignees),
        step_number=steps.index(task.step_id) + 1 if task.step_id in steps else 0,
        steps_total=len(steps),
        time_left=review_selectors.time_left(task),
        holds=task.holder_id == officer.pk,
        can_claim=A.CLAIM in offered,
        can_release=A.RELEASE in offered,
        can_reassign=bool(assignees),
        actions=actions,
        checklist=checklist,
        assignees=assignees,
        error=error,
        error_action=(data or {}).get("action", "") if error else "",
    )


# --- the work queues ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueRow:
    task: ReviewTask
    url: str
    time_left: int

    @property
    def application(self) -> Application:
        return self.task.application

    @property
    def overdue_days(self) -> int:
        return max(-self.time_left, 0)


def queue_rows(tasks) -> list[QueueRow]:
    """The rows of one page of a queue (`review.selectors.queue`, which joins what a row shows); the time
    left of every row comes from one working-day calendar (`with_time_left`)."""
    return [
        QueueRow(task, screen_url(task.application), task.time_left)
        for task in review_selectors.with_time_left(tasks)
    ]


def scoped_services(officer) -> QuerySet[LicenceType]:
    """The services of the officer's institutions (and departments), for the queue's filter."""
    return scope_queryset(LicenceType.objects.all(), officer, "institution", "department").order_by("code")

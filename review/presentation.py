"""What the officer's review screen shows, assembled from the selectors of `applications` (pure reads).

`reviewable_application` finds one application the officer may review (None — a 404 for the view — when it
is outside their scope, a draft, or they may not read applications); `review_screen` puts together
everything needed to decide on it: the header facts, the answers of one submitted version grouped as the
form groups them with each prefilled value's registry source and today's registry value where it differs,
the documents, the versions and what changed between them, and the history with internal notes kept apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.selectors import scope_queryset
from applications import selectors as application_selectors
from applications.form_builder import display_answer
from applications.models import (
    Application,
    ApplicationDocument,
    ApplicationEvent,
    ApplicationRevision,
    Status,
)
from applications.prefill import Prefill
from licensing import prefill as prefill_catalog
from licensing.models import FormField, FormStep
from licensing.models.catalog import MIME_PDF

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


def reviewable_applications(officer) -> QuerySet[Application]:
    """Submitted applications (never drafts, never discarded) of the institutions and departments the
    officer's active assignments cover; nothing for someone who may not read applications."""
    if officer is None or not officer.has_perm(READ_PERMISSION):
        return Application.objects.none()
    submitted = Application.objects.exclude(status=Status.DRAFT).filter(discarded_at__isnull=True)
    return scope_queryset(submitted, officer, INSTITUTION_PATH, DEPARTMENT_PATH)


def reviewable_application(officer, public_id) -> Application | None:
    """One application with its form (steps and fields in order) and the rows the screen's header reads."""
    return (
        reviewable_applications(officer)
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


def reviewable_application_ref(officer, public_id) -> Application | None:
    """The same scoped lookup without the form: enough to serve one of its documents."""
    return (
        reviewable_applications(officer)
        .select_related("applicant", "business")
        .only("pk", "public_id", "reference", "status", "applicant", "business")
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
    actor_kind: str  # ApplicationEvent.ActorKind value
    from_status: str
    to_status: str
    message: str  # what the applicant was told (or wrote)
    revision: int


@dataclass(frozen=True)
class InternalNote:
    at: Any
    author: str
    text: str
    context: str  # the event or action it was written with


@dataclass
class ReviewScreen:
    application: Application
    revisions: list[ApplicationRevision]
    shown: ApplicationRevision | None
    sections: list[Section] = field(default_factory=list)
    documents: list[DocumentView] = field(default_factory=list)
    changes: list[dict] = field(default_factory=list)
    history: list[HistoryEntry] = field(default_factory=list)
    internal_notes: list[InternalNote] = field(default_factory=list)
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
        differs=declared_text != now_text,
        now=now_text,
    )


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


def _actor_name(event: ApplicationEvent) -> str:
    if event.actor is not None:
        return event.actor.display_name
    return str(ApplicationEvent.ActorKind(event.actor_kind).label) if event.actor_kind else ""


def _status_label(value: str) -> str:
    return str(Status(value).label) if value in Status.values else value


def _history(application: Application) -> tuple[list[HistoryEntry], list[InternalNote]]:
    events = application.events.select_related("actor").order_by("at", "id")
    history, notes = [], []
    for event in events:
        history.append(
            HistoryEntry(
                at=event.at,
                title=event.title,
                actor=_actor_name(event),
                actor_kind=event.actor_kind,
                from_status=_status_label(event.from_status) if event.from_status else "",
                to_status=_status_label(event.to_status) if event.to_status else "",
                message=event.message,
                revision=event.revision,
            )
        )
        if event.internal_note:
            notes.append(InternalNote(event.at, _actor_name(event), event.internal_note, event.title))
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

"""Every write to an application: start (after consent, with once-only prefill), save a step, submit,
correct and resubmit, withdraw, discard; and the one status-change function the review workflow uses.

Each function runs in one transaction, locks the application row, writes an audit event, and schedules side
effects (notifications, e-mail) on commit.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, override

from applications import prefill as prefill_resolver
from applications.calendar import add_working_days
from applications.models import (
    EDITABLE,
    TRANSITIONS,
    UNDECIDED,
    Application,
    ApplicationDocument,
    ApplicationEvent,
    ApplicationRevision,
    Closure,
    Status,
)
from applications.references import next_reference
from esb import audit
from licensing import selectors as catalog
from privacy import selectors as privacy_selectors
from privacy import services as privacy_services
from privacy.models import AccessorKind, AccessPurpose, ConsentPurpose

Actor = ApplicationEvent.ActorKind


class ApplicationError(Exception):
    """A refused action, with a message for the person (in their language)."""

    def __init__(self, message, code: str = "refused"):
        super().__init__(str(message))
        self.message = message
        self.code = code


class ConsentRequired(ApplicationError):
    def __init__(self):
        super().__init__(_("Please give your consent before we record your application."), "consent")


class StalePage(ApplicationError):
    def __init__(self):
        super().__init__(
            _(
                "This page was out of date (the application changed in another window, or the form was sent "
                "twice). Nothing was lost: here is the latest version."
            ),
            "stale",
        )


class NotEditable(ApplicationError):
    def __init__(self):
        super().__init__(_("This application can no longer be changed."), "not_editable")


@dataclass(frozen=True)
class Missing:
    """A required answer that is still empty, for check-your-answers."""

    step_key: str
    field_key: str
    label: str


# --- timeline texts -----------------------------------------------------------------------------------------

# What the applicant reads for each move, in both languages (stored on the event: the history keeps the words
# used at the time even if these change).
_TITLES: dict[str, tuple[str, str]] = {
    "created": ("បានចាប់ផ្តើមពាក្យស្នើសុំ", "Application started"),
    "submitted": ("បានដាក់ពាក្យស្នើសុំ", "Application submitted"),
    "resubmitted": ("បានដាក់ពាក្យស្នើសុំដែលបានកែតម្រូវឡើងវិញ", "Corrected application resubmitted"),
    "payment_required": ("ត្រូវបង់ថ្លៃសេវា", "Payment required"),
    "received": ("មន្ត្រីបានទទួលពាក្យស្នើសុំ ហើយកំពុងពិនិត្យ", "Received by the institution and under review"),
    "forwarded": ("បានបញ្ជូនទៅមន្ត្រីបន្ទាប់", "Forwarded to the next officer"),
    "returned": ("បានប្រគល់មកវិញដើម្បីកែតម្រូវ", "Returned to you for correction"),
    "approved": ("បានអនុម័ត", "Approved"),
    "rejected": ("បានបដិសេធ", "Rejected"),
    "withdrawn": ("បានដកពាក្យស្នើសុំវិញដោយអ្នកដាក់ពាក្យ", "Withdrawn by the applicant"),
    "expired": ("អាជ្ញាបណ្ណផុតសុពលភាព", "Licence expired"),
    "message": ("សារពីមន្ត្រី", "Message from the officer"),
}


def _event(
    application: Application,
    kind: str,
    title: str,
    *,
    actor=None,
    actor_kind: str = Actor.SYSTEM,
    from_status: str = "",
    to_status: str = "",
    message: str = "",
    internal_note: str = "",
) -> ApplicationEvent:
    title_km, title_en = _TITLES[title]
    return ApplicationEvent.objects.create(
        application=application,
        at=timezone.now(),
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        title_km=title_km,
        title_en=title_en,
        message=message,
        internal_note=internal_note,
        actor=actor,
        actor_kind=actor_kind,
        revision=application.revision,
    )


def _notify_on_commit(application: Application, event: ApplicationEvent) -> None:
    from django.urls import reverse

    from notifications import services as notifications

    url = reverse("applications:detail", kwargs={"public_id": application.public_id})
    reference = application.reference or application.licence_type.code
    with override("km"):
        body_km = f"{reference} — {application.licence_type.name_km}"
    body_en = f"{reference} — {application.licence_type.name_en}"
    if event.message:
        body_km = f"{body_km}\n\n{event.message}"
        body_en = f"{body_en}\n\n{event.message}"

    def send() -> None:
        notifications.notify(
            application.applicant,
            title_km=event.title_km,
            title_en=event.title_en,
            body_km=body_km,
            body_en=body_en,
            url=url,
            dedupe_key=f"application-event:{event.pk}",
        )

    transaction.on_commit(send)


# --- status changes -----------------------------------------------------------------------------------------


def change_status(
    application: Application,
    to_status: str,
    *,
    title: str,
    actor=None,
    actor_kind: str = Actor.SYSTEM,
    reason: str = "",
    message: str = "",
    internal_note: str = "",
    closure: str = "",
    notify: bool = True,
) -> Application:
    """The only way an application changes status: checks the transition table on the locked row, appends a
    timeline event and an audit event, and tells the applicant on commit."""
    with transaction.atomic():
        locked = Application.objects.select_for_update().select_related("licence_type").get(pk=application.pk)
        if to_status not in TRANSITIONS[locked.status]:
            raise ApplicationError(
                _("An application that is “%(current)s” cannot become “%(target)s”.")
                % {"current": locked.get_status_display(), "target": Status(to_status).label},
                "transition",
            )
        before = {"status": locked.status, "closure": locked.closure}
        now = timezone.now()
        from_status = locked.status
        locked.status = to_status
        locked.closure = closure
        locked.version += 1
        update = ["status", "closure", "version", "updated_at"]
        if to_status in (Status.APPROVED, Status.REJECTED):
            locked.decided_at = now
            update.append("decided_at")
        locked.save(update_fields=update)
        event = _event(
            locked,
            ApplicationEvent.Kind.STATUS,
            title,
            actor=actor,
            actor_kind=actor_kind,
            from_status=from_status,
            to_status=to_status,
            message=message,
            internal_note=internal_note,
        )
        audit.record(
            "application.status",
            locked,
            before=before,
            after={"status": to_status, "closure": closure},
            reason=reason or title,
            actor_id=getattr(actor, "pk", None),
        )
        if notify:
            _notify_on_commit(locked, event)
    application.refresh_from_db()
    return application


# --- starting -----------------------------------------------------------------------------------------------


def _expiry() -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=settings.ESB_DRAFT_EXPIRY_DAYS)


def open_draft(user, licence_type, service, business) -> Application | None:
    return (
        Application.objects.filter(
            applicant=user,
            business=business,
            licence_type=licence_type,
            service=service,
            status=Status.DRAFT,
            discarded_at__isnull=True,
        )
        .order_by("-updated_at")
        .first()
    )


def start_application(user, licence_type, *, service=None, business=None) -> Application:
    """A new draft (or the open draft of the same service for the same business), prefilled from the
    registries. Refused without the CamDX-cluster consent: no consent, no stored data."""
    if not privacy_selectors.has_consent(user, ConsentPurpose.CAMDX_CLUSTER):
        raise ConsentRequired
    form = catalog.published_form(licence_type)
    if form is None or not licence_type.is_active:
        raise ApplicationError(_("This service is not open for applications at the moment."), "closed")
    if service is not None and (service.licence_type_id != licence_type.pk or not service.is_active):
        raise ApplicationError(_("This service is not open for applications at the moment."), "closed")
    with transaction.atomic():
        existing = open_draft(user, licence_type, service, business)
        if existing is not None:
            return existing
        fields = [f for step in form.steps.all() for f in step.fields.all()]
        found = prefill_resolver.resolve(fields, user=user, business=business)
        fee_source = service or licence_type
        application = Application.objects.create(
            licence_type=licence_type,
            service=service,
            form_definition=form,
            applicant=user,
            business=business,
            answers=found.values,
            prefilled=found.sources,
            locked_fields=[f.key for f in fields if f.prefill_locked and f.key in found.values],
            fee_amount=fee_source.fee_amount or 0,
            fee_currency=fee_source.fee_currency,
            draft_expires_at=_expiry(),
        )
        _event(application, ApplicationEvent.Kind.CREATED, "created", actor=user, actor_kind=Actor.APPLICANT)
        for what, subject_business in found.records_read:
            privacy_services.record_access(
                accessor_label=gettext_noop("ESB Portal — once-only prefill"),
                accessor_kind=AccessorKind.SYSTEM,
                purpose=AccessPurpose.PREFILL,
                what=what,
                subject_user=user,
                subject_business=subject_business,
                object_ref=str(application.public_id),
            )
        audit.record(
            "application.start",
            application,
            after={"licence_type": licence_type.code, "prefilled": sorted(found.sources)},
            actor_id=user.pk,
        )
    return application


# --- editing ------------------------------------------------------------------------------------------------


def _lock_for_edit(application: Application, version: int | None) -> Application:
    locked = Application.objects.select_for_update().get(pk=application.pk)
    if not locked.is_editable:
        raise NotEditable
    if version is not None and version != locked.version:
        raise StalePage
    return locked


def editable_keys(application: Application, step) -> set[str] | None:
    """Keys the applicant may change on a step: all (None) in a draft, only the requested ones when the
    application was returned for correction."""
    if application.status == Status.RETURNED:
        return {f.key for f in step.fields.all()} & set(application.correction_fields)
    return None


def save_step(
    application: Application,
    user,
    step,
    *,
    answers: Mapping[str, Any],
    uploads: Mapping[str, Any],
    version: int | None,
    complete: bool = True,
) -> Application:
    """Store one step's answers and documents (a draft saves on every step). `complete=False` keeps the
    step marked as unfinished (saved half way, to come back later)."""
    stored: list[ApplicationDocument] = []
    try:
        return _save_step(application, user, step, answers, uploads, version, stored, complete)
    except BaseException:
        # Files are not transactional: delete what this failed save wrote.
        for document in stored:
            document.file.storage.delete(document.file.name)
        raise


def _save_step(application, user, step, answers, uploads, version, stored, complete) -> Application:
    with transaction.atomic():
        locked = _lock_for_edit(application, version)
        allowed = editable_keys(locked, step)
        step_keys = {f.key for f in step.fields.all()}
        merged = dict(locked.answers)
        changed: list[str] = []
        for key, value in answers.items():
            if key not in step_keys or key in locked.locked_fields:
                continue
            if allowed is not None and key not in allowed:
                continue
            if merged.get(key) != value:
                changed.append(key)
            if value in (None, "", [], {}):
                merged.pop(key, None)
            else:
                merged[key] = value
        documents = {f.key: f for f in step.fields.all() if f.field_type == "file"}
        for key, upload in uploads.items():
            if key not in documents or (allowed is not None and key not in allowed):
                continue
            stored.extend(_store_document(locked, user, documents[key], upload))
            changed.append(key)
        locked.answers = merged
        if complete and step.key not in locked.completed_steps:
            locked.completed_steps = [*locked.completed_steps, step.key]
        locked.version += 1
        if locked.status == Status.DRAFT:
            locked.draft_expires_at = _expiry()
        locked.save()
        audit.record(
            "application.save_step",
            locked,
            after={"step": step.key, "changed": sorted(changed)},
            actor_id=user.pk,
        )
    return locked


def _store_document(application: Application, user, form_field, upload) -> list[ApplicationDocument]:
    """Store the file (or, for a field that takes several, the files) sent for one document field; what
    was current for that field before is kept for earlier revisions but marked replaced."""
    from licensing.models import DocumentType

    uploads = upload if isinstance(upload, list | tuple) else [upload]
    now = timezone.now()
    ApplicationDocument.objects.filter(
        application=application, field_key=form_field.key, replaced_at__isnull=True
    ).update(replaced_at=now)
    document_type = DocumentType.objects.filter(code=form_field.document_type_code).first()
    stored = []
    for position, one in enumerate(uploads):
        document = ApplicationDocument(
            application=application,
            field_key=form_field.key,
            position=position,
            document_type=document_type,
            original_name=one.original_name[:255],
            extension=one.extension,
            content_type=one.content_type,
            size=one.size,
            sha256=one.sha256,
            revision=application.revision + (0 if application.status == Status.DRAFT else 1),
            uploaded_by=user,
        )
        one.file.seek(0)
        document.file.save(one.original_name, one.file, save=False)
        document.save()
        stored.append(document)
    return stored


def current_documents(application: Application) -> dict[str, ApplicationDocument]:
    """The current document of each field (the first one of a field that holds several)."""
    return {field_key: files[0] for field_key, files in current_document_files(application).items()}


def current_document_files(application: Application) -> dict[str, list[ApplicationDocument]]:
    """Every current file of each document field, in the order they were chosen."""
    files: dict[str, list[ApplicationDocument]] = {}
    for document in ApplicationDocument.objects.filter(
        application=application, replaced_at__isnull=True
    ).order_by("field_key", "position", "pk"):
        files.setdefault(document.field_key, []).append(document)
    return files


def missing_answers(application: Application) -> list[Missing]:
    """Required fields still empty (answers) or without a document (file fields)."""
    documents = current_documents(application)
    missing: list[Missing] = []
    for step in application.form_definition.steps.all():
        for form_field in step.fields.all():
            if not form_field.required:
                continue
            if form_field.field_type == "file":
                present = form_field.key in documents
            else:
                present = application.answers.get(form_field.key) not in (None, "", [], {})
            if not present:
                missing.append(Missing(step.key, form_field.key, form_field.label))
    return missing


# --- submitting ---------------------------------------------------------------------------------------------


def submit(application: Application, user, *, version: int | None) -> Application:
    """Check answers confirmed: a free service is SUBMITTED now; a paid one gets its reference and waits at
    "payment required" (the payment moves it to SUBMITTED). A returned application is resubmitted."""
    with transaction.atomic():
        locked = _lock_for_edit(application, version)
        if missing_answers(locked):
            raise ApplicationError(_("Some required answers are missing."), "incomplete")
        if not locked.reference:
            locked.reference = next_reference(locked.licence_type.institution.code)
        resubmission = locked.status == Status.RETURNED
        if not resubmission and not locked.is_free:
            first_request = locked.payment_requested_at is None
            locked.payment_requested_at = locked.payment_requested_at or timezone.now()
            locked.draft_expires_at = None
            locked.version += 1
            locked.save()
            if first_request:
                event = _event(
                    locked,
                    ApplicationEvent.Kind.PAYMENT_REQUIRED,
                    "payment_required",
                    actor=user,
                    actor_kind=Actor.APPLICANT,
                )
                _notify_on_commit(locked, event)
                audit.record("application.payment_required", locked, actor_id=user.pk)
            return locked
        revision = _record_revision(locked, user)
        locked.save(update_fields=["revision", "reference", "updated_at"])
        change_status(
            locked,
            Status.SUBMITTED,
            title="resubmitted" if resubmission else "submitted",
            actor=user,
            actor_kind=Actor.APPLICANT,
        )
        now = revision.submitted_at
        Application.objects.filter(pk=locked.pk).update(
            submitted_at=locked.submitted_at or now,
            last_submitted_at=now,
            draft_expires_at=None,
            correction_fields=[],
            correction_message="",
            expected_decision_date=add_working_days(
                timezone.localdate(now), locked.licence_type.processing_days
            ),
        )
    locked.refresh_from_db()
    return locked


def _record_revision(application: Application, user) -> ApplicationRevision:
    previous = application.revisions.order_by("-number").first()
    application.revision += 1
    files = current_document_files(application)
    changed: list[str] = []
    if previous is not None:
        keys = set(previous.answers) | set(application.answers)
        changed = sorted(k for k in keys if previous.answers.get(k) != application.answers.get(k))
        changed += sorted(
            k for k, found in files.items() if any(d.pk not in previous.document_ids for d in found)
        )
    return ApplicationRevision.objects.create(
        application=application,
        number=application.revision,
        answers=application.answers,
        document_ids=[d.pk for found in files.values() for d in found],
        changed_fields=changed,
        submitted_at=timezone.now(),
        submitted_by=user,
    )


# --- after submission ---------------------------------------------------------------------------------------


def withdraw(application: Application, user, *, reason: str = "") -> Application:
    if application.status not in UNDECIDED:
        raise ApplicationError(_("Only an application that is not yet decided can be withdrawn."), "decided")
    return change_status(
        application,
        Status.REJECTED,
        title="withdrawn",
        actor=user,
        actor_kind=Actor.APPLICANT,
        reason=reason,
        message=reason,
        closure=Closure.WITHDRAWN,
    )


def mark_received(application: Application, officer=None) -> Application:
    """The institution has taken the application into review (the workflow engine calls this)."""
    return change_status(
        application,
        Status.REVIEWING,
        title="received",
        actor=officer,
        actor_kind=Actor.OFFICER if officer else Actor.SYSTEM,
    )


def return_for_correction(
    application: Application, officer, *, fields: Iterable[str], message: str, internal_note: str = ""
) -> Application:
    """Send the application back: the applicant may change exactly `fields` and must read `message`."""
    keys = {f.key for f in application.form_definition.fields.all()}
    wanted = [key for key in dict.fromkeys(fields) if key in keys]
    if not wanted:
        raise ApplicationError(_("Name at least one answer or document to correct."), "no_fields")
    if not message.strip():
        raise ApplicationError(_("Tell the applicant what to correct."), "no_message")
    with transaction.atomic():
        Application.objects.filter(pk=application.pk).update(
            correction_fields=wanted, correction_message=message.strip()
        )
        return change_status(
            application,
            Status.RETURNED,
            title="returned",
            actor=officer,
            actor_kind=Actor.OFFICER,
            message=message.strip(),
            internal_note=internal_note,
        )


def discard_draft(application: Application, *, by=None, reason: str = "") -> Application:
    """Delete what an unsubmitted draft holds (answers and files); the row and its history remain, emptied.
    Used when the applicant deletes a draft, when it expires, and when the consent is withdrawn."""
    with transaction.atomic():
        locked = Application.objects.select_for_update().get(pk=application.pk)
        if locked.status != Status.DRAFT or locked.discarded_at is not None:
            return locked
        documents = list(ApplicationDocument.objects.filter(application=locked))
        names = [(d.file.storage, d.file.name) for d in documents]
        ApplicationDocument.objects.filter(application=locked).delete()
        locked.answers = {}
        locked.prefilled = {}
        locked.discarded_at = timezone.now()
        locked.draft_expires_at = None
        locked.version += 1
        locked.save()
        audit.record("application.discard", locked, reason=reason, actor_id=getattr(by, "pk", None))

        def delete_files() -> None:
            for storage, name in names:
                storage.delete(name)

        transaction.on_commit(delete_files)
    return locked


def discard_expired_drafts(now: datetime.datetime | None = None) -> int:
    now = now or timezone.now()
    count = 0
    expired = Application.objects.filter(
        status=Status.DRAFT,
        discarded_at__isnull=True,
        payment_requested_at__isnull=True,
        draft_expires_at__lt=now,
    ).values_list("pk", flat=True)
    for pk in list(expired[:1000]):
        discard_draft(Application(pk=pk), reason="draft expired")
        count += 1
    return count


def discard_drafts_of(user, *, reason: str) -> int:
    drafts = Application.objects.filter(
        applicant=user, status__in=[Status.DRAFT], discarded_at__isnull=True
    ).values_list("pk", flat=True)
    count = 0
    for pk in list(drafts):
        discard_draft(Application(pk=pk), by=user, reason=reason)
        count += 1
    return count


__all__ = [
    "EDITABLE",
    "ApplicationError",
    "ConsentRequired",
    "Missing",
    "NotEditable",
    "StalePage",
    "change_status",
    "discard_draft",
    "discard_drafts_of",
    "discard_expired_drafts",
    "mark_received",
    "missing_answers",
    "return_for_correction",
    "save_step",
    "start_application",
    "submit",
    "withdraw",
]

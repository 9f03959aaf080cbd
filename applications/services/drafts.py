"""Drafts: start (after consent, with once-only prefill), save a step with its documents, check what is
missing, discard (by the applicant, on expiry, when the consent is withdrawn).

Each write runs in one transaction, locks the application row and writes an audit event; files, which are not
transactional, are deleted after commit (or at once when the save failed).
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from applications import prefill as prefill_resolver
from applications.models import Application, ApplicationDocument, ApplicationEvent, Status
from applications.services.errors import ApplicationError, ConsentRequired, Missing, NotEditable, StalePage
from applications.services.status import Actor, Move, record_event
from esb import audit
from esb.compiled import CompiledQuery
from licensing import selectors as catalog
from licensing.form_cache import form_fields
from licensing.models import DocumentType
from privacy import selectors as privacy_selectors
from privacy import services as privacy_services
from privacy.models import AccessorKind, AccessPurpose, ConsentPurpose


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
    registries. Refused without the CamDX-cluster consent: no consent, no stored data.

    The registries are read before the transaction opens (a prefill source may ask another system through
    CamDX, and no remote call waits inside a transaction). What a source could not fill is said in the new
    draft's `prefill_notices` (sentences for the applicant, not stored): the form is then filled by hand."""
    if not privacy_selectors.has_consent(user, ConsentPurpose.CAMDX_CLUSTER):
        raise ConsentRequired
    form = catalog.published_form(licence_type)
    if form is None or not licence_type.is_active:
        raise ApplicationError(_("This service is not open for applications at the moment."), "closed")
    if service is not None and (service.licence_type_id != licence_type.pk or not service.is_active):
        raise ApplicationError(_("This service is not open for applications at the moment."), "closed")
    existing = open_draft(user, licence_type, service, business)
    if existing is not None:
        return existing
    fields = [f for step in form.steps.all() for f in step.fields.all()]
    public_id = uuid.uuid4()  # the draft's id, known before it exists: the X-Road-Issue of the lookups
    found = prefill_resolver.resolve(fields, user=user, business=business, issue=str(public_id))
    with transaction.atomic():
        existing = open_draft(user, licence_type, service, business)
        if existing is not None:  # started meanwhile in another tab
            return existing
        fee_source = service or licence_type
        application = Application.objects.create(
            public_id=public_id,
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
        record_event(application, ApplicationEvent.Kind.CREATED, Move("created", user, Actor.APPLICANT))
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
        after = {"licence_type": licence_type.code, "prefilled": sorted(found.sources)}
        if found.exchanges:
            after["camdx_message_ids"] = found.exchanges  # the X-Road-Id of each registry lookup
        audit.record("application.start", application, after=after, actor_id=user.pk)
    application.prefill_notices = list(found.notices)
    return application


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
    for document in _CURRENT_DOCUMENTS.objects(application.pk):
        files.setdefault(document.field_key, []).append(document)
    return files


# Read on every page of the journey and by the submission: compiled once per process (esb.compiled).
_CURRENT_DOCUMENTS = CompiledQuery(
    lambda application_id: ApplicationDocument.objects.filter(
        application_id=application_id, replaced_at__isnull=True
    ).order_by("field_key", "position", "pk")
)


def missing_answers(
    application: Application, documents: Mapping[str, ApplicationDocument] | None = None
) -> list[Missing]:
    """Required fields still empty (answers) or without a document (file fields), in form order. The form
    comes from the process's cache of published versions (`licensing.form_cache`); one query for the
    documents unless the caller has them."""
    if documents is None:
        documents = current_documents(application)
    missing: list[Missing] = []
    for form_field in form_fields(application.form_definition_id):
        if not form_field.required:
            continue
        if form_field.field_type == "file":
            present = form_field.key in documents
        else:
            present = application.answers.get(form_field.key) not in (None, "", [], {})
        if not present:
            missing.append(Missing(form_field.step.key, form_field.key, form_field.label))
    return missing


def copy_answers(draft: Application, source: Application, user) -> Application:
    """Prefill a draft with the answers of an earlier application of the same person or business (a
    renewal or an amendment starts from what was declared last time). Only the draft's own form fields that
    are still empty are filled: registry values prefilled just now are fresher and stay, and documents are
    not copied (they are uploaded again, as the form asks). Knows nothing of why the caller copies."""
    with transaction.atomic():
        locked = Application.objects.select_for_update().get(pk=draft.pk)
        if locked.status != Status.DRAFT or locked.discarded_at is not None:
            raise NotEditable
        if source.business_id != locked.business_id or (
            locked.business_id is None and source.applicant_id != locked.applicant_id
        ):
            raise ApplicationError(_("These answers belong to someone else."), "not_yours")
        keys = {f.key for f in form_fields(locked.form_definition_id) if f.field_type != "file"}
        answers = dict(locked.answers or {})
        copied = sorted(
            key
            for key, value in (source.answers or {}).items()
            if key in keys and answers.get(key) in (None, "", [], {}) and value not in (None, "", [], {})
        )
        if not copied:
            return locked
        for key in copied:
            answers[key] = source.answers[key]
        locked.answers = answers
        locked.version += 1
        locked.save(update_fields=["answers", "version", "updated_at"])
        audit.record(
            "application.copy_answers",
            locked,
            after={"from": str(source.public_id), "fields": copied},
            actor_id=getattr(user, "pk", None),
        )
    return locked


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
    "copy_answers",
    "current_documents",
    "discard_draft",
    "discard_drafts_of",
    "discard_expired_drafts",
    "editable_keys",
    "missing_answers",
    "open_draft",
    "save_step",
    "start_application",
]

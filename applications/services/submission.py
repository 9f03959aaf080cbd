"""Submission: check-your-answers confirmed → a reference and either SUBMITTED (free service) or "payment
required" (paid one); a returned application resubmitted as a new revision; withdrawal.

A submission is one transaction that reads the application once (locked), the form's required fields once and
the current documents once, draws its reference from a sequence (no lock, `esb.numbering`), writes the
application row once, and records in one audit event everything it changed: status, reference, revision,
submitted dates and the expected decision date.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applications.models import (
    UNDECIDED,
    Application,
    ApplicationDocument,
    ApplicationEvent,
    ApplicationRevision,
    Closure,
    Status,
)
from applications.services.drafts import current_document_files, missing_answers
from applications.services.errors import ApplicationError, NotEditable, StalePage
from applications.services.status import (
    Actor,
    Move,
    change_status,
    lock,
    notify_applicant,
    record_event,
    transition,
)
from applications.signals import application_submitted, application_withdrawn
from esb import audit
from esb.numbering import next_reference
from esb.working_days import add_working_days
from licensing.selectors import published_workflow_id


def submit(application: Application, user, *, version: int | None) -> Application:
    """Check answers confirmed: a free service is SUBMITTED now; a paid one gets its reference and waits at
    "payment required" (the payment moves it to SUBMITTED). A returned application is resubmitted."""
    with transaction.atomic():
        locked = lock(application)
        if not locked.is_editable:
            raise NotEditable
        if version is not None and version != locked.version:
            raise StalePage
        files = current_document_files(locked)
        if missing_answers(locked, {key: found[0] for key, found in files.items()}):
            raise ApplicationError(_("Some required answers are missing."), "incomplete")
        workflow = None
        if locked.workflow_definition_id is None:
            # Pinned once, at the first submission (a paid service: when the applicant confirms); written
            # with the submission's own UPDATE below.
            workflow = published_workflow_id(locked.licence_type_id)
            if workflow is None:
                raise ApplicationError(
                    _("This service is not open for applications at the moment."), "closed"
                )
        new_reference = None if locked.reference else next_reference(locked.licence_type.institution.code)
        if locked.status != Status.RETURNED and not locked.is_free:
            return _require_payment(locked, user, new_reference, workflow)
        resubmission = locked.status == Status.RETURNED
        revision = _record_revision(locked, user, files)
        now = revision.submitted_at
        changes = {
            "revision": revision.number,
            "submitted_at": locked.submitted_at or now,
            "last_submitted_at": now,
            "draft_expires_at": None,
            "correction_fields": [],
            "correction_message": "",
            "expected_decision_date": add_working_days(
                timezone.localdate(now), locked.licence_type.processing_days
            ),
        }
        if new_reference:
            changes["reference"] = new_reference
        if workflow is not None:
            changes["workflow_definition_id"] = workflow
        move = Move("resubmitted" if resubmission else "submitted", user, Actor.APPLICANT)
        transition(locked, Status.SUBMITTED, move, changes=changes)
        application_submitted.send(sender=Application, application=locked, resubmission=resubmission)
    return locked


def _require_payment(
    locked: Application, user, new_reference: str | None, workflow: int | None
) -> Application:
    """A paid service: the application keeps its DRAFT status and waits for the payment (which submits it)."""
    first_request = locked.payment_requested_at is None
    update = ["payment_requested_at", "draft_expires_at", "version", "updated_at"]
    if workflow is not None:
        locked.workflow_definition_id = workflow
        update.append("workflow_definition")
    if new_reference:
        locked.reference = new_reference
        update.append("reference")
    locked.payment_requested_at = locked.payment_requested_at or timezone.now()
    locked.draft_expires_at = None
    locked.version += 1
    locked.save(update_fields=update)
    if first_request:
        event = record_event(
            locked,
            ApplicationEvent.Kind.PAYMENT_REQUIRED,
            Move("payment_required", user, Actor.APPLICANT),
        )
        notify_applicant(locked, event)
        audit.record(
            "application.payment_required",
            locked,
            after={"reference": locked.reference, "payment_requested_at": locked.payment_requested_at},
            actor_id=user.pk,
        )
    return locked


def _record_revision(
    application: Application, user, files: dict[str, list[ApplicationDocument]]
) -> ApplicationRevision:
    """The submitted version kept as it was (answers and documents), with what changed since the last one."""
    changed: list[str] = []
    if application.revision:
        previous = application.revisions.order_by("-number").first()
        if previous is not None:
            keys = set(previous.answers) | set(application.answers)
            changed = sorted(k for k in keys if previous.answers.get(k) != application.answers.get(k))
            changed += sorted(
                k for k, found in files.items() if any(d.pk not in previous.document_ids for d in found)
            )
    return ApplicationRevision.objects.create(
        application=application,
        number=application.revision + 1,
        answers=application.answers,
        document_ids=[d.pk for found in files.values() for d in found],
        changed_fields=changed,
        submitted_at=timezone.now(),
        submitted_by=user,
    )


def withdraw(application: Application, user, *, reason: str = "") -> Application:
    if application.status not in UNDECIDED:
        raise ApplicationError(_("Only an application that is not yet decided can be withdrawn."), "decided")
    with transaction.atomic():
        withdrawn = change_status(
            application,
            Status.REJECTED,
            title="withdrawn",
            actor=user,
            actor_kind=Actor.APPLICANT,
            reason=reason,
            message=reason,
            closure=Closure.WITHDRAWN,
        )
        application_withdrawn.send(sender=Application, application=withdrawn)
    return withdrawn


__all__ = ["submit", "withdraw"]

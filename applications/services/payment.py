"""The one door `payments` has into applications (import contract `payments-through-one-service`):
`payment_settled` submits a paid draft, and the reads the payment pages need, scoped like every applicant
page."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applications import selectors
from applications.models import Application, Status
from applications.services.drafts import current_document_files
from applications.services.errors import ApplicationError
from applications.services.status import Actor, Move, lock, transition
from applications.services.submission import _record_revision
from applications.signals import application_submitted
from esb import audit
from esb.working_days import add_working_days


def payment_settled(
    application: Application, *, payment_reference: str, paid_at: datetime.datetime | None = None
) -> Application:
    """The fee of a draft waiting for payment is paid: it becomes SUBMITTED exactly once, by the same path as
    `submit` (a revision, the reference kept, the expected decision date, the "submitted" timeline event, the
    audit event, the notification and the `application_submitted` signal), in the caller's transaction.

    Refuses (ApplicationError "not_awaiting_payment") anything but a DRAFT with `payment_requested_at` that
    was not discarded: a second confirmation finds the application already SUBMITTED."""
    with transaction.atomic():
        locked = lock(application)
        if (
            locked.status != Status.DRAFT
            or locked.payment_requested_at is None
            or locked.discarded_at is not None
            or locked.is_free
        ):
            raise ApplicationError(
                _("This application is not waiting for a payment."), "not_awaiting_payment"
            )
        files = current_document_files(locked)
        revision = _record_revision(locked, locked.applicant, files)
        now = revision.submitted_at
        changes = {
            "revision": revision.number,
            "submitted_at": locked.submitted_at or now,
            "last_submitted_at": now,
            "draft_expires_at": None,
            "expected_decision_date": add_working_days(
                timezone.localdate(now), locked.licence_type.processing_days
            ),
        }
        move = Move("submitted", locked.applicant, Actor.APPLICANT, reason="payment settled")
        transition(locked, Status.SUBMITTED, move, changes=changes)
        audit.record(
            "application.payment_settled",
            locked,
            after={"payment_reference": payment_reference, "paid_at": paid_at},
            actor_id=locked.applicant_id,
        )
        application_submitted.send(sender=Application, application=locked, resubmission=False)
    return locked


def applications_visible_to(user) -> QuerySet[Application]:
    """The applications `user` may see as an applicant (their own and their businesses')."""
    return selectors.visible_to(user)


def awaiting_payment() -> QuerySet[Application]:
    """Applications waiting for their fee (confirmed by the applicant, not yet paid), oldest request first."""
    return (
        Application.objects.filter(status=Status.DRAFT, payment_requested_at__isnull=False)
        .select_related("licence_type__institution")
        .order_by("payment_requested_at", "pk")
    )


def application_for_payment(user, public_id) -> Application | None:
    """The application with `public_id` if `user` may see it (None otherwise: the page is a 404), with what
    the payment page shows beside it; whether it waits for its fee is the page's to check."""
    return (
        selectors.visible_to(user)
        .select_related("licence_type__institution", "service", "business")
        .filter(public_id=public_id)
        .first()
    )


__all__ = ["application_for_payment", "applications_visible_to", "awaiting_payment", "payment_settled"]

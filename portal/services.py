"""Writes of the help pages: support requests to the help desk and feedback on pages."""

from __future__ import annotations

from django.db import connection, transaction
from django.utils import timezone

from esb import audit
from notifications.services import notify
from portal import selectors
from portal.models import FAQ, SUPPORT_REFERENCE_SEQUENCE, Feedback, SupportRequest

# What the confirmation page promises; officers see the same number on the back-office list.
ANSWER_WITHIN_WORKING_DAYS = 2


@transaction.atomic
def create_faq(**fields) -> FAQ:
    """A question and answer of the help page, validated as the back-office form would."""
    faq = FAQ(**fields)
    faq.full_clean()
    faq.save()
    audit.record("portal.faq_created", faq, after=audit.snapshot(faq))
    return faq


def _next_reference() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(%s)", [SUPPORT_REFERENCE_SEQUENCE])
        (number,) = cursor.fetchone()
    return f"SR-{timezone.localdate().year}-{number:06d}"


@transaction.atomic
def create_support_request(
    *,
    name: str,
    message: str,
    topic: str = SupportRequest.Topic.OTHER,
    email: str = "",
    phone: str = "",
    application_reference: str = "",
    service: str = "",
    user=None,
) -> SupportRequest:
    """Record a question for the help desk under a new reference (`SR-2026-000012`), addressed to the
    institution of the service it concerns (`selectors.service_concerned`)."""
    licence_type = selectors.service_concerned(application_reference, service)
    request = SupportRequest.objects.create(
        reference=_next_reference(),
        user=user if getattr(user, "is_authenticated", False) else None,
        name=name.strip(),
        email=email.strip(),
        phone=phone.strip(),
        topic=topic,
        application_reference=application_reference.strip(),
        licence_type=licence_type,
        message=message.strip(),
    )
    audit.record(
        "portal.support_request_created",
        request,
        after={
            "reference": request.reference,
            "topic": request.topic,
            "user": request.user_id,
            "service": licence_type.code if licence_type else "",
        },
    )
    return request


@transaction.atomic
def record_answer(support_request: SupportRequest) -> None:
    """Called after an officer saved an answer: stamp it and tell a logged-in requester (portal + email)."""
    if support_request.status == SupportRequest.Status.ANSWERED and support_request.answered_at is None:
        SupportRequest.objects.filter(pk=support_request.pk, answered_at__isnull=True).update(
            answered_at=timezone.now()
        )
        support_request.refresh_from_db(fields=["answered_at"])
    if (
        support_request.status == SupportRequest.Status.ANSWERED
        and support_request.user_id
        and support_request.answer
    ):
        ref = support_request.reference
        notify(
            support_request.user,
            title_km=f"យើងបានឆ្លើយតបសំណើជំនួយ {ref} របស់អ្នក",
            title_en=f"We answered your support request {ref}",
            body_km=support_request.answer,
            body_en=support_request.answer,
            dedupe_key=f"portal:support:{support_request.pk}:answered",
        )


def give_feedback(
    *, rating: int, comment: str = "", page: str = "", user=None, language: str = ""
) -> Feedback:
    """Store one rating of a page (1 to 5) with an optional comment."""
    if not 1 <= int(rating) <= 5:
        raise ValueError("rating must be between 1 and 5")
    return Feedback.objects.create(
        rating=int(rating),
        comment=comment.strip()[:2000],
        page=page[:500],
        user=user if getattr(user, "is_authenticated", False) else None,
        language=(language or "")[:8],
    )

"""Reads of payments, scoped to what the person may see: the payments of the applications they may see as
an applicant (`applications.services.applications_visible_to`); anything else does not exist for them."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.selectors import scope_queryset
from applications import services as applications
from payments.models import Payment, Receipt, Status

_PAYMENT_INSTITUTION = "application__licence_type__institution"


def payments_visible_to(user) -> QuerySet[Payment]:
    return Payment.objects.filter(application__in=applications.applications_visible_to(user).values("pk"))


def payment_for(user, application, public_id) -> Payment | None:
    return payments_visible_to(user).filter(application_id=application.pk, public_id=public_id).first()


def paid_payment(application) -> Payment | None:
    return (
        Payment.objects.filter(application_id=application.pk, status__in=(Status.PAID, Status.REFUNDED))
        .select_related("receipt")
        .first()
    )


def receipt_for(user, number: str) -> Receipt | None:
    return (
        Receipt.objects.filter(number=number, payment__in=payments_visible_to(user))
        .select_related("payment__application__licence_type__institution", "payment__account")
        .first()
    )


def receipts_of(application) -> list[Receipt]:
    return list(Receipt.objects.filter(payment__application_id=application.pk).select_related("payment"))


# --- the back-office: scoped to the officer's institutions ------------------------------------------------


def awaiting_fee_for_officer(user) -> QuerySet:
    """Applications waiting for their fee at the officer's institutions (what a fee can be waived for)."""
    return scope_queryset(applications.awaiting_payment(), user, "licence_type__institution").filter(
        discarded_at__isnull=True, fee_amount__gt=0
    )


def awaiting_fee_application(user, public_id):
    return awaiting_fee_for_officer(user).filter(public_id=public_id).first()


def payments_for_officer(user) -> QuerySet[Payment]:
    return scope_queryset(Payment.objects.all(), user, _PAYMENT_INSTITUTION).select_related(
        "application__licence_type__institution"
    )


def refunds_due_for_officer(user) -> QuerySet[Payment]:
    """Money to give back: settled attempts that cannot pay their application, not yet refunded."""
    return payments_for_officer(user).filter(refund_due=True).exclude(status=Status.REFUNDED)


def payment_for_officer(user, public_id) -> Payment | None:
    return payments_for_officer(user).filter(public_id=public_id).first()


__all__ = [
    "awaiting_fee_application",
    "awaiting_fee_for_officer",
    "paid_payment",
    "payment_for",
    "payment_for_officer",
    "payments_for_officer",
    "payments_visible_to",
    "receipt_for",
    "receipts_of",
    "refunds_due_for_officer",
]

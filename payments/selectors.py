"""Reads of payments, scoped to what the person may see: the payments of the applications they may see as
an applicant (`applications.services.applications_visible_to`); anything else does not exist for them."""

from __future__ import annotations

from django.db.models import QuerySet

from applications import services as applications
from payments.models import Payment, Receipt, Status


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


__all__ = ["paid_payment", "payment_for", "payments_visible_to", "receipt_for", "receipts_of"]

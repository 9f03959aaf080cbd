"""What an officer does to a fee: waive it (`payments.waive_payment`) or record that a payment was given
back (`payments.refund_payment`). Both go through `apply_payment_status` and keep the officer's reason in the
payment's history and in the audit trail. Permission and scope are checked here too, not only in the page."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from esb import audit
from payments.models import Method, Payment, PaymentEvent, Status
from payments.services.attempts import awaits_payment
from payments.services.status import NotWaivable, Outcome, apply_payment_status

WAIVE_PERMISSION = "payments.waive_payment"
REFUND_PERMISSION = "payments.refund_payment"
WAIVER_PROVIDER = "waiver"  # not a registered provider: a waiver is a record, nobody is asked anything
REFUNDABLE = (Status.PAID, Status.FAILED)  # FAILED: only with refund_due (settled after another attempt)


class OfficerActionRefused(Exception):
    """`message` is for the officer; `code` is stable."""

    def __init__(self, message, code: str) -> None:
        super().__init__(str(message))
        self.message = message
        self.code = code


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise OfficerActionRefused(_("Give the reason (at least a few words)."), "no_reason")
    return reason[:1000]


def _officer(officer) -> dict:
    return {"officer_id": officer.pk, "officer": officer.get_full_name() or officer.get_username()}


def waive_fee(application, *, officer, reason: str) -> Payment:
    """The application's fee is waived: a WAIVER record moved to WAIVED, the application submitted through
    `applications.services.payment_settled` (once: a second waiver or a payment meanwhile is refused)."""
    if not officer.has_perm(WAIVE_PERMISSION):
        raise OfficerActionRefused(_("You may not waive fees."), "permission")
    reason = _reason(reason)
    if not awaits_payment(application):
        raise OfficerActionRefused(_("This application is not waiting for its fee."), "not_awaiting_payment")
    evidence = {"reason": reason, **_officer(officer)}
    with transaction.atomic():
        waiver = Payment.objects.create(
            application=application,
            provider=WAIVER_PROVIDER,
            method=Method.WAIVER,
            amount=application.fee_amount,
            currency=application.fee_currency,
            status=Status.UNPAID,
        )
        PaymentEvent.objects.create(
            payment=waiver, kind="created", to_status=Status.UNPAID, source="officer", evidence=evidence
        )
        try:
            apply_payment_status(waiver.pk, Status.WAIVED, source="officer", evidence=evidence)
        except NotWaivable:
            raise OfficerActionRefused(
                _("This application is not waiting for its fee."), "not_awaiting_payment"
            ) from None
        audit.record("payment.waived", waiver, after={"status": Status.WAIVED}, reason=reason)
    waiver.refresh_from_db()
    return waiver


def record_refund(payment: Payment, *, officer, reason: str) -> Outcome:
    """The money of a PAID payment (or of a FAILED one that settled anyway: `refund_due`) was given back."""
    if not officer.has_perm(REFUND_PERMISSION):
        raise OfficerActionRefused(_("You may not record refunds."), "permission")
    reason = _reason(reason)
    if payment.status not in REFUNDABLE or (payment.status == Status.FAILED and not payment.refund_due):
        raise OfficerActionRefused(_("Only a payment that was paid can be refunded."), "not_refundable")
    evidence = {"reason": reason, **_officer(officer)}
    with transaction.atomic():
        outcome = apply_payment_status(payment.pk, Status.REFUNDED, source="officer", evidence=evidence)
        if not outcome.changed:
            raise OfficerActionRefused(_("This payment was already refunded."), "already_refunded")
        audit.record("payment.refunded", payment, after={"status": Status.REFUNDED}, reason=reason)
    return outcome


__all__ = [
    "REFUND_PERMISSION",
    "WAIVE_PERMISSION",
    "OfficerActionRefused",
    "record_refund",
    "waive_fee",
]

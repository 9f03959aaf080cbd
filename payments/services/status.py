"""`apply_payment_status`: the one way a payment changes status, whoever learnt it (Bakong polling, a
gateway callback, reconciliation, an officer).

One conditional UPDATE moves the row only from a status `TRANSITIONS` allows (`WHERE status = ANY(...)`);
concurrent confirmations queue on the row lock and all but the first find nothing to move, so a payment is
PAID once, with one event and one receipt, and its application is submitted once. The partial unique index
`payment_one_paid_per_application` makes a second PAID attempt of one application impossible; such an
attempt (the payer paid an old and a new code) keeps its status and is marked `refund_due`.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from applications import services as applications
from esb import audit
from esb.numbering import next_gap_free_number
from payments.models import OPEN, TRANSITIONS, Method, Payment, PaymentEvent, Receipt, Status, allowed_from

logger = logging.getLogger(__name__)

# Fields a PAID confirmation may fill from its evidence.
_SETTLEMENT_FIELDS = {
    "transaction_hash": 128,
    "from_account": 100,
    "provider_reference": 100,
}


class PaymentStatusError(Exception):
    """A status change that can never happen (an unknown status)."""


class EvidenceMismatch(PaymentStatusError):
    """The provider reports an amount or currency other than the attempt's: nothing changes."""


class NotWaivable(PaymentStatusError):
    """A waiver of an application that no longer waits for its fee (paid or submitted meanwhile): nothing
    changes."""


@dataclass(frozen=True)
class Outcome:
    payment_id: int
    changed: bool  # this call moved the payment
    status: str  # the payment's status after the call
    from_status: str = ""
    receipt_number: str = ""
    refund_due: bool = False


def _check_evidence(payment: Payment, evidence: dict) -> None:
    amount, currency = evidence.get("amount"), evidence.get("currency")
    if currency not in (None, "") and str(currency).upper() != payment.currency:
        raise EvidenceMismatch(f"currency {currency!r} is not the payment's {payment.currency}")
    if amount not in (None, ""):
        try:
            reported = Decimal(str(amount))
        except (InvalidOperation, ValueError):
            raise EvidenceMismatch("the reported amount is not a number") from None
        if reported != payment.amount:
            raise EvidenceMismatch(f"amount {reported} is not the payment's {payment.amount}")


def _paid_at(evidence: dict) -> datetime.datetime:
    value = evidence.get("paid_at")
    parsed = parse_datetime(value) if isinstance(value, str) else None
    if parsed is not None and timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, datetime.UTC)
    return parsed or timezone.now()


def _conditional_update(payment_id: int, new_status: str, fields: dict) -> tuple[str, int] | None:
    """Move the row from any allowed status to `new_status` with `fields`: (previous status, application
    id), or None when the row is not in an allowed status (already moved by someone else)."""
    assignments = ", ".join(f"{name} = %s" for name in fields)
    table = Payment._meta.db_table
    # The CTE locks the row and reads its status as committed when the lock is granted (READ COMMITTED
    # re-reads a row updated while we waited), so `previous` is the status this update moved from.
    sql = f"""
        WITH previous AS (SELECT id, status FROM {table} WHERE id = %s FOR UPDATE)
        UPDATE {table} AS p SET status = %s, updated_at = %s{", " + assignments if assignments else ""}
        FROM previous WHERE p.id = previous.id AND previous.status = ANY(%s)
        RETURNING previous.status, p.application_id
    """  # noqa: S608 (table and column names are ours, values are parameters)
    with connection.cursor() as cursor:
        cursor.execute(
            sql, [payment_id, new_status, timezone.now(), *fields.values(), allowed_from(new_status)]
        )
        row = cursor.fetchone()
    return (row[0], row[1]) if row else None


def _event(
    payment_id: int, kind: str, source: str, evidence: dict, from_status: str = "", to_status: str = ""
):
    return PaymentEvent.objects.create(
        payment_id=payment_id,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        source=source[:30],
        evidence=evidence,
    )


def _flag_refund(payment: Payment, kind: str, source: str, evidence: dict) -> None:
    Payment.objects.filter(pk=payment.pk).update(refund_due=True, updated_at=timezone.now())
    _event(payment.pk, kind, source, evidence)
    audit.record("payment.refund_due", payment, after={"refund_due": True}, reason=kind)
    logger.warning("payment %s settled but cannot pay its application (%s): refund due", payment.pk, kind)


def _issue_receipt(payment: Payment) -> Receipt:
    institution = payment.application.licence_type.institution.code.upper()
    year = timezone.localdate().year
    number = next_gap_free_number(f"receipt-{institution}"[:50], year)
    return Receipt.objects.create(payment=payment, number=f"{institution}-R-{year}-{number:06d}")


def apply_payment_status(
    payment_id: int, new_status: str, *, source: str, evidence: dict | None = None
) -> Outcome:
    """Move payment `payment_id` to `new_status` if `TRANSITIONS` allows it from its current status.

    Idempotent: a repeated or concurrent call changes nothing and says so. On PAID: one receipt, the
    application submitted (`applications.services.payment_settled`), the other open attempts of the
    application FAILED (they can still settle: then they are marked `refund_due`). `evidence` is kept in the
    payment's history; PAID reads `transaction_hash`, `from_account`, `provider_reference`, `paid_at` from it
    and refuses an `amount` or `currency` other than the payment's (EvidenceMismatch)."""
    if new_status not in TRANSITIONS:
        raise PaymentStatusError(f"unknown payment status {new_status!r}")
    evidence = dict(evidence or {})
    with transaction.atomic():
        payment = Payment.objects.select_related("application__licence_type__institution").get(pk=payment_id)
        fields: dict = {}
        if new_status == Status.PAID:
            _check_evidence(payment, evidence)
            # A PAID also fails the application's other open attempts: lock them all first, in one order,
            # so that two attempts of one application confirmed at once queue instead of deadlocking.
            list(
                Payment.objects.select_for_update()
                .filter(application_id=payment.application_id)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            fields = {name: str(evidence.get(name) or "")[:size] for name, size in _SETTLEMENT_FIELDS.items()}
            fields["paid_at"] = _paid_at(evidence)
            if evidence.get("method") in Method.values:  # a gateway says whether it was a card or a transfer
                fields["method"] = evidence["method"]
            fields["next_check_at"] = None
        elif new_status in (Status.REFUNDED, Status.WAIVED):
            fields["next_check_at"] = None
        try:
            with transaction.atomic():
                moved = _conditional_update(payment_id, new_status, fields)
        except IntegrityError as error:
            if "payment_one_paid_per_application" not in str(error):
                raise
            # Another attempt of this application is already PAID: this money is to be given back.
            if not payment.refund_due:
                _flag_refund(payment, "duplicate_settlement", source, evidence)
            return Outcome(payment_id, False, payment.status, refund_due=True)
        if moved is None:
            payment.refresh_from_db(fields=["status", "refund_due"])
            receipt = Receipt.objects.filter(payment_id=payment_id).values_list("number", flat=True).first()
            return Outcome(
                payment_id, False, payment.status, receipt_number=receipt or "", refund_due=payment.refund_due
            )
        from_status, _application_id = moved
        payment.refresh_from_db()
        _event(payment_id, "status", source, evidence, from_status, new_status)
        audit.record(
            "payment.status",
            payment,
            before={"status": from_status},
            after={"status": new_status, **{k: v for k, v in fields.items() if v}},
            reason=source,
        )
        outcome = Outcome(payment_id, True, new_status, from_status)
        if new_status == Status.PAID:
            outcome = _settle(payment, source, outcome)
        elif new_status == Status.WAIVED:
            _settle_waiver(payment)
    return outcome


def _settle(payment: Payment, source: str, outcome: Outcome) -> Outcome:
    receipt = _issue_receipt(payment)
    refund_due = False
    try:
        with transaction.atomic():
            applications.payment_settled(
                payment.application, payment_reference=receipt.number, paid_at=payment.paid_at
            )
    except applications.ApplicationError as error:
        # Paid, but the application can no longer take it (withdrawn, discarded): keep the money's trace.
        _flag_refund(payment, "application_not_payable", source, {"reason": error.code})
        refund_due = True
    others = Payment.objects.filter(application_id=payment.application_id, status__in=OPEN - {Status.FAILED})
    for other in others.exclude(pk=payment.pk).values_list("pk", flat=True):
        apply_payment_status(other, Status.FAILED, source="superseded", evidence={"paid_attempt": payment.pk})
    return Outcome(
        payment.pk,
        True,
        Status.PAID,
        outcome.from_status,
        receipt_number=receipt.number,
        refund_due=refund_due,
    )


def _settle_waiver(payment: Payment) -> None:
    """A waived fee submits the application like a paid one (no receipt: nothing was paid). Unlike a
    payment, a waiver of an application that stopped waiting is refused whole: no money to keep track of."""
    try:
        with transaction.atomic():
            applications.payment_settled(
                payment.application, payment_reference=f"WAIVED-{payment.public_id}", paid_at=None
            )
    except applications.ApplicationError as error:
        raise NotWaivable(error.code) from error
    others = Payment.objects.filter(application_id=payment.application_id, status__in=OPEN - {Status.FAILED})
    for other in others.exclude(pk=payment.pk).values_list("pk", flat=True):
        apply_payment_status(other, Status.FAILED, source="superseded", evidence={"waived_by": payment.pk})


__all__ = ["EvidenceMismatch", "NotWaivable", "Outcome", "PaymentStatusError", "apply_payment_status"]

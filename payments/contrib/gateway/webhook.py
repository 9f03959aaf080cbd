"""Receiving the member gateway's webhooks: everything is verified before anything changes (docs/payments.md,
"Gateway webhooks").

1. the signature over the raw body and the signed timestamp (`signing.verify`: 401);
2. the body: JSON with `id`, a known `type` and `data` (400 `malformed`);
3. the payment it names (`data.reference` = the attempt's public id, a gateway attempt: 400
   `unknown_reference`) and its amount and currency (409 `amount_mismatch`, `currency_mismatch`);
4. the event id never processed before (409 `replayed_event`): `WebhookEvent` has a unique constraint, and the
   row is written in the same transaction as the status change, so ten deliveries of one event at once
   apply it once (the others wait on the unique index, then find it taken);
5. then `apply_payment_status`, which is itself idempotent against a poll or another event.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, transaction

from payments.contrib.gateway import signing
from payments.contrib.gateway.plugin import KEY, METHODS
from payments.models import Payment, Status, WebhookEvent
from payments.services import EvidenceMismatch, apply_payment_status

logger = logging.getLogger(__name__)

EVENT_STATUS = {"payment.succeeded": Status.PAID, "payment.failed": Status.FAILED}
MAX_BODY = 64 * 1024


class WebhookRefused(Exception):
    """A refused webhook: `status` (400, 401, 409), `code` and `message` make the documented error body."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    def body(self) -> dict:
        return {"error": {"code": self.code, "message": self.message}}


@dataclass(frozen=True)
class Accepted:
    event_id: str
    payment_id: int
    status: str
    changed: bool

    def body(self) -> dict:
        return {"received": True, "event": self.event_id, "status": self.status, "changed": self.changed}


def _config() -> tuple[str, int]:
    config = getattr(settings, "GATEWAY", None) or {}
    return str(config.get("WEBHOOK_SECRET") or ""), int(config.get("TOLERANCE_SECONDS") or 300)


def _event(body: bytes) -> tuple[str, str, dict]:
    if len(body) > MAX_BODY:
        raise WebhookRefused(400, "malformed", "the body is too large")
    try:
        event = json.loads(body)
    except (ValueError, RecursionError):
        raise WebhookRefused(400, "malformed", "the body is not JSON") from None
    if not isinstance(event, dict):
        raise WebhookRefused(400, "malformed", "the body is not a JSON object")
    event_id, kind, data = event.get("id"), event.get("type"), event.get("data")
    if not isinstance(event_id, str) or not 0 < len(event_id) <= 100:
        raise WebhookRefused(400, "malformed", "id must be a string of 1 to 100 characters")
    if kind not in EVENT_STATUS:
        raise WebhookRefused(400, "malformed", "type must be payment.succeeded or payment.failed")
    if not isinstance(data, dict):
        raise WebhookRefused(400, "malformed", "data must be an object")
    return event_id, kind, data


def _payment(data: dict) -> Payment:
    try:
        public_id = uuid.UUID(str(data.get("reference") or ""))
    except ValueError:
        raise WebhookRefused(400, "unknown_reference", "data.reference names no payment") from None
    payment = Payment.objects.filter(provider=KEY, public_id=public_id).first()
    if payment is None:
        raise WebhookRefused(400, "unknown_reference", "data.reference names no payment")
    return payment


def _check_amount(payment: Payment, data: dict) -> None:
    currency = str(data.get("currency") or "").upper()
    if currency != payment.currency:
        raise WebhookRefused(409, "currency_mismatch", "data.currency is not the payment's currency")
    try:
        amount = Decimal(str(data.get("amount")))
    except (InvalidOperation, ValueError):
        raise WebhookRefused(400, "malformed", "data.amount is not a number") from None
    if not amount.is_finite() or amount != payment.amount:
        raise WebhookRefused(409, "amount_mismatch", "data.amount is not the payment's amount")


def _evidence(event_id: str, kind: str, data: dict) -> dict:
    transaction_id = str(data.get("transaction_id") or "")[:100]
    method = str(data.get("method") or "")
    card = " ".join(str(data.get(k) or "") for k in ("card_brand", "card_last4")).strip()
    return {
        "event_id": event_id,
        "type": kind,
        "transaction_hash": transaction_id,
        "provider_reference": transaction_id,
        "from_account": card or method,
        "paid_at": str(data.get("paid_at") or ""),
        "amount": str(data.get("amount")),
        "currency": str(data.get("currency") or ""),
        "method": METHODS.get(method, ""),
    }


def receive(body: bytes, signature: str | None, *, now: float | None = None) -> Accepted:
    """Verify one delivery and apply it; WebhookRefused (nothing changed) when anything is wrong."""
    try:
        secret, tolerance = _config()
        try:
            signing.verify(signature, body, secret, tolerance=tolerance, now=now)
        except signing.SignatureError as error:
            raise WebhookRefused(401, error.code, error.message) from None
        event_id, kind, data = _event(body)
        payment = _payment(data)
        _check_amount(payment, data)
        with transaction.atomic():
            try:
                with transaction.atomic():
                    WebhookEvent.objects.create(provider=KEY, event_id=event_id, kind=kind, payment=payment)
            except IntegrityError:
                raise WebhookRefused(409, "replayed_event", "this event id was already processed") from None
            try:
                outcome = apply_payment_status(
                    payment.pk, EVENT_STATUS[kind], source="webhook", evidence=_evidence(event_id, kind, data)
                )
            except EvidenceMismatch as error:
                raise WebhookRefused(409, "amount_mismatch", str(error)) from None
    except WebhookRefused as refused:
        logger.warning("gateway webhook refused: %s (%s)", refused.code, refused.message)
        raise
    return Accepted(event_id, payment.pk, outcome.status, outcome.changed)

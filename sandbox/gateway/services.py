"""What the member-gateway simulator does: open hosted-checkout sessions, let the payer pay or fail on its
checkout page, send the signed webhook to the merchant (also twice, late or tampered, to test the
merchant's checks), and list a day's transactions for reconciliation (docs/payments.md)."""

from __future__ import annotations

import datetime
import json
import secrets
import time
from dataclasses import dataclass
from decimal import Decimal

import requests
from django.db import transaction
from django.utils import timezone

from payments.contrib.gateway import signing
from sandbox.gateway.models import SimCheckoutSession

# The simulator's public credentials (the portal's development defaults are the same strings).
SANDBOX_API_KEY = "esb-gateway-sandbox-key"
SANDBOX_WEBHOOK_SECRET = "esb-gateway-sandbox-webhook-secret"  # noqa: S105
SESSION_LIFETIME = datetime.timedelta(minutes=30)
LATE_BY = 600  # seconds: a "late" delivery is signed this long ago (outside the portal's 5-minute window)

# Test cards (Luhn-valid): the last one is declined.
TEST_CARDS = {
    "4242424242424242": "Visa",
    "5555555555554444": "MasterCard",
    "6200000000000005": "UnionPay",
    "4000000000000002": "Visa",
}
DECLINED = "4000000000000002"
DELIVERIES = ("normal", "twice", "late", "tampered")


class Invalid(Exception):
    """A request the simulator refuses; `message` says why."""


def card_brand(number: str) -> str:
    if number.startswith("4"):
        return "Visa"
    if number[:2] in {"51", "52", "53", "54", "55"} or 2221 <= int(number[:4] or 0) <= 2720:
        return "MasterCard"
    if number.startswith("62"):
        return "UnionPay"
    return ""


def luhn_valid(number: str) -> bool:
    digits = [int(d) for d in number][::-1]
    total = sum(d if i % 2 == 0 else (d * 2 - 9 if d > 4 else d * 2) for i, d in enumerate(digits))
    return total % 10 == 0


def create_session(body: dict) -> SimCheckoutSession:
    try:
        amount = Decimal(str(body["amount"]))
        currency = str(body["currency"]).upper()
        reference, return_url, notify_url = (str(body[k]) for k in ("reference", "return_url", "notify_url"))
    except (KeyError, ArithmeticError, ValueError, TypeError):
        raise Invalid("reference, amount, currency, return_url and notify_url are required") from None
    if currency not in {"KHR", "USD"} or amount <= 0 or not reference:
        raise Invalid("a positive amount in KHR or USD and a reference are required")
    if not all(u.startswith(("http://", "https://")) for u in (return_url, notify_url)):
        raise Invalid("return_url and notify_url must be http(s) URLs")
    session = SimCheckoutSession.objects.create(
        session_id="cs_" + secrets.token_hex(12),
        reference=reference[:100],
        amount=amount,
        currency=currency,
        description=str(body.get("description") or "")[:200],
        return_url=return_url[:500],
        notify_url=notify_url[:500],
        expires_at=timezone.now() + SESSION_LIFETIME,
    )
    return session


def session_data(session: SimCheckoutSession, url: str) -> dict:
    return {"id": session.session_id, "url": url, "expires_at": session.expires_at.isoformat()}


def complete(
    session_id: str, *, paid: bool, method: str = "card", card_number: str = ""
) -> SimCheckoutSession:
    """The payer paid (or the payment failed) on the checkout page; a declined test card fails."""
    with transaction.atomic():
        session = SimCheckoutSession.objects.select_for_update().get(session_id=session_id)
        if session.state != SimCheckoutSession.State.OPEN:
            return session
        if method == "card":
            number = "".join(ch for ch in card_number if ch.isdigit())
            if not (12 <= len(number) <= 19 and luhn_valid(number) and card_brand(number)):
                raise Invalid("not a Visa, MasterCard or UnionPay card number")
            session.card_brand, session.card_last4 = card_brand(number), number[-4:]
            paid = paid and number != DECLINED
        session.method = method if method in ("card", "bank_transfer") else "card"
        session.state = SimCheckoutSession.State.PAID if paid else SimCheckoutSession.State.FAILED
        session.transaction_id = "tr_" + secrets.token_hex(12)
        session.event_id = "evt_" + secrets.token_hex(12)
        session.settled_at = timezone.now()
        session.save()
    return session


def event_body(session: SimCheckoutSession) -> bytes:
    paid = session.state == SimCheckoutSession.State.PAID
    event = {
        "id": session.event_id,
        "type": "payment.succeeded" if paid else "payment.failed",
        "created": int(time.time()),
        "data": {
            "reference": session.reference,
            "amount": str(session.amount),
            "currency": session.currency,
            "transaction_id": session.transaction_id,
            "method": session.method,
            "card_brand": session.card_brand,
            "card_last4": session.card_last4,
            "paid_at": session.settled_at.isoformat() if session.settled_at else None,
        },
    }
    return json.dumps(event, separators=(",", ":")).encode()


@dataclass(frozen=True)
class Delivery:
    status: int  # 0: the merchant could not be reached
    code: str  # the merchant's error code, or "ok"


def signed_request(session: SimCheckoutSession, mode: str = "normal") -> tuple[bytes, str]:
    """The body and signature header of the session's event as `mode` sends it."""
    body = event_body(session)
    now = int(time.time())
    if mode == "late":
        return body, signing.header_value(SANDBOX_WEBHOOK_SECRET, body, now - LATE_BY)
    header = signing.header_value(SANDBOX_WEBHOOK_SECRET, body, now)
    if mode == "tampered":  # signed, then changed on the way: the amount is no longer what was signed
        event = json.loads(body)
        event["data"]["amount"] = str(Decimal(event["data"]["amount"]) / 100)
        body = json.dumps(event, separators=(",", ":")).encode()
    return body, header


def deliver(session: SimCheckoutSession, mode: str = "normal") -> list[Delivery]:
    """POST the session's event to the merchant's webhook URL (twice for "twice")."""
    results = []
    for _attempt in range(2 if mode == "twice" else 1):
        body, header = signed_request(session, mode)
        try:
            response = requests.post(
                session.notify_url,
                data=body,
                headers={"Content-Type": "application/json", signing.HEADER: header},
                timeout=10,
            )
        except requests.RequestException:
            results.append(Delivery(0, "unreachable"))
            continue
        try:
            code = response.json().get("error", {}).get("code", "ok") if response.status_code >= 400 else "ok"
        except (ValueError, AttributeError):
            code = "unreadable"
        results.append(Delivery(response.status_code, code))
    return results


def transactions(day: datetime.date) -> list[dict]:
    """The sessions settled on `day` (the gateway's local day), as list-transactions gives them."""
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    settled = SimCheckoutSession.objects.filter(
        settled_at__gte=start, settled_at__lt=start + datetime.timedelta(days=1)
    ).order_by("settled_at", "pk")
    return [
        {
            "id": s.transaction_id,
            "reference": s.reference,
            "amount": str(s.amount),
            "currency": s.currency,
            "status": "succeeded" if s.state == SimCheckoutSession.State.PAID else "failed",
            "method": s.method,
            "paid_at": s.settled_at.isoformat(),
        }
        for s in settled
    ]

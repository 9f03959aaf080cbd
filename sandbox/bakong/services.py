"""What the Bakong simulator does: answer the Open API (spec dpi-protocols.md §3.4) from its transfers, and
let its "bank app" pay a KHQR (unpaid → paid | failed, per md5)."""

from __future__ import annotations

import hashlib
import secrets
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from payments import khqr
from sandbox.bakong.models import SimTransaction

# The only token this simulator accepts (public, like the other development values; the portal's
# development default BAKONG_TOKEN is the same string).
SANDBOX_TOKEN = "esb-bakong-sandbox-token"  # noqa: S105
DEMO_PAYER = "demo_payer@devb"
CURRENCIES = {"116": "KHR", "840": "USD"}

NOT_FOUND = (1, "Transaction could not be found. Please check and try again.")
STATIC_QR = (2, "Static QR is not supported.")
FAILED = (3, "Transaction failed.")
MISSING_FIELDS = (5, "Missing required fields.")
UNAUTHORIZED = (6, "Unauthorized, not yet requested for token or code invalid.")


class Refused(Exception):
    """An Open API error: `code` (errorCode), `message`, and the HTTP status it travels with."""

    def __init__(self, error: tuple[int, str], status: int = 400) -> None:
        self.code, self.message = error
        self.status = status
        super().__init__(self.message)


class CannotPay(Exception):
    """The bank app refuses this QR (not a KHQR, static, expired); `message` is for the person."""


def transaction_data(found: SimTransaction) -> dict:
    """The transaction as Bakong reports it (the documented fields plus the newer production ones)."""
    created = int((found.settled_at or found.created_at).timestamp() * 1000)
    return {
        "hash": found.hash,
        "fromAccountId": found.from_account_id,
        "toAccountId": found.to_account_id,
        "currency": found.currency,
        "amount": float(found.amount or 0),
        "description": found.description,
        "createdDateMs": created,
        "acknowledgedDateMs": created,
        "trackingStatus": None,
        "externalRef": found.md5[:20],
    }


def check_md5(md5: str) -> dict:
    """check_transaction_by_md5: the data of a paid QR; errorCode 1 while unpaid or unknown, 3 when failed."""
    found = SimTransaction.objects.filter(md5=md5).first()
    if found is None or found.state == SimTransaction.State.UNPAID:
        raise Refused(NOT_FOUND, 200)
    if found.state == SimTransaction.State.FAILED:
        raise Refused(FAILED, 200)
    return transaction_data(found)


def check_md5_list(md5s: list[str]) -> list[dict]:
    found = {t.md5: t for t in SimTransaction.objects.filter(md5__in=md5s)}
    rows = []
    for md5 in md5s:
        row = found.get(md5)
        if row is not None and row.state == SimTransaction.State.PAID:
            rows.append({"md5": md5, "status": "SUCCESS", "message": None, "data": transaction_data(row)})
        elif row is not None and row.state == SimTransaction.State.FAILED:
            rows.append({"md5": md5, "status": "FAILED", "message": FAILED[1], "data": None})
        else:
            rows.append({"md5": md5, "status": "NOT_FOUND", "message": NOT_FOUND[1], "data": None})
    return rows


def check_hash(value: str) -> dict:
    found = SimTransaction.objects.filter(hash=value, state=SimTransaction.State.PAID).first()
    if found is None:
        raise Refused(NOT_FOUND, 200)
    return transaction_data(found)


def dynamic_fields(qr: str, *, now_ms: int | None = None) -> dict:
    """The decoded fields of a dynamic KHQR this bank app can pay (CannotPay says why not)."""
    result = khqr.verify(qr, now_ms=now_ms)
    if not result.valid:
        raise CannotPay(result.reason or "not a valid KHQR")
    fields = khqr.decode(qr)
    if not fields.get("transactionAmount"):
        raise CannotPay("this is a static KHQR: Bakong checks only dynamic ones (with an amount)")
    return fields


def register(qr: str) -> SimTransaction:
    """Remember a QR (a deep link was asked for it), unpaid."""
    md5 = khqr.md5(qr)
    found, _created = SimTransaction.objects.get_or_create(md5=md5, defaults={"qr": qr})
    return found


@transaction.atomic
def pay(qr: str, *, from_account: str = DEMO_PAYER, fail: bool = False) -> SimTransaction:
    """The bank app pays (or fails to pay) a dynamic KHQR. Paying a QR already paid changes nothing."""
    fields = dynamic_fields(qr)
    md5 = khqr.md5(qr)
    found = SimTransaction.objects.select_for_update().filter(md5=md5).first() or SimTransaction(
        md5=md5, qr=qr
    )
    if found.state == SimTransaction.State.PAID:
        return found
    found.state = SimTransaction.State.FAILED if fail else SimTransaction.State.PAID
    found.from_account_id = (from_account or DEMO_PAYER)[:64]
    found.to_account_id = fields.get("bakongAccountID") or ""
    found.currency = CURRENCIES.get(fields.get("transactionCurrency") or "", "")
    found.amount = Decimal(fields["transactionAmount"])
    found.description = (fields.get("billNumber") or "")[:100]
    found.settled_at = timezone.now()
    if not fail:
        found.hash = hashlib.sha256(f"{md5}:{secrets.token_hex(16)}".encode()).hexdigest()
    found.save()
    return found


def pay_md5(md5: str, *, from_account: str = DEMO_PAYER, fail: bool = False) -> SimTransaction:
    """The test-control endpoint: pay a QR the simulator already knows by its md5."""
    found = SimTransaction.objects.filter(md5=md5).first()
    if found is None:
        raise Refused(NOT_FOUND, 404)
    return pay(found.qr, from_account=from_account, fail=fail)

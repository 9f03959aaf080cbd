"""The KHQR provider: a dynamic merchant KHQR per attempt (payments.khqr), confirmed by polling the Bakong
Open API for its md5 (Bakong sends no webhook)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from payments import khqr
from payments.models import Method, Payment, PaymentAccount, Status
from payments.providers import (
    Checkout,
    PaymentProvider,
    ProviderError,
    ProviderTransaction,
    StatusReport,
    payment_providers,
)

KEY = "khqr"


def lifetime() -> datetime.timedelta:
    """How long a code lives: BAKONG_QR_LIFETIME_SECONDS, never more than NBC's 10 minutes."""
    seconds = int((getattr(settings, "BAKONG", None) or {}).get("QR_LIFETIME_SECONDS") or 600)
    return datetime.timedelta(seconds=min(max(seconds, 60), 600))


def grace() -> datetime.timedelta:
    """How long after its expiry a code is still checked (a payment made at the last second settles late)."""
    return datetime.timedelta(
        seconds=int((getattr(settings, "BAKONG", None) or {}).get("GRACE_SECONDS") or 0)
    )


def _amount(amount: Decimal, currency: str) -> int | Decimal:
    # KHR is whole riel; USD keeps its cents (the codec writes 12.50, 100).
    return int(amount) if currency == "KHR" else amount.quantize(Decimal("0.01"))


def _client():
    from payments.contrib.khqr.bakong import BakongClient  # requests and the HTTP layer, only when used

    return BakongClient()


@payment_providers.register(KEY)
class KHQRProvider(PaymentProvider):
    verbose_name = _("KHQR (Bakong)")
    method = Method.KHQR
    polls = True

    def check_config(self) -> list[str]:
        raw = getattr(settings, "BAKONG", None) or {}
        problems = []
        if not raw.get("BASE_URL"):
            problems.append("BAKONG['BASE_URL'] is not set")
        if not raw.get("TOKEN"):
            problems.append("BAKONG['TOKEN'] is not set: KHQR payments cannot be confirmed")
        return problems

    def usable_with(self, account: PaymentAccount) -> list[str]:
        problems = []
        if "@" not in account.bakong_account_id:
            problems.append(str(_("The Bakong account id must look like name@bank.")))
        if not account.merchant_name:
            problems.append(str(_("The merchant name is required.")))
        if not (account.merchant_id and account.acquiring_bank):
            problems.append(str(_("A merchant KHQR needs the merchant id and the acquiring bank.")))
        return problems

    def start(self, payment: Payment, account: PaymentAccount) -> Checkout:
        problems = self.usable_with(account)
        if problems:
            raise ProviderError("; ".join(problems))
        now = timezone.now()
        expires_at = now + lifetime()
        reference = payment.application.reference or ""
        optional = {}
        if account.merchant_name_km:
            optional = {"languagePreference": "km", "merchantNameAlternateLanguage": account.merchant_name_km}
        try:
            encoded = khqr.encode_merchant(
                bakongAccountID=account.bakong_account_id,
                merchantName=account.merchant_name,
                merchantCity=account.merchant_city or "Phnom Penh",
                merchantID=account.merchant_id,
                acquiringBank=account.acquiring_bank,
                currency=payment.currency,
                amount=_amount(payment.amount, payment.currency),
                billNumber=reference[:25],
                storeLabel=account.institution.code[:25],
                terminalLabel="ESB",
                creationTimestamp=int(now.timestamp() * 1000),
                expirationTimestamp=int(expires_at.timestamp() * 1000),
                **optional,
            )
        except khqr.KHQRError as error:
            raise ProviderError(f"the KHQR could not be made: {error}") from error
        payment.method = Method.KHQR
        payment.khqr = encoded.qr
        payment.md5 = encoded.md5
        payment.expires_at = expires_at
        payment.status = Status.PENDING
        payment.next_check_at = now
        return self.checkout(payment)

    def checkout(self, payment: Payment) -> Checkout:
        return Checkout(kind="qr", qr=payment.khqr, deeplink=payment.deeplink, expires_at=payment.expires_at)

    def prepare(self, payment: Payment) -> dict[str, str]:
        from payments.contrib.khqr.bakong import BakongError

        if payment.deeplink or not payment.khqr:
            return {}
        try:
            link = _client().generate_deeplink_by_qr(payment.khqr, app_name="ESB Portal")
        except BakongError as error:
            raise ProviderError(str(error)) from error
        return {"deeplink": link}

    def check(self, payments: list[Payment], now: datetime.datetime | None = None) -> list[StatusReport]:
        """Batched md5 checks; a code with no transfer is asked once more by md5 only after it expired, to
        tell "failed at the bank" (errorCode 3) from "never paid"."""
        from payments.contrib.khqr.bakong import BakongError

        client = _client()
        by_md5 = {p.md5: p for p in payments if p.md5}
        try:
            found = client.check_transaction_by_md5_list(list(by_md5))
        except BakongError as error:
            raise ProviderError(str(error)) from error
        reports = []
        now = now or timezone.now()
        for md5, payment in by_md5.items():
            transaction = found.get(md5)
            if transaction is not None:
                reports.append(
                    StatusReport(
                        payment.pk,
                        Status.PAID,
                        {
                            "transaction_hash": transaction.hash,
                            "from_account": transaction.from_account_id,
                            "provider_reference": transaction.hash[:8],
                            "paid_at": (transaction.created_at or now).isoformat(),
                            "amount": str(transaction.amount),
                            "currency": transaction.currency,
                            "raw": transaction.raw,
                        },
                    )
                )
            elif payment.status == Status.PENDING and payment.expires_at and payment.expires_at <= now:
                try:
                    failed = client.transaction_failed(md5)
                except BakongError:
                    failed = False
                if failed:
                    reports.append(StatusReport(payment.pk, Status.FAILED, {"errorCode": 3}))
            else:
                reports.append(StatusReport(payment.pk))
        return reports

    def settled_transactions(self, day: datetime.date, payments: list[Payment]) -> list[ProviderTransaction]:
        """Bakong has no list of a day's transactions: each attempt is asked by its md5."""
        from payments.contrib.khqr.bakong import BakongError, TransactionFailed, TransactionNotFound

        client = _client()
        found = []
        for payment in payments:
            if not payment.md5:
                continue
            try:
                transaction = client.check_transaction_by_md5(payment.md5)
            except (TransactionNotFound, TransactionFailed):
                continue
            except BakongError as error:
                raise ProviderError(str(error)) from error
            found.append(
                ProviderTransaction(
                    key=transaction.hash or payment.md5,
                    payment_id=payment.pk,
                    amount=transaction.amount,
                    currency=transaction.currency,
                    evidence={
                        "transaction_hash": transaction.hash,
                        "from_account": transaction.from_account_id,
                        "provider_reference": transaction.hash[:8],
                        "paid_at": transaction.created_at.isoformat() if transaction.created_at else "",
                        "amount": str(transaction.amount),
                        "currency": transaction.currency,
                    },
                )
            )
        return found

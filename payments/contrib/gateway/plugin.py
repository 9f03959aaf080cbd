"""The member-gateway provider: each attempt is a hosted-checkout session at the gateway; the payer pays
there by card (Visa, MasterCard, UnionPay) or bank transfer, and the gateway confirms with a signed webhook
(`payments.contrib.gateway.webhook`)."""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from payments.models import Method, Payment, PaymentAccount, Status
from payments.providers import (
    Checkout,
    PaymentProvider,
    ProviderError,
    ProviderTransaction,
    payment_providers,
)

KEY = "gateway"
# How long an unused checkout session lives when the gateway does not say.
SESSION_LIFETIME = datetime.timedelta(minutes=30)
METHODS = {"card": Method.CARD, "bank_transfer": Method.BANK_TRANSFER}


def _absolute(path: str) -> str:
    return f"{settings.ESB_PUBLIC_BASE_URL.rstrip('/')}{path}"


@payment_providers.register(KEY)
class GatewayProvider(PaymentProvider):
    verbose_name = _("Card or bank transfer (member gateway)")
    method = Method.CARD
    polls = False

    def check_config(self) -> list[str]:
        raw = getattr(settings, "GATEWAY", None) or {}
        if not raw.get("BASE_URL"):
            return []  # not configured: the provider is simply not offered (no payment account uses it)
        problems = []
        if not raw.get("API_KEY"):
            problems.append("GATEWAY['API_KEY'] is not set: checkout sessions cannot be created")
        if not raw.get("WEBHOOK_SECRET"):
            problems.append("GATEWAY['WEBHOOK_SECRET'] is not set: every webhook would be refused")
        return problems

    def usable_with(self, account: PaymentAccount) -> list[str]:
        if not (getattr(settings, "GATEWAY", None) or {}).get("BASE_URL"):
            return [str(_("The member gateway is not configured on this server (GATEWAY_BASE_URL)."))]
        return []

    def start(self, payment: Payment, account: PaymentAccount) -> Checkout:
        """Opens a checkout session at the gateway: an outbound call inside the request, the one a payer
        waits for (DESIGN.md §5), with the gateway's tight timeout; the attempt is saved only if it worked."""
        from payments.contrib.gateway.client import GatewayClient, GatewayError

        application = payment.application
        pay_path = reverse("payments:pay", kwargs={"public_id": application.public_id})
        try:
            session = GatewayClient().create_checkout_session(
                reference=str(payment.public_id),
                amount=payment.amount,
                currency=payment.currency,
                description=f"{application.reference or ''} {application.licence_type}".strip(),
                return_url=_absolute(pay_path),
                notify_url=_absolute(reverse("payments:gateway-webhook")),
            )
        except GatewayError as error:
            raise ProviderError(str(error)) from error
        payment.method = Method.CARD
        payment.checkout_session_id = session.id
        payment.checkout_url = session.url
        payment.expires_at = session.expires_at or timezone.now() + SESSION_LIFETIME
        # The payer is sent to the gateway at once: the attempt waits for its webhook from the start.
        payment.status = Status.PENDING
        return self.checkout(payment)

    def checkout(self, payment: Payment) -> Checkout:
        return Checkout(kind="redirect", redirect_url=payment.checkout_url, expires_at=payment.expires_at)

    def settled_transactions(
        self, day: datetime.date, payments: list[Payment]
    ) -> list[ProviderTransaction] | None:
        """The gateway lists a day's transactions; each is matched to its attempt by reference."""
        from payments.contrib.gateway.client import GatewayClient, GatewayError

        if not (getattr(settings, "GATEWAY", None) or {}).get("BASE_URL"):
            return None
        try:
            listed = GatewayClient().list_transactions(day)
        except GatewayError as error:
            raise ProviderError(str(error)) from error
        known = {str(p.public_id): p.pk for p in payments}
        found = []
        for row in listed:
            if row.status != "succeeded":
                continue
            payment_id = known.get(row.reference) or _payment_id(row.reference)
            found.append(
                ProviderTransaction(
                    key=row.id or row.reference,
                    payment_id=payment_id,
                    amount=row.amount,
                    currency=row.currency,
                    evidence={
                        "transaction_hash": row.id,
                        "provider_reference": row.id,
                        "from_account": row.method,
                        "paid_at": row.paid_at,
                        "amount": str(row.amount),
                        "currency": row.currency,
                        "method": METHODS.get(row.method, ""),
                    },
                )
            )
        return found


def _payment_id(reference: str) -> int | None:
    try:
        public_id = uuid.UUID(reference)
    except ValueError:
        return None
    return Payment.objects.filter(provider=KEY, public_id=public_id).values_list("pk", flat=True).first()

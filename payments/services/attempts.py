"""Payment attempts: which providers a service offers, a new attempt (a new KHQR code), and the outbound
work that follows its commit (the deep link)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from esb import audit
from esb.outbox import services as outbox
from payments.models import Payment, PaymentAccount, PaymentEvent, Status
from payments.providers import ProviderError, get_provider, payment_providers

logger = logging.getLogger(__name__)

PREPARE_TOPIC = "payments.prepare"


class PaymentUnavailable(Exception):
    """No provider can take this fee now; `message` is for the applicant."""

    def __init__(self, message, code: str = "unavailable") -> None:
        super().__init__(str(message))
        self.message = message
        self.code = code


@dataclass(frozen=True)
class Offer:
    provider: str
    account: PaymentAccount


def offered(application) -> list[Offer]:
    """The providers the application's service offers: its institution's active accounts of a registered
    provider, for every service or for this licence type."""
    licence_type = application.licence_type
    accounts = (
        PaymentAccount.objects.filter(institution_id=licence_type.institution_id, is_active=True)
        .filter(Q(licence_types__isnull=True) | Q(licence_types=licence_type))
        .select_related("institution")
        .distinct()
        .order_by("sort_order", "provider")
    )
    return [Offer(a.provider, a) for a in accounts if a.provider in payment_providers]


def awaits_payment(application) -> bool:
    return (
        application.status == "DRAFT"
        and application.payment_requested_at is not None
        and application.discarded_at is None
        and application.fee_amount > 0
    )


def live_attempt(application, provider: str) -> Payment | None:
    """The newest attempt of `provider` the applicant can still pay (PENDING, not expired)."""
    return (
        Payment.objects.filter(
            application_id=application.pk,
            provider=provider,
            status=Status.PENDING,
            expires_at__gt=timezone.now(),
        )
        .order_by("-created_at", "-id")
        .first()
    )


def start_payment(application, provider: str, *, actor=None) -> Payment:
    """A new attempt (for KHQR: a new code). Earlier attempts stay as they are: an old code can still be
    paid until it expires, and whichever is paid first wins (docs/payments.md)."""
    if not awaits_payment(application):
        raise PaymentUnavailable(_("This application is not waiting for a payment."), "not_awaiting_payment")
    offer = next((o for o in offered(application) if o.provider == provider), None)
    if offer is None:
        raise PaymentUnavailable(_("This way of paying is not offered for this service."), "not_offered")
    plugin = get_provider(provider)
    payment = Payment(
        application=application,
        account=offer.account,
        provider=provider,
        method=plugin.method,
        amount=application.fee_amount,
        currency=application.fee_currency,
    )
    try:
        plugin.start(payment, offer.account)
    except ProviderError:
        logger.exception("payment provider %s could not start an attempt", provider)
        raise PaymentUnavailable(
            _("Online payment is not available for this service at the moment. Please try again later.")
        ) from None
    with transaction.atomic():
        payment.save()
        PaymentEvent.objects.create(
            payment=payment,
            kind="created",
            to_status=payment.status,
            source="applicant",
            evidence={"md5": payment.md5} if payment.md5 else {},
        )
        audit.record(
            "payment.started",
            payment,
            after={"provider": provider, "amount": payment.amount, "currency": payment.currency},
            actor_id=getattr(actor, "pk", None),
        )
        outbox.enqueue(PREPARE_TOPIC, {"payment_id": payment.pk}, dedupe_key=f"payment-prepare:{payment.pk}")
    return payment


def prepare(payment_id: int) -> None:
    """After the commit (outbox task): the provider's outbound preparation, e.g. the KHQR deep link. Skipped
    when done; a provider that cannot prepare leaves the attempt usable (the QR works without the link)."""
    payment = Payment.objects.filter(pk=payment_id).first()
    if payment is None or payment.status not in (Status.UNPAID, Status.PENDING):
        return
    try:
        fields = get_provider(payment.provider).prepare(payment)
    except ProviderError as error:
        logger.warning("payment %s: preparation failed (%s)", payment_id, error)
        return
    if fields:
        Payment.objects.filter(pk=payment_id).update(**fields, updated_at=timezone.now())


__all__ = [
    "PREPARE_TOPIC",
    "Offer",
    "PaymentUnavailable",
    "awaits_payment",
    "live_attempt",
    "offered",
    "prepare",
    "start_payment",
]

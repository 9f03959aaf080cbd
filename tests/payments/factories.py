"""Payments in named states, reached through the services (so events, receipts and the application's
history are what the real path produces)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from accounts.models import User
from applications.models import Application
from applications.models import Status as AppStatus
from payments import services
from payments.models import PaymentAccount, Status
from tests.applications import factories as application_factories
from tests.licensing.factories import FormDefinitionFactory, LicenceTypeFactory, publish_valid_workflow

PAID_EVIDENCE = {
    "transaction_hash": "8465d722d7d5065f2886f0a474a4d34dc6a7855355b611836f7b6111228893e9",
    "from_account": "rieu_dhqj_1984@devb",
    "provider_reference": "8465d722",
}


def khqr_account(institution, **overrides) -> PaymentAccount:
    values = {
        "bakong_account_id": "moc@nbcq",
        "merchant_id": "MOC-ESB",
        "acquiring_bank": "National Bank of Cambodia",
        "merchant_name": "Ministry of Commerce",
        "merchant_name_km": "ក្រសួងពាណិជ្ជកម្ម",
        **overrides,
    }
    account, _created = PaymentAccount.objects.update_or_create(
        institution=institution, provider="khqr", defaults=values
    )
    return account


def awaiting_payment(user, licence_type, business=None):
    return application_factories.submitted(user, licence_type, business)


def started(application, user=None):
    return services.start_payment(application, "khqr", actor=user)


def paid(application, user=None, **evidence):
    payment = started(application, user)
    services.apply_payment_status(
        payment.pk, Status.PAID, source="test", evidence={**PAID_EVIDENCE, **evidence}
    )
    payment.refresh_from_db()
    return payment


def waiting_application() -> Application:
    """A draft waiting for a 200,000-riel fee, made directly (no registry or reference data: for tests that
    commit, where the session's reference data is not there)."""
    licence_type = LicenceTypeFactory(fee_amount=200000, fee_currency="KHR")
    workflow = publish_valid_workflow(licence_type)
    khqr_account(licence_type.institution)
    applicant = User.objects.create_user(username=f"payer-{licence_type.pk}")
    return Application.objects.create(
        licence_type=licence_type,
        form_definition=FormDefinitionFactory(licence_type=licence_type),
        workflow_definition=workflow,
        applicant=applicant,
        answers={},
        status=AppStatus.DRAFT,
        reference=f"PAY-2026-{licence_type.pk:06d}",
        fee_amount=Decimal("200000"),
        fee_currency="KHR",
        payment_requested_at=timezone.now(),
    )


# --- the member gateway ------------------------------------------------------------------------------------

GATEWAY_SECRET = "esb-gateway-sandbox-webhook-secret"  # the sandbox's public value
WEBHOOK_URL = "/payments/webhooks/gateway/"


def gateway_account(institution) -> PaymentAccount:
    account, _created = PaymentAccount.objects.update_or_create(
        institution=institution, provider="gateway", defaults={"sort_order": 1}
    )
    return account


def fake_checkout_sessions(monkeypatch) -> list[dict]:
    """No gateway in unit tests: checkout sessions are made up (what they were asked for is returned)."""
    import itertools

    from payments.contrib.gateway import client

    asked: list[dict] = []
    numbers = itertools.count(1)

    def create(self, **kwargs):
        asked.append(kwargs)
        number = next(numbers)
        return client.CheckoutSession(
            id=f"cs_test_{number}_{kwargs['reference'][:8]}",
            url=f"https://gateway.example/checkout/cs_test_{number}",
            expires_at=timezone.now() + datetime.timedelta(minutes=30),
        )

    monkeypatch.setattr(client.GatewayClient, "create_checkout_session", create)
    return asked


def gateway_started(application, user=None):
    return services.start_payment(application, "gateway", actor=user)


def gateway_event(payment, *, event_id: str = "evt_1", kind: str = "payment.succeeded", **data) -> dict:
    return {
        "id": event_id,
        "type": kind,
        "data": {
            "reference": str(payment.public_id),
            "amount": str(payment.amount),
            "currency": payment.currency,
            "transaction_id": f"tr_{event_id}",
            "method": "card",
            "card_brand": "Visa",
            "card_last4": "4242",
            "paid_at": "2026-12-04T10:00:00+00:00",
            **data,
        },
    }


def post_webhook(client, event, *, secret: str = GATEWAY_SECRET, timestamp: int | None = None, header=None):
    import json

    from payments.contrib.gateway import signing

    body = event if isinstance(event, bytes) else json.dumps(event).encode()
    extra = {}
    if header is not False:
        extra["HTTP_ESB_GATEWAY_SIGNATURE"] = header or signing.header_value(secret, body, timestamp)
    return client.post(WEBHOOK_URL, data=body, content_type="application/json", **extra)

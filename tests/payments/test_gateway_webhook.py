"""The member gateway: "Pay by card or bank transfer" opens a checkout session and sends the payer there;
its signed webhook is verified before anything changes (signature over the raw body, timestamp window,
event id never seen, amount, currency, reference), then goes through `apply_payment_status`."""

from __future__ import annotations

import json
import time

import pytest
from django.test import Client
from django.urls import reverse

from applications.models import Status as AppStatus
from payments.models import Method, Payment, PaymentEvent, Receipt, Status, WebhookEvent
from tests.payments.factories import (
    fake_checkout_sessions,
    gateway_account,
    gateway_event,
    gateway_started,
    post_webhook,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def sessions(monkeypatch):
    return fake_checkout_sessions(monkeypatch)


@pytest.fixture
def gateway(paid_service, sessions):
    return gateway_account(paid_service.institution)


@pytest.fixture
def payment(waiting, gateway, applicant):
    return gateway_started(waiting, applicant)


def _unchanged(payment) -> None:
    payment.refresh_from_db()
    assert payment.status == Status.PENDING
    assert list(PaymentEvent.objects.filter(payment=payment).values_list("kind", flat=True)) == ["created"]
    assert not Receipt.objects.filter(payment=payment).exists()
    assert payment.application.status == AppStatus.DRAFT


def test_the_page_offers_card_and_bank_transfer_and_redirects_to_the_checkout(
    applicant_client, waiting, gateway, sessions
):
    page = applicant_client.get(reverse("payments:pay", kwargs={"public_id": waiting.public_id}))
    assert b"Pay by card or bank transfer" in page.content and b'data-testid="pay-gateway"' in page.content
    response = applicant_client.post(reverse("payments:pay-gateway", kwargs={"public_id": waiting.public_id}))
    attempt = Payment.objects.get(application=waiting, provider="gateway")
    assert response.status_code == 302 and response["Location"] == attempt.checkout_url
    assert attempt.status == Status.PENDING and attempt.checkout_session_id.startswith("cs_test_")
    assert attempt.amount == waiting.fee_amount and attempt.currency == waiting.fee_currency
    (asked,) = sessions
    assert asked["reference"] == str(attempt.public_id)
    assert asked["notify_url"].endswith("/payments/webhooks/gateway/")
    assert asked["return_url"].endswith(f"/applications/{waiting.public_id}/pay/")


def test_an_unreachable_gateway_leaves_the_applicant_on_the_page_with_a_message(
    applicant_client, waiting, gateway, monkeypatch
):
    from payments.contrib.gateway import client

    def down(self, **kwargs):
        raise client.GatewayError("the gateway could not be reached (ConnectionError)")

    monkeypatch.setattr(client.GatewayClient, "create_checkout_session", down)
    url = reverse("payments:pay-gateway", kwargs={"public_id": waiting.public_id})
    response = applicant_client.post(url, follow=True)
    assert response.status_code == 200
    assert b"Online payment is not available" in response.content
    assert not Payment.objects.filter(application=waiting, provider="gateway").exists()


def test_another_persons_application_cannot_be_sent_to_the_gateway(client, stranger, waiting, gateway):
    client.force_login(stranger)
    response = client.post(reverse("payments:pay-gateway", kwargs={"public_id": waiting.public_id}))
    assert response.status_code == 404


def test_a_valid_webhook_pays_once_submits_and_issues_one_receipt(payment):
    csrf_client = Client(enforce_csrf_checks=True)  # the endpoint needs no CSRF token: it is signed
    response = post_webhook(csrf_client, gateway_event(payment, method="bank_transfer"))
    assert response.status_code == 200, response.content
    assert response.json() == {"received": True, "event": "evt_1", "status": "PAID", "changed": True}
    payment.refresh_from_db()
    assert payment.status == Status.PAID and payment.method == Method.BANK_TRANSFER
    assert payment.transaction_hash == "tr_evt_1" and payment.paid_at.isoformat().startswith("2026-12-04")
    assert payment.application.status == AppStatus.SUBMITTED
    assert Receipt.objects.filter(payment=payment).count() == 1
    event = PaymentEvent.objects.get(payment=payment, kind="status")
    assert (event.source, event.to_status, event.evidence["event_id"]) == ("webhook", "PAID", "evt_1")
    # Another event for the same payment (the gateway's own duplicate) changes nothing more.
    again = post_webhook(Client(), gateway_event(payment, event_id="evt_2"))
    assert again.status_code == 200 and again.json()["changed"] is False
    assert PaymentEvent.objects.filter(payment=payment, kind="status").count() == 1
    assert Receipt.objects.filter(payment=payment).count() == 1


def test_a_failed_payment_webhook_marks_the_attempt_failed(payment):
    response = post_webhook(Client(), gateway_event(payment, kind="payment.failed"))
    assert response.status_code == 200 and response.json()["status"] == "FAILED"
    payment.refresh_from_db()
    assert payment.status == Status.FAILED and payment.application.status == AppStatus.DRAFT


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"secret": "a-forged-secret-known-to-nobody"}, 401, "bad_signature"),
        ({"header": False}, 401, "missing_signature"),
        ({"header": "t=1,v1="}, 401, "bad_signature"),
        ({"timestamp": int(time.time()) - 400}, 401, "stale_timestamp"),
        ({"timestamp": int(time.time()) + 900}, 401, "stale_timestamp"),
        ({"data": {"amount": "1"}}, 409, "amount_mismatch"),
        ({"data": {"currency": "USD"}}, 409, "currency_mismatch"),
        ({"data": {"reference": "00000000-0000-4000-8000-000000000000"}}, 400, "unknown_reference"),
        ({"data": {"reference": "MOC-2026-000001"}}, 400, "unknown_reference"),
        ({"kind": "payment.refunded"}, 400, "malformed"),
    ],
)
def test_a_refused_webhook_changes_nothing_and_says_why(payment, caplog, change, status, code):
    change = dict(change)
    event = gateway_event(payment, **change.pop("data", {}))
    if "kind" in change:
        event["type"] = change.pop("kind")
    response = post_webhook(Client(), event, **change)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code and response.json()["error"]["message"]
    assert f"gateway webhook refused: {code}" in caplog.text
    assert not WebhookEvent.objects.exists()
    _unchanged(payment)


def test_a_body_changed_after_signing_is_refused(payment):
    from payments.contrib.gateway import signing
    from tests.payments.factories import GATEWAY_SECRET

    signed = json.dumps(gateway_event(payment)).encode()
    header = signing.header_value(GATEWAY_SECRET, signed)
    tampered = signed.replace(b'"card"', b'"cash"')
    response = post_webhook(Client(), tampered, header=header)
    assert response.status_code == 401 and response.json()["error"]["code"] == "bad_signature"
    _unchanged(payment)


def test_a_replayed_event_id_is_refused_with_409(payment):
    assert post_webhook(Client(), gateway_event(payment, kind="payment.failed")).status_code == 200
    replay = post_webhook(Client(), gateway_event(payment, kind="payment.failed"))
    assert replay.status_code == 409 and replay.json()["error"]["code"] == "replayed_event"
    assert WebhookEvent.objects.count() == 1
    assert PaymentEvent.objects.filter(payment=payment, kind="status").count() == 1


def test_not_json_is_a_400_and_get_is_not_allowed(payment, client):
    assert post_webhook(client, b"not json").json()["error"]["code"] == "malformed"
    assert client.get("/payments/webhooks/gateway/").status_code == 405


def test_the_webhook_is_throttled(payment, settings):
    settings.ESB_THROTTLE_RATES = {"payment-webhook": "2/m"}
    codes = [post_webhook(Client(), b"{}", header=False).status_code for _ in range(3)]
    assert codes == [401, 401, 429]

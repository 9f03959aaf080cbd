"""The member-gateway simulator: its API (bearer key, checkout sessions, the day's transactions), the
checkout page that pays or fails and sends the signed webhook to the portal (also twice, late or tampered),
the whole card path over real HTTP, and its refusal in production."""

from __future__ import annotations

import datetime
import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from applications.models import Status as AppStatus
from payments.models import Method, Payment, Status
from sandbox.gateway import services as simulator
from sandbox.gateway.models import SimCheckoutSession
from sandbox.gateway.testing import use_live_gateway
from tests.ops.test_settings import manage_check, production_env
from tests.payments.factories import gateway_account, waiting_application

AUTH = {"HTTP_AUTHORIZATION": f"Bearer {simulator.SANDBOX_API_KEY}"}
SESSION = {
    "reference": "3f1c0a52-0d7e-4f83-9c55-2b9f4a0c7e11",
    "amount": "25500",
    "currency": "KHR",
    "description": "MOC-2026-000123",
    "return_url": "http://testserver/applications/x/pay/",
    "notify_url": "http://127.0.0.1:9/payments/webhooks/gateway/",
}


def _create(client, body, **headers):
    return client.post(
        reverse("sandbox-gateway:create-session"),
        json.dumps(body),
        content_type="application/json",
        **headers,
    )


@pytest.mark.django_db
def test_the_api_needs_the_key_and_a_complete_session(client):
    assert _create(client, SESSION).status_code == 401
    assert _create(client, SESSION, HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    refused = _create(client, {**SESSION, "currency": "EUR"}, **AUTH)
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "invalid_request"
    created = _create(client, SESSION, **AUTH)
    assert created.status_code == 201
    body = created.json()
    assert body["id"].startswith("cs_") and body["url"].endswith(f"/sandbox/gateway/checkout/{body['id']}/")
    page = client.get(body["url"])
    assert page.status_code == 200 and b"KHR" in page.content and b"4242424242424242" in page.content


@pytest.mark.django_db
def test_the_day_s_transactions_are_listed_with_their_outcome(client):
    session = simulator.create_session(SESSION)
    simulator.complete(session.session_id, paid=True, card_number="5555 5555 5555 4444")
    declined = simulator.create_session({**SESSION, "reference": "other"})
    simulator.complete(declined.session_id, paid=True, card_number="4000 0000 0000 0002")
    today = timezone.localdate().isoformat()
    rows = client.get(reverse("sandbox-gateway:transactions"), {"date": today}, **AUTH).json()["data"]
    assert [(r["reference"], r["status"]) for r in rows] == [
        (SESSION["reference"], "succeeded"),
        ("other", "failed"),
    ]
    assert rows[0]["amount"] == "25500.00" and rows[0]["method"] == "card"
    yesterday = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    assert (
        client.get(reverse("sandbox-gateway:transactions"), {"date": yesterday}, **AUTH).json()["data"] == []
    )
    assert client.get(reverse("sandbox-gateway:transactions"), {"date": "x"}, **AUTH).status_code == 400


@pytest.mark.django_db
def test_a_card_that_is_not_a_card_is_refused_on_the_page(client):
    session = simulator.create_session(SESSION)
    url = reverse("sandbox-gateway:checkout", args=[session.session_id])
    response = client.post(url, {"action": "normal", "method": "card", "card_number": "1234 5678"})
    assert response.status_code == 400 and b"not a Visa, MasterCard or UnionPay" in response.content
    assert SimCheckoutSession.objects.get(pk=session.pk).state == "OPEN"


# --- the card path over real HTTP ------------------------------------------------------------------------


@pytest.fixture
def live_gateway(live_server, transactional_db, settings):
    return use_live_gateway(settings, live_server.url)


@pytest.fixture
def waiting(transactional_db):
    application = waiting_application()
    gateway_account(application.licence_type.institution)
    return application


def _to_checkout(waiting) -> tuple[Client, str]:
    client = Client()
    client.force_login(waiting.applicant)
    response = client.post(reverse("payments:pay-gateway", kwargs={"public_id": waiting.public_id}))
    assert response.status_code == 302 and "/sandbox/gateway/checkout/cs_" in response["Location"]
    return client, response["Location"]


def _pay(client: Client, checkout_url: str, action: str = "normal", **fields):
    data = {"action": action, "method": "card", "card_number": "4242 4242 4242 4242", **fields}
    return client.post(checkout_url, data, follow=True)


def test_paying_on_the_checkout_page_pays_and_returns_to_the_payment_page(live_gateway, waiting):
    client, checkout_url = _to_checkout(waiting)
    page = _pay(client, checkout_url, card_number="6200 0000 0000 0005")
    assert page.redirect_chain[0][0].endswith(f"/applications/{waiting.public_id}/pay/")
    payment = Payment.objects.get(application=waiting, provider="gateway")
    assert payment.status == Status.PAID and payment.method == Method.CARD
    assert payment.from_account == "UnionPay 0005"
    waiting.refresh_from_db()
    assert waiting.status == AppStatus.SUBMITTED
    assert b"200 ok" in page.content  # the simulator says what the portal answered


def test_a_bank_transfer_and_a_webhook_sent_twice_pay_once(live_gateway, waiting):
    client, checkout_url = _to_checkout(waiting)
    page = _pay(client, checkout_url, "twice", method="bank_transfer", card_number="")
    assert b"200 ok, 409 replayed_event" in page.content
    payment = Payment.objects.get(application=waiting, provider="gateway")
    assert payment.status == Status.PAID and payment.method == Method.BANK_TRANSFER
    assert payment.events.filter(kind="status").count() == 1


@pytest.mark.parametrize(("mode", "code"), [("late", "stale_timestamp"), ("tampered", "bad_signature")])
def test_a_late_or_tampered_webhook_is_refused_and_a_correct_resend_pays(live_gateway, waiting, mode, code):
    client, checkout_url = _to_checkout(waiting)
    page = _pay(client, checkout_url, mode)
    assert f"401 {code}".encode() in page.content
    payment = Payment.objects.get(application=waiting, provider="gateway")
    assert payment.status == Status.PENDING
    resent = client.post(checkout_url, {"action": "resend"}, follow=True)
    assert b"200 ok" in resent.content
    payment.refresh_from_db()
    assert payment.status == Status.PAID


def test_a_declined_card_fails_the_attempt(live_gateway, waiting):
    client, checkout_url = _to_checkout(waiting)
    _pay(client, checkout_url, card_number="4000 0000 0000 0002")
    payment = Payment.objects.get(application=waiting, provider="gateway")
    assert payment.status == Status.FAILED
    waiting.refresh_from_db()
    assert waiting.status == AppStatus.DRAFT


# --- never in production ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8000/sandbox/gateway", "https://portal.example.gov.kh/sandbox/gateway"]
)
def test_production_refuses_the_sandbox_as_gateway(url):
    result = manage_check(
        production_env(
            GATEWAY_BASE_URL=url, GATEWAY_API_KEY="k" * 3 + "-live-key", GATEWAY_WEBHOOK_SECRET="x"
        )
    )
    assert result.returncode != 0 and "GATEWAY_BASE_URL points at the development sandbox" in result.stderr


def test_production_refuses_the_sandbox_secret_and_key():
    result = manage_check(
        production_env(
            GATEWAY_BASE_URL="https://gateway.example.com.kh",
            GATEWAY_API_KEY=simulator.SANDBOX_API_KEY,
            GATEWAY_WEBHOOK_SECRET=simulator.SANDBOX_WEBHOOK_SECRET,
        )
    )
    assert result.returncode != 0
    assert "GATEWAY_WEBHOOK_SECRET is the gateway sandbox's public secret" in result.stderr
    assert "GATEWAY_API_KEY is the gateway sandbox's public key" in result.stderr


def test_production_starts_with_a_real_gateway():
    result = manage_check(
        production_env(
            GATEWAY_BASE_URL="https://gateway.example.com.kh",
            GATEWAY_API_KEY="live_9f8Kq2LmZxR4tWv7",
            GATEWAY_WEBHOOK_SECRET="whsec_Q3v9Tz1mK8pL2xR7yN4bW6cJ0dF5hS",
        )
    )
    assert result.returncode == 0, result.stderr

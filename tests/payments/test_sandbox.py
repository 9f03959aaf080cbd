"""The Bakong simulator: the Open API envelope, the token check, per-md5 state, the bank app page (decodes
a KHQR and pays it), and its refusal in production."""

from __future__ import annotations

import json
import time

import pytest
from django.urls import reverse

from payments import khqr
from sandbox.bakong import services as simulator
from sandbox.bakong.models import SimTransaction
from tests.ops.test_settings import manage_check, production_env

pytestmark = pytest.mark.django_db

AUTH = {"HTTP_AUTHORIZATION": f"Bearer {simulator.SANDBOX_TOKEN}"}


def _qr(**extra) -> str:
    return khqr.encode_merchant(
        bakongAccountID="moc@nbcq",
        merchantName="Ministry of Commerce",
        merchantID="MOC-ESB",
        acquiringBank="National Bank of Cambodia",
        currency="USD",
        amount=12.5,
        billNumber="MOC-2026-000777",
        languagePreference="km",
        merchantNameAlternateLanguage="ក្រសួងពាណិជ្ជកម្ម",
        expirationTimestamp=int(time.time() * 1000) + 600_000,
        **extra,
    ).qr


def _post(client, operation: str, body, **headers):
    return client.post(
        reverse(f"sandbox-bakong:{operation}"), json.dumps(body), content_type="application/json", **headers
    )


def test_a_bad_token_is_401_with_error_code_6(client):
    for headers in ({}, {"HTTP_AUTHORIZATION": "Bearer wrong"}):
        response = _post(client, "check_transaction_by_md5", {"md5": "a" * 32}, **headers)
        assert response.status_code == 401
        assert response.json() == {
            "responseCode": 1,
            "responseMessage": simulator.UNAUTHORIZED[1],
            "errorCode": 6,
            "data": None,
        }


def test_each_md5_goes_unpaid_then_paid_with_the_real_envelope(client):
    qr = _qr()
    md5 = khqr.md5(qr)
    unpaid = _post(client, "check_transaction_by_md5", {"md5": md5}, **AUTH).json()
    assert unpaid["responseCode"] == 1 and unpaid["errorCode"] == 1 and unpaid["data"] is None
    simulator.pay(qr)
    paid = _post(client, "check_transaction_by_md5", {"md5": md5}, **AUTH).json()
    assert paid["responseCode"] == 0 and paid["errorCode"] is None
    assert paid["data"]["amount"] == 12.5 and paid["data"]["currency"] == "USD"
    assert paid["data"]["toAccountId"] == "moc@nbcq" and len(paid["data"]["hash"]) == 64
    by_hash = _post(client, "check_transaction_by_hash", {"hash": paid["data"]["hash"]}, **AUTH).json()
    assert by_hash["data"]["hash"] == paid["data"]["hash"]
    listed = _post(client, "check_transaction_by_md5_list", [md5, "b" * 32], **AUTH).json()
    assert [row["status"] for row in listed["data"]] == ["SUCCESS", "NOT_FOUND"]


def test_missing_fields_and_oversized_batches_are_refused(client):
    assert _post(client, "check_transaction_by_md5", {}, **AUTH).json()["errorCode"] == 5
    assert _post(client, "check_transaction_by_md5_list", ["a" * 32] * 51, **AUTH).status_code == 400


def test_the_test_control_endpoint_pays_or_fails_a_known_qr(client):
    qr = _qr()
    simulator.register(qr)
    response = client.post(
        reverse("sandbox-bakong:sim-pay"), json.dumps({"md5": khqr.md5(qr), "fail": True}), "application/json"
    )
    assert response.json()["data"]["state"] == "FAILED"
    failed = _post(client, "check_transaction_by_md5", {"md5": khqr.md5(qr)}, **AUTH).json()
    assert failed["errorCode"] == 3


def test_the_bank_app_shows_merchant_amount_and_bill_before_paying(client):
    qr = _qr()
    page = client.post(reverse("sandbox-bakong:app"), {"qr": qr, "action": "read"}).content.decode()
    assert "Ministry of Commerce" in page and "ក្រសួងពាណិជ្ជកម្ម" in page
    assert "12.50 USD" in page and "MOC-2026-000777" in page
    assert not SimTransaction.objects.exists()
    paid = client.post(reverse("sandbox-bakong:app"), {"qr": qr, "action": "pay", "from_account": "me@devb"})
    assert 'data-testid="bank-paid"' in paid.content.decode()
    assert SimTransaction.objects.get(md5=khqr.md5(qr)).from_account_id == "me@devb"


def test_the_bank_app_refuses_an_expired_or_broken_code(client):
    expired = khqr.encode_merchant(
        bakongAccountID="moc@nbcq",
        merchantName="Ministry of Commerce",
        merchantID="MOC-ESB",
        acquiringBank="NBC",
        currency="KHR",
        amount=1000,
        expirationTimestamp=2_000_000_000_000,
        now_ms=1_000_000_000_000,
    ).qr
    for qr in (expired[:-1] + "0", "not a qr"):
        page = client.post(reverse("sandbox-bakong:app"), {"qr": qr, "action": "pay"})
        assert page.status_code == 400 and 'data-testid="bank-problem"' in page.content.decode()
    assert not SimTransaction.objects.exists()


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8000/sandbox/bakong", "https://portal.example.gov.kh/sandbox/bakong"]
)
def test_production_refuses_the_sandbox_as_bakong(url):
    result = manage_check(production_env(BAKONG_BASE_URL=url))
    assert result.returncode != 0 and "BAKONG_BASE_URL" in result.stderr


def test_production_refuses_the_sandbox_token():
    result = manage_check(production_env(BAKONG_TOKEN=simulator.SANDBOX_TOKEN))
    assert result.returncode != 0 and "BAKONG_TOKEN is the sandbox's public demo token" in result.stderr


def test_production_starts_with_real_bakong_settings_and_no_sandbox():
    result = manage_check(production_env())
    assert result.returncode == 0, result.stderr

"""The Bakong Open API client: against the sandbox simulator over real HTTP (live server), and with a fake
transport for every error path (typed errors, the outgoing-request log, no token in messages)."""

from __future__ import annotations

import json
import time

import pytest
import requests

from esb import http
from esb.models import OutgoingRequest
from payments import khqr
from payments.contrib.khqr import bakong
from sandbox.bakong import services as simulator
from sandbox.bakong.testing import use_live_bakong
from tests.camdigikey.conftest import FakeAdapter

TOKEN = simulator.SANDBOX_TOKEN


def _qr(amount: int = 25500, bill: str = "MOC-2026-000123") -> str:
    now = int(time.time() * 1000)
    return khqr.encode_merchant(
        bakongAccountID="moc@nbcq",
        merchantName="Ministry of Commerce",
        merchantID="MOC-ESB",
        acquiringBank="National Bank of Cambodia",
        currency="KHR",
        amount=amount,
        billNumber=bill,
        expirationTimestamp=now + 600_000,
    ).qr


# --- over real HTTP, against the simulator --------------------------------------------------------------


@pytest.fixture
def live_client(live_server, transactional_db, settings):
    use_live_bakong(settings, live_server.url)
    return bakong.BakongClient()


def test_an_unpaid_qr_is_not_found_then_paid_with_the_transfer(live_client):
    qr = _qr()
    md5 = khqr.md5(qr)
    with pytest.raises(bakong.TransactionNotFound):
        live_client.check_transaction_by_md5(md5)
    paid = simulator.pay(qr, from_account="rieu_dhqj_1984@devb")
    found = live_client.check_transaction_by_md5(md5)
    assert found.hash == paid.hash and len(found.hash) == 64
    assert found.from_account_id == "rieu_dhqj_1984@devb" and found.to_account_id == "moc@nbcq"
    assert found.currency == "KHR" and found.amount == 25500 and found.description == "MOC-2026-000123"
    # "not paid yet" is an answer, not a failed call; every call is in the outgoing-request log
    calls = OutgoingRequest.objects.filter(service="bakong", operation="check_transaction_by_md5")
    assert calls.count() == 2 and not calls.filter(outcome=OutgoingRequest.Outcome.ERROR).exists()


def test_a_failed_transfer_is_reported_as_failed(live_client):
    qr = _qr()
    simulator.pay(qr, fail=True)
    with pytest.raises(bakong.TransactionFailed):
        live_client.check_transaction_by_md5(khqr.md5(qr))
    assert live_client.transaction_failed(khqr.md5(qr))


def test_the_batch_check_answers_each_md5_in_chunks(live_client):
    qrs = [_qr(amount=1000 + i, bill=f"B-{i}") for i in range(5)]
    simulator.pay(qrs[1])
    simulator.pay(qrs[3])
    client = bakong.BakongClient(
        bakong.BakongConfig(base_url=live_client.config.base_url, token=TOKEN, batch_size=2)
    )
    found = client.check_transaction_by_md5_list([khqr.md5(q) for q in qrs])
    assert [found[khqr.md5(q)] is not None for q in qrs] == [False, True, False, True, False]
    assert OutgoingRequest.objects.filter(operation="check_transaction_by_md5_list").count() == 3


def test_without_batch_checks_each_md5_is_asked_alone(live_client):
    qrs = [_qr(amount=2000 + i) for i in range(3)]
    simulator.pay(qrs[0])
    client = bakong.BakongClient(
        bakong.BakongConfig(base_url=live_client.config.base_url, token=TOKEN, batch_checks=False)
    )
    found = client.check_transaction_by_md5_list([khqr.md5(q) for q in qrs])
    assert [v is not None for v in found.values()] == [True, False, False]
    assert OutgoingRequest.objects.filter(operation="check_transaction_by_md5").count() == 3


def test_a_deep_link_opens_the_sandbox_bank_app_on_the_qr(live_client, client):
    qr = _qr()
    link = live_client.generate_deeplink_by_qr(qr, app_name="ESB Portal")
    assert "/sandbox/bakong/app/" in link
    page = client.get(link.split("/sandbox/bakong", 1)[1].join(["/sandbox/bakong", ""]))
    assert "MOC-2026-000123" in page.content.decode()


def test_a_static_qr_gets_no_deep_link(live_client):
    static = khqr.encode_individual(bakongAccountID="jonhsmith@nbcq", merchantName="Jonh Smith").qr
    with pytest.raises(bakong.BakongRequestError) as refused:
        live_client.generate_deeplink_by_qr(static)
    assert refused.value.code == bakong.STATIC_QR_NOT_SUPPORTED


def test_a_wrong_token_is_unauthorized(live_server, transactional_db, settings):
    use_live_bakong(settings, live_server.url)
    client = bakong.BakongClient(
        bakong.BakongConfig(base_url=f"{live_server.url}/sandbox/bakong", token="not-the-token")
    )
    with pytest.raises(bakong.BakongUnauthorized) as refused:
        client.check_transaction_by_md5("0" * 32)
    assert refused.value.http_status == 401 and "not-the-token" not in str(refused.value)
    assert OutgoingRequest.objects.get(service="bakong").outcome == OutgoingRequest.Outcome.ERROR


# --- error paths, with a fake transport ------------------------------------------------------------------


def _fake(handler) -> tuple[bakong.BakongClient, FakeAdapter]:
    transport = http.HttpClient(http.ClientConfig("bakong-fake", retries=0))
    adapter = FakeAdapter(handler)
    transport.session.mount("https://", adapter)
    config = bakong.BakongConfig(base_url="https://api-bakong.example", token="secret-token-value")
    return bakong.BakongClient(config, http_client=transport), adapter


def _envelope(code, error=None, data=None, message="m"):
    return json.dumps({"responseCode": code, "responseMessage": message, "errorCode": error, "data": data})


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("outcome", "error"),
    [
        (requests.ConnectTimeout("slow"), bakong.BakongUnavailable),
        (requests.ReadTimeout("slow"), bakong.BakongUnavailable),
        (requests.ConnectionError("refused"), bakong.BakongUnavailable),
        ((502, "<html>bad gateway</html>"), bakong.BakongUnavailable),
        ((403, "<html>forbidden</html>"), bakong.BakongUnauthorized),
        ((429, "slow down"), bakong.BakongRateLimited),
        ((401, _envelope(1, 6)), bakong.BakongUnauthorized),
        ((200, _envelope(1, 1)), bakong.TransactionNotFound),
        ((200, _envelope(1, 3)), bakong.TransactionFailed),
        ((400, _envelope(1, 5)), bakong.BakongRequestError),
        ((500, _envelope(1, None)), bakong.BakongUnavailable),
        ((200, _envelope(0, None, data=None)), bakong.BakongError),
        ((200, _envelope(0, None, data={"hash": "h", "amount": "lots"})), bakong.BakongError),
    ],
    ids=[
        "connect-timeout",
        "read-timeout",
        "refused",
        "502",
        "403-ip",
        "429",
        "401-token",
        "not-found",
        "failed",
        "missing-fields",
        "500",
        "no-data",
        "bad-amount",
    ],
)
def test_each_failure_is_a_typed_error_without_the_token(outcome, error):
    client, adapter = _fake(lambda request: outcome)
    with pytest.raises(error) as raised:
        client.check_transaction_by_md5("a" * 32)
    assert "secret-token-value" not in str(raised.value)
    sent = adapter.requests[0]
    assert sent.method == "POST" and sent.url == "https://api-bakong.example/v1/check_transaction_by_md5"
    assert sent.headers["Authorization"] == "Bearer secret-token-value"
    assert json.loads(sent.body) == {"md5": "a" * 32}
    assert len(adapter.requests) == 1  # a POST is never resent


@pytest.mark.django_db
def test_the_sample_answer_of_the_nbc_document_is_read():
    sample = {
        "hash": "8465d722d7d5065f2886f0a474a4d34dc6a7855355b611836f7b6111228893e9",
        "fromAccountId": "rieu_dhqj_1984@devb",
        "toAccountId": "bridge_account@devb",
        "currency": "USD",
        "amount": 1.0,
        "description": "testing bakong generator",
    }
    client, _adapter = _fake(lambda request: (200, _envelope(0, data=sample)))
    found = client.check_transaction_by_md5("a" * 32)
    assert found.amount == 1 and found.currency == "USD" and found.hash.startswith("8465d722")


def test_no_token_no_call():
    client = bakong.BakongClient(bakong.BakongConfig(base_url="https://api-bakong.example", token=""))
    with pytest.raises(bakong.BakongUnauthorized):
        client.check_transaction_by_md5("a" * 32)

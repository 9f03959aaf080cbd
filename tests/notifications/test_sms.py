"""The SMS channel against the Twilio-format simulator over real HTTP, E.164 normalisation, and production
refusing the sandboxes' URLs and public credentials."""

from __future__ import annotations

import base64

import pytest
import requests
from django.db import transaction

from notifications import alerts, delivery
from notifications.channels import InvalidDestination, PermanentError, RetryableError, get_channel
from notifications.contrib.sms.client import SmsClient
from notifications.models import OutgoingMessage
from notifications.phones import mask, to_e164
from sandbox.sms import services as simulator
from sandbox.sms.models import SimSmsMessage
from sandbox.sms.testing import use_live_sms
from tests.ops.test_settings import manage_check, production_env


@pytest.fixture
def live_sms(live_server, transactional_db, settings):
    return use_live_sms(settings, live_server.url)


def test_an_sms_goes_out_in_twilio_s_format(live_sms):
    with transaction.atomic():
        message = alerts.send_message(
            channel="sms", destination="012 345 678", text="ពាក្យស្នើសុំរបស់អ្នកត្រូវបានអនុម័ត", dedupe_key="s1"
        )
    assert message.destination == "+85512345678"
    assert delivery.deliver(message.pk).status == "sent"
    message.refresh_from_db()
    received = SimSmsMessage.objects.get()
    assert message.provider_message_id == received.sid and received.sid.startswith("SM")
    assert (received.to, received.sender, received.body) == (
        "+85512345678",
        "ESB-PORTAL",
        "ពាក្យស្នើសុំរបស់អ្នកត្រូវបានអនុម័ត",
    )
    listing = requests.get(f"{live_sms}/messages.json", timeout=5).json()["messages"]
    assert listing[0]["sid"] == received.sid and listing[0]["num_segments"] == "1"
    assert requests.get(f"{live_sms}/", timeout=5).status_code == 200


def test_the_simulator_needs_basic_auth_and_answers_twilio_errors(live_sms):
    url = f"{live_sms}/2010-04-01/Accounts/{simulator.SANDBOX_ACCOUNT_SID}/Messages.json"
    form = {"To": "+85512345678", "From": "ESB", "Body": "hi"}
    denied = requests.post(url, data=form, auth=(simulator.SANDBOX_ACCOUNT_SID, "wrong"), timeout=5)
    assert denied.status_code == 401 and denied.json()["code"] == 20003
    auth = (simulator.SANDBOX_ACCOUNT_SID, simulator.SANDBOX_AUTH_TOKEN)
    invalid = requests.post(url, data={**form, "To": simulator.INVALID_NUMBER}, auth=auth, timeout=5).json()
    assert invalid["code"] == 21211 and invalid["status"] == 400 and invalid["more_info"].endswith("21211")
    created = requests.post(url, data=form, auth=auth, timeout=5)
    assert created.status_code == 201 and created.json()["status"] == "queued"
    header = "Basic " + base64.b64encode(b"AC1:x").decode()
    assert requests.post(url, data=form, headers={"Authorization": header}, timeout=5).status_code == 401


def test_errors_map_to_retryable_or_permanent(live_sms, settings):
    client = SmsClient()
    with pytest.raises(PermanentError, match="21211"):
        client.send(simulator.INVALID_NUMBER, "x")
    with pytest.raises(RetryableError, match="429"):
        client.send(simulator.RATE_LIMITED_NUMBER, "x")
    with pytest.raises(RetryableError, match="500"):
        client.send(simulator.FAILING_NUMBER, "x")
    settings.SMS = {**settings.SMS, "AUTH_TOKEN": "wrong"}
    with pytest.raises(PermanentError, match="401"):
        SmsClient().send("+85512345678", "x")
    assert not SimSmsMessage.objects.exists()


def test_backoff_grows_and_attempts_are_bounded(live_sms):
    with transaction.atomic():
        message = alerts.send_message(
            channel="sms", destination=simulator.FAILING_NUMBER, text="x", dedupe_key="s2"
        )
    delays = []
    for _attempt in range(delivery.MAX_ATTEMPTS):
        OutgoingMessage.objects.filter(pk=message.pk).update(next_attempt_at=None)
        from esb.throttle import clear_all

        clear_all()
        outcome = delivery.deliver(message.pk)
        delays.append(outcome.retry_in)
    assert outcome.status == "failed"
    assert delays[0] >= delivery.BACKOFF_BASE_SECONDS and delays[1] >= 2 * delivery.BACKOFF_BASE_SECONDS
    assert delays[2] > delays[0]
    message.refresh_from_db()
    assert message.state == "failed" and message.attempts == delivery.MAX_ATTEMPTS


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("012 345 678", "+85512345678"),
        ("០១២ ៣៤៥ ៦៧៨", "+85512345678"),
        ("+855 (0)97-765-4321"[:0] + "+855 97 765 4321", "+855977654321"),
        ("855 12 345 678", "+85512345678"),
        ("0085512345678", "+85512345678"),
        ("+66 81 234 5678", "+66812345678"),
    ],
)
def test_phone_numbers_are_normalised_to_e164(raw, e164):
    assert to_e164(raw) == e164
    assert get_channel("sms").normalize_destination(raw) == e164


@pytest.mark.parametrize("raw", ["", "12", "+855 0 12 345 678", "+855 1234", "hello", "+1 (555) ab"])
def test_what_is_not_a_phone_number_is_refused(raw):
    with pytest.raises(InvalidDestination):
        to_e164(raw)


def test_masks_keep_only_the_last_digits():
    assert mask("+85512345678") == "+855 ••• ••• 678"
    assert get_channel("telegram").mask("700100") == "•••100"


def test_production_refuses_the_sandboxes_and_their_public_credentials():
    result = manage_check(
        production_env(
            TELEGRAM_BOT_TOKEN="7000000001:ESB-sandbox-bot-token-public-0000000",
            TELEGRAM_BASE_URL="http://127.0.0.1:8000/sandbox/telegram",
            TELEGRAM_WEBHOOK_SECRET="esb-telegram-sandbox-webhook-secret",
            SMS_BASE_URL="https://portal.example.gov.kh/sandbox/sms",
            SMS_ACCOUNT_SID="AC00000000000000000000000000e5b0",
            SMS_AUTH_TOKEN="esb-sms-sandbox-auth-token",
            SMS_FROM="ESB",
        )
    )
    assert result.returncode != 0
    for problem in (
        "TELEGRAM_BASE_URL must use https:// in production",
        "TELEGRAM_BASE_URL points at the development sandbox",
        "TELEGRAM_BOT_TOKEN is the Telegram sandbox's public token",
        "TELEGRAM_WEBHOOK_SECRET is the Telegram sandbox's public secret",
        "TELEGRAM_BOT_USERNAME must be set",
        "SMS_BASE_URL points at the development sandbox",
        "SMS_ACCOUNT_SID is the SMS sandbox's public account",
        "SMS_AUTH_TOKEN is the SMS sandbox's public token",
    ):
        assert problem in result.stderr, problem


def test_production_starts_without_channels_and_with_real_ones():
    assert manage_check(production_env()).returncode == 0
    result = manage_check(
        production_env(
            TELEGRAM_BOT_TOKEN="7412589630:AAHk3v9Q2mZxR4tWv7pL8nB6cJ0dF5hS1yE",
            TELEGRAM_BOT_USERNAME="esb_portal_bot",
            TELEGRAM_WEBHOOK_SECRET="Q3v9Tz1mK8pL2xR7yN4bW6cJ0dF5hSa9",
            SMS_BASE_URL="https://api.twilio.com",
            SMS_ACCOUNT_SID="AC8f3b2a1c9d8e7f6a5b4c3d2e1f0a9b8c",
            SMS_AUTH_TOKEN="9f8Kq2LmZxR4tWv7pL8nB6cJ0dF5hS1y",
            SMS_FROM="+15005550006",
        )
    )
    assert result.returncode == 0, result.stderr


def test_a_verification_code_is_forgotten_once_sent(live_sms, django_user_model):
    from notifications import optin

    user = django_user_model.objects.create_user(username="code", preferred_language="en")
    optin.start_phone_verification(user, "012345678")
    message = OutgoingMessage.objects.get(purpose="verification")
    code = message.text[:6]
    assert code.isdigit()
    assert delivery.deliver(message.pk).status == "sent"
    assert SimSmsMessage.objects.get().body.startswith(code)  # the person got it
    message.refresh_from_db()
    assert code not in message.text and message.text.startswith("••••••")


def test_the_auth_token_is_never_in_logs_the_outgoing_log_or_errors(live_sms, settings, caplog):
    import logging

    from esb.models import OutgoingRequest

    token = settings.SMS["AUTH_TOKEN"]
    with caplog.at_level(logging.DEBUG):
        with transaction.atomic():
            ok = alerts.send_message(channel="sms", destination="012 345 678", text="ok", dedupe_key="tok1")
        assert delivery.deliver(ok.pk).status == "sent"
        settings.SMS = {**settings.SMS, "AUTH_TOKEN": token + "-wrong"}
        with transaction.atomic():
            refused = alerts.send_message(
                channel="sms", destination="012 345 679", text="no", dedupe_key="tok2"
            )
        assert delivery.deliver(refused.pk).status == "failed"
    refused.refresh_from_db()
    stored = " ".join(str(row.__dict__) for row in OutgoingRequest.objects.all())
    for secret in (token, token + "-wrong"):
        assert secret not in caplog.text and secret not in refused.last_error and secret not in stored

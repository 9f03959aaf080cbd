"""Adversarial checks of the channels: the Telegram webhook under hostile input and floods, text that could
inject formatting or links into Telegram messages, SMS opt-in abuse (foreign/premium numbers, code reuse,
changing the phone mid-verification)."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notifications import optin
from notifications.channels import InvalidDestination, get_channel
from notifications.contrib.telegram import client as telegram_client
from notifications.models import ChannelSubscription, OutgoingMessage, PhoneVerification
from tests.notifications.test_optin import SECRET, _client, _post_update, _sent_code, _update

pytestmark = pytest.mark.django_db

WEBHOOK = "/notifications/telegram/webhook/"


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"\xff\xfe\x00", b"[" * 100000 + b"]" * 100000, b'"a string"', b"[1, 2]", b"null", b"{}"],
)
def test_malformed_or_odd_json_never_gives_a_500(body):
    response = Client().post(WEBHOOK, body, content_type="application/json", **SECRET)
    assert response.status_code in (200, 400)
    assert not OutgoingMessage.objects.exists() and not ChannelSubscription.objects.exists()


@pytest.mark.parametrize(
    "update",
    [
        {"update_id": "1", "message": {}},
        {"update_id": True, "message": {}},
        {"update_id": 5, "message": {"chat": {"id": "700100", "type": "private"}, "text": "/start x"}},
        {"update_id": 6, "message": {"chat": {"id": 1, "type": "private"}, "text": ["/start"]}},
        {"update_id": 7, "my_chat_member": {"chat": {"id": 1}, "new_chat_member": "kicked"}},
        {"update_id": 8, "message": {"chat": {"id": 1, "type": "private"}, "text": "/start " + "A" * 5000}},
    ],
)
def test_ill_typed_updates_are_ignored(update):
    assert _post_update(Client(), update, **SECRET).status_code == 200
    assert not ChannelSubscription.objects.exists()


def test_an_oversized_update_is_refused_with_400(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    body = json.dumps({"update_id": 9, "padding": "x" * 5000})
    response = Client().post(WEBHOOK, body, content_type="application/json", **SECRET)
    assert response.status_code == 400


def test_a_secret_differing_only_in_case_or_length_is_refused(settings):
    secret = settings.TELEGRAM["WEBHOOK_SECRET"]
    for forged in (
        secret.upper() if secret.upper() != secret else secret.lower(),
        secret + "x",
        secret[:-1],
        "é",
    ):
        response = _post_update(
            Client(), _update(10, "/start x"), HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN=forged
        )
        assert response.status_code == 403


def test_a_flood_of_anonymous_posts_gets_429_without_database_writes(settings):
    settings.ESB_THROTTLE_RATES = {"telegram-webhook": "3/m"}
    client = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(3):
        assert _post_update(client, _update(11, "/start x")).status_code == 403
    # the first refusal of a window is one audit row (esb.throttle); the flood after it writes nothing
    assert _post_update(client, _update(12, "/start x")).status_code == 429
    with CaptureQueriesContext(connection) as queries:
        for n in range(50):
            assert _post_update(client, _update(100 + n, "/start x")).status_code == 429
    writes = [
        q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert writes == []


# Telegram text injection ------------------------------------------------------------------------------


def test_telegram_messages_are_plain_text_so_markup_in_names_cannot_inject(monkeypatch):
    """No parse_mode: `<a href>`, `*bold*` or `[link](url)` in a system's name reach the chat as the literal
    characters, and link previews are off."""
    sent: list[dict] = []

    def capture(self, method, payload=None):
        sent.append({"method": method, **(payload or {})})
        return {"message_id": 1}

    monkeypatch.setattr(telegram_client.TelegramClient, "call", capture)
    hostile = (
        'Ministry <a href="https://evil.example">click</a> & *bold* [pay here](https://evil.example) _x_'
    )
    telegram_client.TelegramClient().send_message("42", hostile)
    assert sent == [
        {"method": "sendMessage", "chat_id": "42", "text": hostile, "disable_web_page_preview": True}
    ]
    assert "parse_mode" not in sent[0]


def test_the_bot_token_is_redacted_from_urls_and_errors():
    token_url = "https://api.telegram.org/bot123456:AAE-secret/sendMessage"
    assert "AAE-secret" not in telegram_client.redact(token_url)
    assert "AAE-secret" not in telegram_client.redact(f"error while calling {token_url}: boom")


# SMS opt-in ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "phone", ["+1 900 555 0100", "+44 909 876 5432", "+882 1234 5678", "+66 81 234 5678"]
)
def test_applicants_can_verify_cambodian_numbers_only(make_user, phone):
    """SMS pumping: a script with an account must not make the portal text premium or foreign numbers."""
    user = make_user()
    with pytest.raises(InvalidDestination):
        optin.start_phone_verification(user, phone)
    response = _client(user).post(reverse("notifications:send-code"), {"phone": phone})
    assert response.status_code == 400
    assert not OutgoingMessage.objects.exists() and not PhoneVerification.objects.exists()
    # operators' alert destinations may still be abroad (a minister travelling)
    assert get_channel("sms").normalize_destination(phone).startswith("+")


def test_a_used_code_cannot_be_used_again(make_user):
    user = make_user()
    optin.start_phone_verification(user, "012 345 678")
    code = _sent_code(user)
    optin.confirm_phone(user, code)
    with pytest.raises(optin.OptInError):
        optin.confirm_phone(user, code)


def test_changing_the_phone_mid_verification_voids_the_first_code(make_user):
    user = make_user()
    optin.start_phone_verification(user, "012 345 678")
    first = _sent_code(user)
    optin.start_phone_verification(user, "097 765 4321")
    if first == _sent_code(user):
        pytest.skip("the same six digits twice (one chance in a million)")
    with pytest.raises(optin.OptInError):
        optin.confirm_phone(user, first)
    assert not ChannelSubscription.objects.filter(user=user).exists()

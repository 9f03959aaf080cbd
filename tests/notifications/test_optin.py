"""Applicants' opt-in to SMS and Telegram: the code by SMS (wrong, expired, too many tries, bad input), the
Telegram deep link bound by the webhook (forged secret, replayed update or payload, another person's
payload), turning a channel off, and the copies notify() queues in the person's language."""

from __future__ import annotations

import datetime
import json
import re

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from notifications import optin, services
from notifications.models import ChannelSubscription, OutgoingMessage, PhoneVerification, TelegramLink

pytestmark = pytest.mark.django_db

SECRET = {"HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN": "esb-telegram-sandbox-webhook-secret"}


def _client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the messages below are read in English
    client.force_login(user)
    return client


def _sent_code(user) -> str:
    message = OutgoingMessage.objects.filter(purpose="verification").latest("pk")
    return re.search(r"\b(\d{6})\b", message.text).group(1)


def _update(update_id: int, text: str, chat_id: int = 700100, language: str = "en") -> dict:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "from": {"id": chat_id, "is_bot": False, "first_name": "Dara", "language_code": language},
            "chat": {"id": chat_id, "type": "private", "first_name": "Dara"},
            "date": 1764900000,
            "text": text,
        },
    }


def _post_update(client: Client, update: dict, **headers):
    return client.post(
        reverse("notifications:telegram-webhook"),
        json.dumps(update),
        content_type="application/json",
        **headers,
    )


def _payload(link: str) -> str:
    return link.rsplit("start=", 1)[1]


# SMS ---------------------------------------------------------------------------------------------------


def test_a_phone_is_verified_with_the_code_sent_by_sms(make_user):
    user = make_user(preferred_language="km")
    client = _client(user)
    response = client.post(reverse("notifications:send-code"), {"phone": "012 345 678"})
    assert response.status_code == 302
    message = OutgoingMessage.objects.get(purpose="verification")
    assert message.channel == "sms" and message.destination == "+85512345678"
    assert "ESB" in message.text and message.language == "km"
    verification = PhoneVerification.objects.get(user=user)
    assert _sent_code(user) not in verification.code_hash  # only a keyed hash is kept

    page = client.get(reverse("notifications:settings"))
    assert "+855 ••• ••• 678" in page.content.decode()
    response = client.post(reverse("notifications:confirm-code"), {"code": _sent_code(user)})
    assert response.status_code == 302
    subscription = ChannelSubscription.objects.get(user=user, channel="sms")
    assert subscription.destination == "+85512345678" and subscription.enabled and subscription.verified_at


def test_a_wrong_code_is_refused_and_counted(make_user):
    user = make_user()
    client = _client(user)
    client.post(reverse("notifications:send-code"), {"phone": "+855 97 765 4321"})
    code = _sent_code(user)
    wrong = "000000" if code != "000000" else "111111"
    response = client.post(reverse("notifications:confirm-code"), {"code": wrong})
    assert response.status_code == 400 and "This code is not right" in response.content.decode()
    assert PhoneVerification.objects.get(user=user).attempts == 1
    assert not ChannelSubscription.objects.exists()


def test_too_many_wrong_codes_kill_the_code(make_user):
    user = make_user()
    optin.start_phone_verification(user, "012345678")
    code = _sent_code(user)
    wrong = "000000" if code != "000000" else "111111"
    for _attempt in range(optin.MAX_WRONG_ATTEMPTS):
        with pytest.raises(optin.OptInError):
            optin.confirm_phone(user, wrong)
    with pytest.raises(optin.OptInError, match="Too many wrong codes"):
        optin.confirm_phone(user, code)  # even the right one, now
    assert not ChannelSubscription.objects.exists()


def test_an_expired_code_is_refused(make_user):
    user = make_user()
    verification = optin.start_phone_verification(user, "012345678")
    code = _sent_code(user)
    PhoneVerification.objects.filter(pk=verification.pk).update(expires_at=timezone.now())
    with pytest.raises(optin.OptInError, match="expired"):
        optin.confirm_phone(user, code)


def test_a_new_code_replaces_the_old_one_and_codes_are_per_person(make_user):
    user, other = make_user(), make_user()
    optin.start_phone_verification(user, "012345678")
    first = _sent_code(user)
    optin.start_phone_verification(user, "012345678")
    second = _sent_code(user)
    if first != second:
        with pytest.raises(optin.OptInError):
            optin.confirm_phone(user, first)
    # another person cannot use my code
    with pytest.raises(optin.OptInError, match="no code waiting"):
        optin.confirm_phone(other, second)
    assert optin.confirm_phone(user, second).user == user


@pytest.mark.parametrize("phone", ["", "abc", "123", "+0012", "012 345 678 901 234 567", "<script>"])
def test_a_bad_phone_is_refused_with_a_message_and_nothing_sent(make_user, phone):
    client = _client(make_user())
    response = client.post(reverse("notifications:send-code"), {"phone": phone})
    assert response.status_code == 400
    assert (
        "Enter a mobile phone number" in response.content.decode() or "required" in response.content.decode()
    )
    assert not OutgoingMessage.objects.exists()


def test_sending_codes_is_rate_limited(make_user):
    client = _client(make_user())
    statuses = [
        client.post(reverse("notifications:send-code"), {"phone": "012345678"}).status_code for _ in range(6)
    ]
    assert statuses == [302] * 5 + [429]


def test_the_pages_need_a_login_and_only_post_changes():
    client = Client()
    assert client.get(reverse("notifications:settings")).status_code == 302
    assert client.post(reverse("notifications:send-code"), {"phone": "012345678"}).status_code == 302
    assert not OutgoingMessage.objects.exists()


# Telegram ----------------------------------------------------------------------------------------------


def test_the_deep_link_binds_the_chat_that_pressed_start(make_user):
    user = make_user(preferred_language="en")
    client = _client(user)
    page = client.post(reverse("notifications:telegram-link"), follow=True)
    assert page.status_code == 200
    link = re.search(r'href="([^"]+\?start=[^"]+)"', page.content.decode()).group(1)
    assert "/esb_portal_sandbox_bot?start=" in link
    response = _post_update(Client(), _update(1, f"/start {_payload(link)}"), **SECRET)
    assert response.status_code == 200
    subscription = ChannelSubscription.objects.get(user=user, channel="telegram")
    assert subscription.destination == "700100" and subscription.label == "Dara" and subscription.enabled
    confirmation = OutgoingMessage.objects.get(channel="telegram")
    assert confirmation.destination == "700100" and "notifications in this chat" in confirmation.text


def test_the_deep_link_survives_a_reload_and_goes_once_used_or_expired(make_user):
    """POST/redirect/GET: the POST answers a redirect; the settings page shows the pending link on every
    load (no "resubmit the form?"), and drops it once the link is used, replaced or expired."""
    user = make_user(preferred_language="en")
    client = _client(user)
    response = client.post(reverse("notifications:telegram-link"))
    assert response.status_code == 302 and response["Location"] == reverse("notifications:settings")
    first = client.get(reverse("notifications:settings")).content.decode()
    again = client.get(reverse("notifications:settings")).content.decode()
    link = re.search(r'href="([^"]+\?start=[^"]+)"', first).group(1)
    assert link in again
    # another user's session never shows it
    assert "?start=" not in _client(make_user()).get(reverse("notifications:settings")).content.decode()
    TelegramLink.objects.filter(user=user).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert "?start=" not in client.get(reverse("notifications:settings")).content.decode()
    client.post(reverse("notifications:telegram-link"))
    fresh = re.search(
        r'href="([^"]+\?start=[^"]+)"', client.get(reverse("notifications:settings")).content.decode()
    )
    assert optin.bind_telegram_chat(_payload(fresh.group(1)), "700199", "Dara").status == "bound"
    assert "?start=" not in client.get(reverse("notifications:settings")).content.decode()


def test_a_deep_link_planted_in_the_session_for_someone_else_is_not_shown(make_user):
    victim, attacker = make_user(), make_user()
    their_link = optin.start_telegram_link(attacker)
    assert optin.pending_telegram_link(victim, their_link) == ""
    assert optin.pending_telegram_link(victim, ["not", "a", "string"]) == ""
    assert optin.pending_telegram_link(attacker, their_link) == their_link


@pytest.mark.parametrize("headers", [{}, {"HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN": "guess"}])
def test_a_forged_update_is_refused(make_user, headers):
    link = optin.start_telegram_link(make_user())
    response = _post_update(Client(), _update(2, f"/start {_payload(link)}"), **headers)
    assert response.status_code == 403
    assert not ChannelSubscription.objects.exists()
    assert TelegramLink.objects.get().used_at is None


def test_a_payload_binds_once_and_a_replayed_update_does_nothing(make_user):
    user = make_user()
    payload = _payload(optin.start_telegram_link(user))
    client = Client()
    assert _post_update(client, _update(10, f"/start {payload}"), **SECRET).status_code == 200
    # the same update again (a replay): ignored, however it looks
    assert _post_update(client, _update(10, f"/start {payload}", chat_id=666), **SECRET).status_code == 200
    # the same payload in a new update from another chat: used already
    assert _post_update(client, _update(11, f"/start {payload}", chat_id=666), **SECRET).status_code == 200
    assert ChannelSubscription.objects.get(user=user).destination == "700100"
    # the other chat is told the link no longer works, in its Telegram language
    refusal = OutgoingMessage.objects.get(destination_hash__isnull=False, dedupe_key="telegram-update:11")
    assert refusal.destination == "666" and "no longer works" in refusal.text


def test_an_expired_or_unknown_payload_binds_nothing(make_user):
    user = make_user()
    payload = _payload(optin.start_telegram_link(user))
    TelegramLink.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert optin.bind_telegram_chat(payload, "700100", "Dara").status == "expired"
    assert optin.bind_telegram_chat("x" * 32, "700100", "Dara").status == "unknown"
    _post_update(Client(), _update(20, "/start ../../etc"), **SECRET)
    _post_update(Client(), {"update_id": "1; drop"}, **SECRET)
    _post_update(Client(), _update(21, "hello"), **SECRET)
    assert not ChannelSubscription.objects.exists()


def test_another_persons_payload_binds_that_person_only(make_user):
    mine, theirs = make_user(), make_user()
    my_payload = _payload(optin.start_telegram_link(mine))
    their_payload = _payload(optin.start_telegram_link(theirs))
    _post_update(Client(), _update(30, f"/start {their_payload}", chat_id=800200), **SECRET)
    assert not ChannelSubscription.objects.filter(user=mine).exists()
    assert ChannelSubscription.objects.get(user=theirs).destination == "800200"
    # and my own payload still works for me
    _post_update(Client(), _update(31, f"/start {my_payload}", chat_id=700100), **SECRET)
    assert ChannelSubscription.objects.get(user=mine).destination == "700100"
    # a new link makes my older unused links useless
    old = _payload(optin.start_telegram_link(mine))
    optin.start_telegram_link(mine)
    assert optin.bind_telegram_chat(old, "1", "x").status == "used"


def test_a_group_chat_cannot_bind(make_user):
    payload = _payload(optin.start_telegram_link(make_user()))
    update = _update(40, f"/start {payload}")
    update["message"]["chat"] = {"id": -100200, "type": "group", "title": "Group"}
    _post_update(Client(), update, **SECRET)
    assert not ChannelSubscription.objects.exists()


def test_blocking_the_bot_turns_telegram_off(make_user):
    user = make_user()
    optin.bind_telegram_chat(_payload(optin.start_telegram_link(user)), "700100", "Dara")
    blocked = {
        "update_id": 50,
        "my_chat_member": {
            "chat": {"id": 700100, "type": "private"},
            "new_chat_member": {"status": "kicked", "user": {"id": 1, "is_bot": True}},
        },
    }
    _post_update(Client(), blocked, **SECRET)
    assert not ChannelSubscription.objects.get(user=user).enabled


# Turning off, and the copies of notifications -------------------------------------------------------------


def _subscribe(user, channel: str, destination: str) -> ChannelSubscription:
    return ChannelSubscription.objects.create(
        user=user, channel=channel, destination=destination, verified_at=timezone.now()
    )


def _notify(user, key: str):
    return services.notify(
        user,
        title_km="ពាក្យស្នើសុំរបស់អ្នកត្រូវបានអនុម័ត",
        title_en="Your application was approved",
        url="/applications/abc/",
        dedupe_key=key,
    )


@pytest.mark.parametrize(
    ("language", "title"),
    [("km", "ពាក្យស្នើសុំរបស់អ្នកត្រូវបានអនុម័ត"), ("en", "Your application was approved")],
)
def test_notify_sends_a_copy_on_each_opted_in_channel_in_the_persons_language(make_user, language, title):
    user = make_user(preferred_language=language)
    _subscribe(user, "sms", "+85512345678")
    _subscribe(user, "telegram", "700100")
    with transaction.atomic():
        notification = _notify(user, "app:1:approved")
        _notify(user, "app:1:approved")  # a retry: nothing more
    copies = OutgoingMessage.objects.filter(notification=notification).order_by("channel")
    assert [c.channel for c in copies] == ["sms", "telegram"]
    for copy in copies:
        assert copy.text.startswith(title) and copy.text.endswith("/applications/abc/")
        assert copy.language == language and copy.purpose == "notification"


def test_email_only_by_default_and_a_channel_turned_off_gets_nothing(make_user):
    plain, off = make_user(), make_user()
    _subscribe(off, "sms", "+85512345678")
    client = _client(off)
    assert client.post(reverse("notifications:toggle", args=["sms"]), {"enabled": "0"}).status_code == 302
    _notify(plain, "a")
    _notify(off, "b")
    assert not OutgoingMessage.objects.exists()
    client.post(reverse("notifications:toggle", args=["sms"]), {"enabled": "1"})
    _notify(off, "c")
    assert OutgoingMessage.objects.count() == 1


def test_toggling_needs_a_subscription_of_ones_own(make_user):
    owner, other = make_user(), make_user()
    _subscribe(owner, "sms", "+85512345678")
    client = _client(other)
    assert client.post(reverse("notifications:toggle", args=["sms"]), {"enabled": "0"}).status_code == 404
    assert client.post(reverse("notifications:toggle", args=["email"]), {"enabled": "0"}).status_code == 404
    assert ChannelSubscription.objects.get(user=owner).enabled


def test_the_settings_page_renders_in_khmer(make_user):
    from django.utils import translation

    user = make_user(preferred_language="km")
    _subscribe(user, "telegram", "700100")
    client = _client(user)
    with translation.override("km"):
        page = client.get(reverse("notifications:settings"), HTTP_ACCEPT_LANGUAGE="km")
    assert page.status_code == 200
    assert 'data-testid="telegram-toggle"' in page.content.decode()

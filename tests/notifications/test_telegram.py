"""The Telegram channel against the Bot API simulator over real HTTP: the wire format both ways, the error
mapping (429 with retry_after, 403, unknown chat, 5xx, a wrong token), the token kept out of the logs, and
send_message() from the caller's transaction to the message in the chat."""

from __future__ import annotations

import datetime
import logging

import pytest
import requests
from django.db import transaction
from django.utils import timezone

from esb.models import OutgoingRequest
from esb.outbox.models import OutboxMessage
from esb.throttle import clear_all
from notifications import alerts, delivery
from notifications.channels import PermanentError, RetryableError, get_channel
from notifications.contrib.telegram.client import TelegramClient
from notifications.models import OutgoingMessage
from notifications.tasks import OUTGOING_TOPIC
from sandbox.telegram import services as simulator
from sandbox.telegram.models import SimTelegramChat
from sandbox.telegram.testing import use_live_telegram

CHAT = 100000001


@pytest.fixture
def live_telegram(live_server, transactional_db, settings):
    base = use_live_telegram(settings, live_server.url)
    simulator.ensure_demo_chats()
    return base


def _listing(base: str) -> dict:
    return requests.get(f"{base}/chats.json", timeout=5).json()


def _texts(base: str, chat_id: int) -> list[str]:
    chat = next(c for c in _listing(base)["chats"] if c["id"] == chat_id)
    return [m["text"] for m in chat["messages"] if m["from_bot"]]


def _queue(text="Heartbeat: OBR is down", key="alert:1", destination=str(CHAT)) -> OutgoingMessage:
    with transaction.atomic():
        return alerts.send_message(channel="telegram", destination=destination, text=text, dedupe_key=key)


def test_send_message_queues_in_the_callers_transaction_and_the_task_sends_it(live_telegram):
    message = _queue("ការជូនដំណឹង៖ ប្រព័ន្ធ OBR មិនឆ្លើយតប")
    assert message.state == OutgoingMessage.State.QUEUED
    outbox = OutboxMessage.objects.get(topic=OUTGOING_TOPIC)
    assert outbox.payload == {"message_id": message.pk}

    assert delivery.deliver(message.pk).status == "sent"
    message.refresh_from_db()
    assert message.state == OutgoingMessage.State.SENT and message.attempts == 1
    assert message.provider_message_id.isdigit()
    assert _texts(live_telegram, CHAT) == ["ការជូនដំណឹង៖ ប្រព័ន្ធ OBR មិនឆ្លើយតប"]
    # a second (duplicated) task sends nothing
    assert delivery.deliver(message.pk).status == "already-sent"
    assert len(_texts(live_telegram, CHAT)) == 1


def test_the_destination_is_encrypted_and_the_token_never_logged(live_telegram, caplog):
    caplog.set_level(logging.DEBUG)
    message = _queue()
    delivery.deliver(message.pk)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT destination FROM notifications_outgoingmessage WHERE id = %s", [message.pk])
        assert str(CHAT) not in cursor.fetchone()[0]
    logged = OutgoingRequest.objects.get(service="telegram")
    assert logged.url.endswith("/sandbox/telegram/bot***/sendMessage")
    token = simulator.SANDBOX_TOKEN.split(":")[1]
    assert token not in caplog.text
    assert all(token not in row.url for row in OutgoingRequest.objects.all())


def test_a_second_send_message_with_the_same_key_returns_the_first_row(live_telegram):
    first = _queue(key="incident:9:opened")
    again = _queue(text="other", key="incident:9:opened")
    assert again.pk == first.pk and again.text == first.text
    assert OutgoingMessage.objects.count() == 1
    assert OutboxMessage.objects.filter(topic=OUTGOING_TOPIC).count() == 1


def test_a_rolled_back_caller_leaves_no_message(live_telegram):
    with pytest.raises(RuntimeError), transaction.atomic():
        alerts.send_message(channel="telegram", destination=str(CHAT), text="x", dedupe_key="k")
        raise RuntimeError("the caller's change failed")
    assert not OutgoingMessage.objects.exists() and not OutboxMessage.objects.exists()


def test_bad_input_is_refused_before_anything_is_queued(db):
    with transaction.atomic():
        with pytest.raises(LookupError):
            alerts.send_message(channel="pigeon", destination="1", text="x", dedupe_key="a")
        with pytest.raises(ValueError):
            alerts.send_message(channel="telegram", destination="not a chat", text="x", dedupe_key="b")
        with pytest.raises(ValueError):
            alerts.send_message(channel="telegram", destination="1", text="  ", dedupe_key="c")
        with pytest.raises(ValueError):
            alerts.send_message(channel="telegram", destination="1", text="x", dedupe_key="")
    assert not OutgoingMessage.objects.exists()


def test_429_is_retried_after_the_providers_retry_after(live_telegram):
    SimTelegramChat.objects.filter(chat_id=CHAT).update(fail_with="429", fail_times=1, retry_after=42)
    message = _queue()
    outcome = delivery.deliver(message.pk)
    assert outcome.status == "retry" and outcome.retry_in >= 42
    message.refresh_from_db()
    assert message.state == OutgoingMessage.State.QUEUED and message.attempts == 1
    assert "429" in message.last_error
    retry = OutboxMessage.objects.filter(topic=OUTGOING_TOPIC).order_by("-pk").first()
    assert retry.available_at >= timezone.now() + datetime.timedelta(seconds=40)
    # an early duplicate of the task does not jump the wait
    assert delivery.deliver(message.pk).status == "not-yet"
    OutgoingMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    clear_all()  # the per-chat slot of the first attempt
    assert delivery.deliver(message.pk).status == "sent"
    message.refresh_from_db()
    assert message.attempts == 2 and _texts(live_telegram, CHAT) == [message.text]


@pytest.mark.parametrize(
    ("failure", "chat_id"),
    [("403", CHAT), ("", 555)],  # the person blocked the bot; a chat the bot does not know
)
def test_permanent_refusals_fail_the_message_at_once(live_telegram, failure, chat_id):
    SimTelegramChat.objects.filter(chat_id=CHAT).update(fail_with=failure)
    message = _queue(destination=str(chat_id))
    assert delivery.deliver(message.pk).status == "failed"
    message.refresh_from_db()
    assert message.state == OutgoingMessage.State.FAILED and message.failed_at
    assert OutboxMessage.objects.filter(topic=OUTGOING_TOPIC).count() == 1  # no retry scheduled


def test_client_maps_the_bot_api_errors(live_telegram, settings):
    client = TelegramClient()
    assert client.call("getMe")["username"] == simulator.SANDBOX_BOT_USERNAME
    SimTelegramChat.objects.filter(chat_id=CHAT).update(fail_with="500")
    with pytest.raises(RetryableError) as server_error:
        client.send_message(str(CHAT), "x")
    assert server_error.value.retry_after is None
    settings.TELEGRAM = {**settings.TELEGRAM, "BOT_TOKEN": "123:wrong"}
    with pytest.raises(PermanentError, match="401"):
        TelegramClient().send_message(str(CHAT), "x")
    settings.TELEGRAM = {**settings.TELEGRAM, "BASE_URL": "http://127.0.0.1:9"}
    with pytest.raises(RetryableError, match="could not be reached"):
        TelegramClient().send_message(str(CHAT), "x")


def test_the_simulator_speaks_the_bot_api_envelope(live_telegram):
    base = f"{live_telegram}/bot{simulator.SANDBOX_TOKEN}"
    ok = requests.post(f"{base}/sendMessage", json={"chat_id": CHAT, "text": "hi"}, timeout=5).json()
    assert ok["ok"] is True and ok["result"]["chat"]["id"] == CHAT and ok["result"]["text"] == "hi"
    SimTelegramChat.objects.filter(chat_id=CHAT).update(fail_with="429", retry_after=5)
    limited = requests.post(f"{base}/sendMessage", data={"chat_id": CHAT, "text": "hi"}, timeout=5)
    assert limited.status_code == 429
    assert limited.json() == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 5",
        "parameters": {"retry_after": 5},
    }
    unknown = requests.get(f"{base}/nope", timeout=5)
    assert unknown.status_code == 404 and unknown.json()["ok"] is False
    wrong = requests.get(f"{live_telegram}/bot1:x/getMe", timeout=5)
    assert wrong.status_code == 401 and wrong.json()["description"] == "Unauthorized"


def test_one_message_a_second_per_chat(live_telegram):
    first, second = _queue(key="a"), _queue(key="b")
    assert delivery.deliver(first.pk).status == "sent"
    outcome = delivery.deliver(second.pk)
    assert outcome.status == "throttled" and outcome.retry_in >= 1
    second.refresh_from_db()
    assert second.state == OutgoingMessage.State.QUEUED and second.attempts == 0
    # another chat is not held up
    other = _queue(key="c", destination=str(simulator.DEMO_OPERATORS_CHAT))
    assert delivery.deliver(other.pk).status == "sent"


def test_the_channel_is_registered(settings):
    channel = get_channel("telegram")
    assert channel.normalize_destination(" -1001000000001 ") == "-1001000000001"
    assert channel.check_config() == []
    settings.TELEGRAM = {**settings.TELEGRAM, "WEBHOOK_SECRET": ""}
    assert any("WEBHOOK_SECRET" in problem for problem in channel.check_config())


def test_opt_in_end_to_end_through_the_simulator(live_telegram, settings):
    """The settings page's deep link, Start pressed on the simulator's t.me page, the Update posted to the
    portal's webhook over HTTP, the chat bound, and the confirmation delivered to the chat."""
    import re

    from django.test import Client
    from django.urls import reverse

    from accounts.models import User
    from notifications.models import ChannelSubscription
    from sandbox.demo import seed

    seed()  # the demo step registers the portal's webhook with the simulated bot
    assert requests.get(f"{live_telegram}/", timeout=5).status_code == 200
    user = User.objects.create_user(username="dara", full_name_en="Dara", preferred_language="en")
    client = Client()
    client.force_login(user)
    page = client.post(reverse("notifications:telegram-link"), follow=True).content.decode()
    link = re.search(r'href="([^"]+\?start=[^"]+)"', page).group(1)
    assert link.startswith(f"{live_telegram}/t.me/{simulator.SANDBOX_BOT_USERNAME}?start=")
    session = requests.Session()
    assert session.get(link, timeout=5).status_code == 200
    payload = link.rsplit("start=", 1)[1]
    csrf = session.cookies.get("csrftoken", "")
    pressed = session.post(
        link,
        data={"start": payload, "chat_id": "700300", "name": "Dara", "csrfmiddlewaretoken": csrf},
        headers={"Referer": link},
        timeout=10,
    )
    assert pressed.status_code == 200
    subscription = ChannelSubscription.objects.get(user=user, channel="telegram")
    assert subscription.destination == "700300"
    confirmation = OutgoingMessage.objects.get(destination_hash=subscription.destination_hash)
    assert delivery.deliver(confirmation.pk).status == "sent"
    assert _texts(live_telegram, 700300) == ["You will now receive ESB Portal notifications in this chat."]

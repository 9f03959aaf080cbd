"""A message left "sending" by a crashed worker is marked "unknown" (never resent), and an unexpected error
while sending keeps the bot token out of the row, the log and the back-office."""

from __future__ import annotations

import datetime
import logging

import pytest
from django.db import transaction
from django.utils import timezone

from notifications import alerts, delivery
from notifications.channels import Channel, channels
from notifications.models import OutgoingMessage

pytestmark = pytest.mark.django_db

TOKEN = "123456:AAE-secret-token-never-shown"


class Exploding(Channel):
    min_interval = 0

    def __init__(self) -> None:
        self.calls = 0

    def normalize_destination(self, destination: str) -> str:
        return destination

    def send(self, destination: str, text: str) -> str:
        self.calls += 1
        raise RuntimeError(f"boom at https://api.telegram.org/bot{TOKEN}/sendMessage")


def _queued(key: str) -> OutgoingMessage:
    with transaction.atomic():
        return alerts.send_message(channel="telegram", destination="42", text="hello", dedupe_key=key)


def test_a_message_stuck_in_sending_becomes_unknown_and_is_not_resent(caplog):
    fake = Exploding()
    with channels.override("telegram", fake):
        stuck = _queued("stuck")
        fresh = _queued("fresh")
        long_ago = timezone.now() - delivery.STUCK_AFTER - datetime.timedelta(minutes=1)
        OutgoingMessage.objects.filter(pk=stuck.pk).update(state="sending", claimed_at=long_ago, attempts=1)
        OutgoingMessage.objects.filter(pk=fresh.pk).update(state="sending", claimed_at=timezone.now())
        with caplog.at_level(logging.WARNING, logger="notifications.delivery"):
            assert delivery.resolve_stuck() == 1
        assert delivery.deliver(stuck.pk).status == "already-unknown"
        assert fake.calls == 0
    stuck.refresh_from_db()
    fresh.refresh_from_db()
    assert stuck.state == "unknown" and "not resent" in stuck.last_error and stuck.failed_at
    assert fresh.state == "sending"  # a worker may still be on it
    assert "marked unknown" in caplog.text
    assert delivery.resolve_stuck() == 0  # idempotent


def test_an_unexpected_error_keeps_the_token_out_of_the_row_and_the_log(caplog):
    fake = Exploding()
    with channels.override("telegram", fake), caplog.at_level(logging.DEBUG):
        message = _queued("boom")
        assert delivery.deliver(message.pk).status == "failed"
    message.refresh_from_db()
    assert message.state == "failed" and "RuntimeError" in message.last_error
    assert TOKEN not in message.last_error
    assert TOKEN not in caplog.text


def test_administrators_see_unknown_messages_in_the_back_office(client):
    from accounts import services as accounts_services

    officer = accounts_services.register_officer("OFF-STUCK-1", full_name_en="Officer", by=None)
    accounts_services.assign_role(officer, "system_administrator", None, by=None)
    client.force_login(officer)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    message = _queued("seen")
    OutgoingMessage.objects.filter(pk=message.pk).update(state="unknown", last_error="the worker stopped")
    page = client.get("/backoffice/notifications/outgoingmessage/?state__exact=unknown")
    assert page.status_code == 200
    assert "unknown (worker stopped while sending)" in page.content.decode()

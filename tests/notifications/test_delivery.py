"""Delivery of outgoing messages: at most once when two workers run the same task at the same time, and the
outbox relay handing the message to the task."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import close_old_connections, transaction

from notifications import alerts, delivery
from notifications.channels import Channel, channels


class SlowChannel(Channel):
    """Counts sends and takes its time, so that a second worker arrives while the first is sending."""

    min_interval = 0  # the race under test is the claim, not the rate limit

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.lock = threading.Lock()

    def normalize_destination(self, destination: str) -> str:
        return destination

    def send(self, destination: str, text: str) -> str:
        time.sleep(0.3)
        with self.lock:
            self.sent.append(text)
            return f"id-{len(self.sent)}"


@pytest.mark.django_db(transaction=True)
def test_two_workers_send_a_message_once():
    fake = SlowChannel()
    with channels.override("telegram", fake):
        with transaction.atomic():
            message = alerts.send_message(channel="telegram", destination="1", text="once", dedupe_key="race")
        outcomes: list[str] = []
        barrier = threading.Barrier(2)

        def worker() -> None:
            try:
                barrier.wait()
                outcomes.append(delivery.deliver(message.pk).status)
            finally:
                close_old_connections()

        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert fake.sent == ["once"]
    assert sorted(outcomes) == ["already-claimed", "sent"] or sorted(outcomes) == ["already-sending", "sent"]
    message.refresh_from_db()
    assert message.state == "sent" and message.attempts == 1 and message.provider_message_id == "id-1"


@pytest.mark.django_db
def test_the_outbox_relay_runs_the_delivery_task(settings):
    from esb.outbox import relay

    settings.CELERY_TASK_ALWAYS_EAGER = True  # the relay runs the task inline (Celery reads the setting)
    fake = SlowChannel()
    with channels.override("telegram", fake):
        with transaction.atomic():
            message = alerts.send_message(channel="telegram", destination="1", text="relayed", dedupe_key="r")
        relay.relay()
    message.refresh_from_db()
    assert message.state == "sent" and fake.sent == ["relayed"]

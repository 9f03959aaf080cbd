"""The issue's check, over real HTTP: a simulated member system (sandbox/member) that goes down for three
intervals and recovers gives exactly one "down" and one "recovered" Telegram message at the Bot API
simulator (sandbox/telegram), and its uptime and incident are recorded.

Time is controlled: the dispatcher is driven with the start of each interval (no real waiting); probes,
outbox relay and delivery run as Celery tasks in-process (eager), each over HTTP to the live server."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import requests
from django.utils import timezone

from esb.throttle import clear_all
from monitoring import services, tasks
from monitoring.models import Alert, DailyRollup, Incident, ProbeResult
from notifications.models import OutgoingMessage
from sandbox.telegram import services as telegram_simulator
from sandbox.telegram.testing import use_live_telegram

INTERVAL = 30
GROUP = telegram_simulator.DEMO_OPERATORS_CHAT


@pytest.fixture
def live(live_server, transactional_db, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    base = use_live_telegram(settings, live_server.url)
    telegram_simulator.ensure_demo_chats()
    yield live_server.url, base
    requests.post(f"{live_server.url}/sandbox/member/tourism/state", json={"state": "up"}, timeout=5)


def _switch(server: str, state: str) -> None:
    response = requests.post(f"{server}/sandbox/member/tourism/state", json={"state": state}, timeout=5)
    assert response.status_code == 200 and response.json()["state"] == state


def _bot_texts(telegram_base: str) -> list[str]:
    listing = requests.get(f"{telegram_base}/chats.json", timeout=5).json()
    chat = next(c for c in listing["chats"] if c["id"] == GROUP)
    return [m["text"] for m in chat["messages"] if m["from_bot"]]


def test_three_intervals_down_then_recovery_give_one_down_and_one_recovered_message(live):
    server, telegram = live
    system = services.register_system(
        code="mot-eservice",
        name_en="Ministry of Tourism e-service (sandbox)",
        name_km="សេវាអេឡិចត្រូនិកក្រសួងទេសចរណ៍ (សាកល្បង)",
        kind="ministry",
        probe_url=f"{server}/sandbox/member/tourism/health",
        check_kind="part5_health",
        interval_seconds=INTERVAL,
        timeout_seconds=5,
        slow_ms=2000,
        failures_before_incident=3,
        destinations=[{"channel": "telegram", "address": str(GROUP), "language": "en"}],
    )
    epoch = int(timezone.now().timestamp())
    start = datetime.datetime.fromtimestamp(epoch - epoch % INTERVAL, tz=datetime.UTC)
    plan = ["up", "down", "down", "down", "up", "up"]
    for n, state in enumerate(plan):
        _switch(server, state)
        clear_all()  # the channel's one-message-a-second pacing: intervals here are not 30 real seconds
        beat = start + datetime.timedelta(seconds=INTERVAL * n)
        assert tasks.dispatch(beat) == 1, n
        # a second beat in the same interval, a few seconds later, probes nothing
        assert tasks.dispatch(beat + datetime.timedelta(seconds=5)) == 0, n
        opened = Incident.objects.count()
        assert opened == (1 if n >= 3 else 0), n

    texts = _bot_texts(telegram)
    assert len(texts) == 2, texts
    downs = [t for t in texts if t.startswith("DOWN: Ministry of Tourism e-service (sandbox)")]
    recovered = [t for t in texts if t.startswith("RECOVERED: Ministry of Tourism e-service (sandbox)")]
    assert len(downs) == 1 and len(recovered) == 1, texts
    assert "after about 2 minutes down" in recovered[0]
    assert OutgoingMessage.objects.filter(state="sent").count() == 2
    assert Alert.objects.filter(status="sent").count() == 2

    results = list(ProbeResult.objects.filter(system=system).order_by("slot"))
    assert [r.outcome for r in results] == plan
    assert [r.http_status for r in results] == [200, 503, 503, 503, 200, 200]
    incident = Incident.objects.get()
    assert incident.cause == "http_status" and incident.failed_probes == 3
    assert incident.started_at == start + datetime.timedelta(seconds=INTERVAL)
    assert incident.duration == datetime.timedelta(seconds=3 * INTERVAL)
    system.refresh_from_db()
    assert system.state == "up" and system.consecutive_failures == 0

    services.fold_recent()
    days = DailyRollup.objects.filter(system=system)
    assert sum(d.probes for d in days) == 6 and sum(d.down for d in days) == 3
    if days.count() == 1:  # unless the six slots straddle local midnight
        assert days.get().uptime_percent == Decimal("50.000")

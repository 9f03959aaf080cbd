"""Alerts through the channels' API: one "down" and one "recovered" per incident and destination, in the
destination's language, never twice, and at most ALERTS_PER_HOUR per destination and hour."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from esb.outbox.models import OutboxMessage
from monitoring import services
from monitoring.models import Alert, AlertDestination, Incident
from monitoring.services import alerts
from notifications.models import OutgoingMessage
from tests.monitoring.conftest import DOWN, TIMEOUT, UP, make_system

pytestmark = pytest.mark.django_db

GROUP = "-1001000000001"


@pytest.fixture
def system():
    system = make_system(failures_before_incident=2)
    AlertDestination.objects.create(system=system, channel="telegram", address=GROUP, language="km")
    AlertDestination.objects.create(system=system, channel="sms", address="+85512345678", language="en")
    return system


class Clock:
    """Slots 30 s apart from a fixed start (the probes' own times; alerts use the real clock)."""

    def __init__(self) -> None:
        self.n = 0
        self.start = timezone.now().replace(microsecond=0)

    def feed(self, system, *answers) -> None:
        for answer in answers:
            moment = self.start + datetime.timedelta(seconds=30 * self.n)
            services.record_answer(system.pk, int(moment.timestamp()), answer, checked_at=moment)
            self.n += 1


def _texts(channel: str) -> list[str]:
    return list(OutgoingMessage.objects.filter(channel=channel).order_by("pk").values_list("text", flat=True))


def test_one_down_and_one_recovered_per_destination_in_its_language(system):
    clock = Clock()
    clock.feed(system, UP, DOWN)
    assert not OutgoingMessage.objects.exists()
    clock.feed(system, TIMEOUT, DOWN, DOWN)  # the incident opens at the second failure, stays open
    incident = Incident.objects.get()
    assert incident.cause == "timeout"
    assert len(_texts("telegram")) == 1 and len(_texts("sms")) == 1
    khmer, english = _texts("telegram")[0], _texts("sms")[0]
    assert english.startswith("DOWN: Ministry of Tourism e-service")
    assert "no answer within the timeout" in english
    # the Khmer destination gets the Khmer name (and the Khmer sentence once the catalog has it)
    assert "សេវាអេឡិចត្រូនិកក្រសួងទេសចរណ៍" in khmer and "Ministry of Tourism" not in khmer
    clock.feed(system, UP, UP)
    texts = _texts("sms")
    assert len(texts) == 2 and texts[1].startswith("RECOVERED: Ministry of Tourism e-service")
    assert "about 2 minutes" in texts[1]
    assert len(_texts("telegram")) == 2
    assert Alert.objects.filter(status="sent").count() == 4
    keys = set(OutgoingMessage.objects.values_list("dedupe_key", flat=True))
    assert f"monitoring:incident:{incident.pk}:down:{system.destinations.get(channel='sms').pk}" in keys
    # each message goes to the channel's outbox topic in the same transaction
    assert OutboxMessage.objects.count() == 4


def test_calling_again_sends_nothing_twice(system):
    Clock().feed(system, DOWN, DOWN)
    incident = Incident.objects.get()
    alerts.incident_opened(incident)
    alerts.incident_opened(incident)
    assert OutgoingMessage.objects.count() == 2 and Alert.objects.count() == 2


def test_a_disabled_destination_gets_nothing(system):
    system.destinations.filter(channel="sms").update(enabled=False)
    Clock().feed(system, DOWN, DOWN)
    assert _texts("sms") == [] and len(_texts("telegram")) == 1


def test_a_flapping_system_is_capped_per_hour_and_the_held_down_goes_out_later(system):
    system.failures_before_incident = 1
    system.save()
    clock = Clock()
    for _flap in range(6):
        clock.feed(system, DOWN, UP)
    clock.feed(system, DOWN)  # a 7th incident, still open
    assert Incident.objects.count() == 7
    for channel in ("telegram", "sms"):
        assert len(_texts(channel)) == alerts.ALERTS_PER_HOUR == 4, channel
    # per destination: incidents 1-2 told (4 alerts); 3-6 closed untold (down and recovered skipped: no
    # "recovered" for an incident whose "down" was held back); the open 7th's "down" held back
    assert Alert.objects.filter(status="skipped").count() == 2 * 8
    held = Alert.objects.filter(status="suppressed")
    assert held.count() == 2 and set(held.values_list("kind", flat=True)) == {"down"}
    # an hour later the open incident's held-back "down" goes out, once; closed ones stay quiet
    later = timezone.now() + datetime.timedelta(minutes=61)
    assert alerts.release_held_alerts(later) == 2
    assert alerts.release_held_alerts(later) == 0
    assert len(_texts("sms")) == 5 and _texts("sms")[-1].startswith("DOWN:")


def test_a_destination_the_channel_refuses_is_recorded_and_the_incident_kept(system, monkeypatch):
    from notifications.channels import InvalidDestination

    def refuse(**kwargs):
        raise InvalidDestination("not a chat")

    monkeypatch.setattr("notifications.alerts.send_message", refuse)
    Clock().feed(system, DOWN, DOWN)
    assert Incident.objects.filter(ended_at__isnull=True).count() == 1
    assert set(Alert.objects.values_list("status", flat=True)) == {"failed"}

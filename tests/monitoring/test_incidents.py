"""Probe answers folded into incidents: opened after N failures in a row (started at the first of them),
closed by the first success; results append-only, once per slot; late answers change no state."""

from __future__ import annotations

import datetime

import pytest
from django.db import DatabaseError, transaction

from esb.models import AuditEvent
from monitoring import services
from monitoring.models import Incident, MemberSystem, ProbeResult
from tests.monitoring.conftest import DOWN, SLOW, TIMEOUT, UP, make_system

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2026, 12, 5, 3, 0, 0, tzinfo=datetime.UTC)


def _at(n: int) -> datetime.datetime:
    return T0 + datetime.timedelta(seconds=30 * n)


def _feed(system, answers, start=0):
    for offset, answer in enumerate(answers):
        n = start + offset
        services.record_answer(system.pk, int(_at(n).timestamp()), answer, checked_at=_at(n))
    system.refresh_from_db()
    return system


def test_n_failures_in_a_row_open_one_incident_and_a_success_closes_it():
    system = make_system(failures_before_incident=3)
    _feed(system, [UP, DOWN, TIMEOUT])
    assert not Incident.objects.exists() and system.state == "up" and system.consecutive_failures == 2
    _feed(system, [DOWN, DOWN], start=3)
    incident = Incident.objects.get()
    assert incident.is_open and incident.started_at == _at(1) and incident.cause == "http_status"
    assert incident.failed_probes == 4 and system.state == "down"
    _feed(system, [UP], start=5)
    incident.refresh_from_db()
    assert incident.ended_at == _at(5) and incident.duration == datetime.timedelta(seconds=120)
    assert system.state == "up" and system.consecutive_failures == 0 and system.failing_since is None
    assert AuditEvent.objects.filter(action="monitoring.incident_opened").count() == 1
    assert AuditEvent.objects.filter(action="monitoring.incident_closed").count() == 1


def test_interrupted_failures_open_nothing_and_slow_counts_as_an_answer():
    system = make_system(failures_before_incident=3)
    _feed(system, [DOWN, DOWN, SLOW, DOWN, DOWN, UP])
    assert not Incident.objects.exists()
    assert system.state == "up"
    _feed(system, [SLOW], start=6)
    assert system.state == "slow"


def test_a_repeated_slot_is_recorded_once():
    system = make_system()
    slot = int(_at(0).timestamp())
    assert services.record_answer(system.pk, slot, DOWN, checked_at=_at(0)) is not None
    assert services.record_answer(system.pk, slot, UP, checked_at=_at(0)) is None
    assert ProbeResult.objects.get().outcome == "down"
    system.refresh_from_db()
    assert system.consecutive_failures == 1


def test_a_late_answer_of_an_older_slot_is_kept_but_changes_no_state():
    system = make_system(failures_before_incident=1)
    _feed(system, [UP], start=5)
    _feed(system, [DOWN], start=2)
    assert ProbeResult.objects.count() == 2
    assert system.state == "up" and not Incident.objects.exists()


def test_a_new_incident_after_recovery_is_a_second_one():
    system = make_system(failures_before_incident=2)
    _feed(system, [DOWN, DOWN, UP, DOWN, DOWN, UP])
    assert Incident.objects.count() == 2 and not Incident.objects.filter(ended_at__isnull=True).exists()


def test_probe_results_are_append_only():
    system = make_system()
    _feed(system, [UP])
    result = ProbeResult.objects.get()
    with pytest.raises(DatabaseError), transaction.atomic():
        ProbeResult.objects.filter(pk=result.pk).update(outcome="down")
    with pytest.raises(DatabaseError), transaction.atomic():
        ProbeResult.objects.filter(pk=result.pk).delete()


def test_an_admin_save_does_not_overwrite_the_running_state():
    from monitoring.services.registry import save_config

    system = make_system(failures_before_incident=1)
    stale = MemberSystem.objects.get(pk=system.pk)
    _feed(system, [DOWN])
    stale.name_en = "Renamed"
    save_config(stale, created=False)
    system.refresh_from_db()
    assert system.name_en == "Renamed" and system.state == "down" and system.consecutive_failures == 1


def test_register_system_validates_like_the_form_and_is_audited():
    from django.core.exceptions import ValidationError

    values = {
        "name_en": "FMIS",
        "name_km": "FMIS",
        "kind": "ministry",
        "probe_url": "https://fmis.mef.gov.kh/health",
        "check_kind": "part5_health",
    }
    with pytest.raises(ValidationError):
        services.register_system(code="fmis", **{**values, "probe_url": "file:///etc/passwd"})
    with pytest.raises(ValidationError):
        services.register_system(code="fmis", **{**values, "interval_seconds": 5})
    with pytest.raises(TypeError):
        services.register_system(code="fmis", **values, state="up")  # running state is not configuration
    system = services.register_system(code="fmis", **values)
    services.register_system(code="fmis", **{**values, "name_en": "FMIS (MEF)"})
    assert MemberSystem.objects.get(pk=system.pk).name_en == "FMIS (MEF)"
    actions = list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))
    assert actions == ["monitoring.system_registered", "monitoring.system_changed"]

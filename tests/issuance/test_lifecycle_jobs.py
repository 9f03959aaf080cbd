# ruff: noqa: F811 - pytest fixtures are imported by name and requested as arguments of the same name
"""The nightly jobs (expiry, reminders) and the verification sync (the outbox handler)."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.utils import timezone

from applications.models import Status
from esb.outbox import registry as outbox_registry
from issuance import lifecycle_tasks
from issuance.models import Licence, LicenceEvent, LicenceStatus
from issuance.services import lifecycle
from issuance.verification import VerificationError, verification_providers
from notifications.models import Notification
from tests.issuance.life_factories import (  # noqa: F401 - fixtures
    RecordingProvider,
    _english,
    applicant,
    business,
    free_service,
    licence,
    owner,
    revoked_licence,
    service,
    status_officer,
    suspended_licence,
    valid_licence,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
PROVIDER_KEY = getattr(settings, "ESB_VERIFICATION", {}).get("PROVIDER", "verify_gov_kh")


def _days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


# --- expiry -------------------------------------------------------------------------------------------------


def test_expiry_moves_licence_and_application_to_expired_once(applicant, service, business):
    lapsed = valid_licence(applicant, service, business, valid_until=_days(-1))
    suspended = suspended_licence(applicant, service, business, valid_until=_days(-3))
    current = valid_licence(applicant, service, business, valid_until=TODAY)  # valid through today

    assert lifecycle.expire_due_licences(TODAY) == 2
    for expired in (lapsed, suspended):
        expired.refresh_from_db()
        assert expired.status == LicenceStatus.EXPIRED
        assert expired.events.filter(kind=LicenceEvent.Kind.EXPIRED).count() == 1
        expired.application.refresh_from_db()
        assert expired.application.status == Status.EXPIRED
        assert expired.application.events.filter(
            to_status=Status.EXPIRED, title_en="Licence expired"
        ).exists()
    assert Licence.objects.get(pk=current.pk).status == LicenceStatus.VALID

    # Run again (or twice the same night): nothing more happens.
    assert lifecycle.expire_due_licences(TODAY) == 0
    assert LicenceEvent.objects.filter(kind=LicenceEvent.Kind.EXPIRED).count() == 2
    from esb.outbox.models import OutboxMessage

    assert OutboxMessage.objects.filter(topic=lifecycle.SYNC_TOPIC).count() == 2


def test_expiry_leaves_revoked_licences_alone(applicant, service, business):
    revoked = revoked_licence(applicant, service, business, valid_until=_days(-5))
    assert lifecycle.expire_due_licences(TODAY) == 0
    assert Licence.objects.get(pk=revoked.pk).status == LicenceStatus.REVOKED


# --- reminders ----------------------------------------------------------------------------------------------


def _reminders(licence: Licence) -> list[LicenceEvent]:
    return list(licence.events.filter(kind=LicenceEvent.Kind.REMINDED))


def test_reminders_at_60_and_30_days_once_each(applicant, service, business):
    licence = valid_licence(applicant, service, business, valid_until=_days(60))
    assert lifecycle.send_expiry_reminders(_days(-1)) == 0  # 61 days left: too early
    assert lifecycle.send_expiry_reminders(TODAY) == 1
    assert lifecycle.send_expiry_reminders(TODAY) == 0  # the job ran twice
    assert lifecycle.send_expiry_reminders(_days(1)) == 0  # 59 days left: already reminded
    licence.refresh_from_db()
    assert licence.reminded_days == [60]
    assert lifecycle.send_expiry_reminders(_days(30)) == 1
    assert lifecycle.send_expiry_reminders(_days(31)) == 0
    licence.refresh_from_db()
    assert licence.reminded_days == [60, 30]
    assert [e.detail["days"] for e in _reminders(licence)] == [60, 30]
    notes = Notification.objects.filter(user=applicant, title_en="Your licence expires soon")
    assert notes.count() == 2
    assert _days(60).isoformat() in notes.first().body_en


def test_a_licence_first_seen_at_29_days_gets_the_30_day_reminder_only(applicant, service, business):
    licence = valid_licence(applicant, service, business, valid_until=_days(29))
    assert lifecycle.send_expiry_reminders(TODAY) == 1
    assert lifecycle.send_expiry_reminders(_days(1)) == 0
    licence.refresh_from_db()
    assert sorted(licence.reminded_days) == [30, 60]
    assert [e.detail["days"] for e in _reminders(licence)] == [30]


def test_no_reminder_for_suspended_expired_or_open_ended_licences(applicant, service, business):
    suspended_licence(applicant, service, business, valid_until=_days(20))
    valid_licence(applicant, service, business, valid_until=_days(-2))
    open_ended = valid_licence(applicant, service, business)
    Licence.objects.filter(pk=open_ended.pk).update(valid_until=None)
    assert lifecycle.send_expiry_reminders(TODAY) == 0


def test_the_daily_task_runs_all_three_and_is_in_the_beat_schedule(applicant, service, business):
    valid_licence(applicant, service, business, valid_until=_days(-1))
    valid_licence(applicant, service, business, valid_until=_days(45))
    with verification_providers.override(PROVIDER_KEY, RecordingProvider()) as provider:
        report = lifecycle_tasks.daily_lifecycle.run(TODAY.isoformat())
    assert report == {"expired": 1, "reminded": 1, "resynced": 1}
    assert [status for _id, status, _r in provider.calls] == ["EXPIRED"]
    entry = settings.CELERY_BEAT_SCHEDULE["licence-lifecycle"]
    assert entry["task"] == lifecycle_tasks.daily_lifecycle.name


# --- the verification sync ---------------------------------------------------------------------------------


def test_the_outbox_topic_is_handled_by_the_sync_task():
    assert outbox_registry.get(lifecycle.SYNC_TOPIC).task == lifecycle_tasks.sync_verification.name


def test_sync_tells_the_provider_once(licence, status_officer):
    lifecycle.revoke(licence, status_officer, "Fraudulent declaration.")
    with verification_providers.override(PROVIDER_KEY, RecordingProvider()) as provider:
        assert lifecycle_tasks.sync_verification.run(licence.pk) == "sent"
        assert lifecycle_tasks.sync_verification.run(licence.pk) == "unchanged"  # a replayed message
    # The public page gets the fixed wording, never the officer's text (kept for the holder and officers).
    assert provider.calls == [
        (licence.verification_id, "REVOKED", lifecycle.PUBLIC_REASONS[LicenceStatus.REVOKED])
    ]
    assert Licence.objects.get(pk=licence.pk).verification_status == LicenceStatus.REVOKED
    assert licence.events.get(kind="REVOKED").reason == "Fraudulent declaration."


def test_the_provider_never_receives_the_officers_text(licence, status_officer):
    secret = "Inspector Sok found forged tax receipts; case file 2026/17."
    lifecycle.suspend(licence, status_officer, secret)
    with verification_providers.override(PROVIDER_KEY, RecordingProvider()) as provider:
        lifecycle_tasks.sync_verification.run(licence.pk)
        lifecycle.reinstate(licence, status_officer, f"Cleared. {secret}")
        lifecycle_tasks.sync_verification.run(licence.pk)
        lifecycle.revoke(licence, status_officer, f"Revoked. {secret}")
        lifecycle_tasks.sync_verification.run(licence.pk)
    assert [(status, reason) for _id, status, reason in provider.calls] == [
        ("SUSPENDED", lifecycle.PUBLIC_REASONS[LicenceStatus.SUSPENDED]),
        ("VALID", ""),
        ("REVOKED", lifecycle.PUBLIC_REASONS[LicenceStatus.REVOKED]),
    ]
    assert all("Sok" not in reason for _id, _status, reason in provider.calls)
    assert "Revoked by the issuing institution" in lifecycle.PUBLIC_REASONS[LicenceStatus.REVOKED]


def test_the_relay_delivers_the_sync_to_the_provider(licence, status_officer, settings):
    from esb.outbox import relay

    settings.CELERY_TASK_ALWAYS_EAGER = True
    lifecycle.suspend(licence, status_officer, "Inspection pending.")
    with verification_providers.override(PROVIDER_KEY, RecordingProvider()) as provider:
        relay.relay()
    assert provider.calls == [
        (licence.verification_id, "SUSPENDED", lifecycle.PUBLIC_REASONS[LicenceStatus.SUSPENDED])
    ]
    assert Licence.objects.get(pk=licence.pk).verification_status == LicenceStatus.SUSPENDED


def test_a_provider_failure_raises_for_retry_and_keeps_the_lag_visible(licence, status_officer):
    lifecycle.suspend(licence, status_officer, "Inspection pending.")
    with verification_providers.override(PROVIDER_KEY, RecordingProvider(fail=True)):
        with pytest.raises(VerificationError):
            lifecycle.sync_verification(licence.pk)
        assert lifecycle.resync_verification() == 0
    assert Licence.objects.get(pk=licence.pk).verification_status == LicenceStatus.VALID
    assert VerificationError in lifecycle_tasks.sync_verification.autoretry_for
    # The provider is back: the daily safety net pushes what it missed.
    with verification_providers.override(PROVIDER_KEY, RecordingProvider()) as provider:
        assert lifecycle.resync_verification() == 1
    assert provider.calls[0][1] == "SUSPENDED"


def test_sync_skips_a_licence_not_yet_registered(licence):
    Licence.objects.filter(pk=licence.pk).update(verification_id="")
    with verification_providers.override(PROVIDER_KEY, RecordingProvider()) as provider:
        assert lifecycle.sync_verification(licence.pk) == "skipped"
        assert lifecycle.sync_verification(999999) == "skipped"
    assert provider.calls == []


def test_one_licence_that_cannot_expire_does_not_stop_the_others(applicant, service, business, monkeypatch):
    broken = valid_licence(applicant, service, business, valid_until=_days(-1))
    fine = valid_licence(applicant, service, business, valid_until=_days(-1))
    real_expire = lifecycle._expire

    def expire(locked):
        if locked.pk == broken.pk:
            raise RuntimeError("database hiccup")
        real_expire(locked)

    monkeypatch.setattr(lifecycle, "_expire", expire)
    assert lifecycle.expire_due_licences(TODAY) == 1
    assert Licence.objects.get(pk=fine.pk).status == LicenceStatus.EXPIRED
    broken.refresh_from_db()
    assert broken.status == LicenceStatus.VALID and not broken.events.filter(kind="EXPIRED").exists()
    monkeypatch.setattr(lifecycle, "_expire", real_expire)
    assert lifecycle.expire_due_licences(TODAY) == 1  # the next run takes it


class MovingProvider(RecordingProvider):
    """Another officer revokes the licence while the provider is told it is suspended."""

    def __init__(self, licence: Licence, officer) -> None:
        super().__init__()
        self.licence, self.officer = licence, officer

    def set_status(self, record_id, status, *, reason=""):
        state = super().set_status(record_id, status, reason=reason)
        if len(self.calls) == 1:
            lifecycle.revoke(self.licence, self.officer, "Fraudulent declaration.")
        return state


def test_a_status_that_moves_during_the_push_is_sent_too(licence, status_officer):
    lifecycle.suspend(licence, status_officer, "Inspection pending.")
    with verification_providers.override(PROVIDER_KEY, MovingProvider(licence, status_officer)) as provider:
        assert lifecycle.sync_verification(licence.pk) == "sent"
    assert [status for _id, status, _r in provider.calls] == ["SUSPENDED", "REVOKED"]
    assert Licence.objects.get(pk=licence.pk).verification_status == LicenceStatus.REVOKED

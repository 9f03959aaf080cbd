# ruff: noqa: F811 - pytest fixtures are imported by name and requested as arguments of the same name
"""Suspend, reinstate, revoke: who may, with what, and what follows (history, audit, outbox, notification)."""

from __future__ import annotations

import pytest
from django.db import transaction

from esb.models import AuditEvent
from esb.outbox.models import OutboxMessage
from issuance.models import Licence, LicenceEvent, LicenceStatus
from issuance.services import lifecycle
from issuance.services.history import LicenceError
from notifications.models import Notification
from tests.issuance.life_factories import (  # noqa: F401 - fixtures
    _english,
    applicant,
    business,
    foreign_officer,
    free_service,
    licence,
    owner,
    revoked_licence,
    service,
    status_officer,
    suspended_licence,
    viewing_officer,
)

pytestmark = pytest.mark.django_db(transaction=False)


def test_suspend_moves_the_licence_with_event_audit_sync_and_notification(licence, status_officer, applicant):
    lifecycle.suspend(licence, status_officer, "Inspection found no fire exit.")
    licence.refresh_from_db()
    assert licence.status == LicenceStatus.SUSPENDED
    event = licence.events.get(kind=LicenceEvent.Kind.SUSPENDED)
    assert (event.from_status, event.to_status, event.actor) == ("VALID", "SUSPENDED", status_officer)
    assert event.reason == "Inspection found no fire exit."
    assert AuditEvent.objects.filter(action="licence.suspended", object_id=str(licence.pk)).exists()
    message = OutboxMessage.objects.get(topic=lifecycle.SYNC_TOPIC)
    assert message.payload == {"licence_id": licence.pk}
    note = Notification.objects.get(user=applicant, dedupe_key=f"licence-event:{event.pk}")
    assert note.title_en == "Your licence is suspended"
    assert note.title_km and note.title_km != note.title_en
    assert "Inspection found no fire exit." in note.body_en
    assert note.url == f"/licences/{licence.public_id}/"


def test_reinstate_and_revoke(licence, status_officer):
    lifecycle.suspend(licence, status_officer, "Inspection pending.")
    lifecycle.reinstate(licence, status_officer, "Inspection passed.")
    assert Licence.objects.get(pk=licence.pk).status == LicenceStatus.VALID
    lifecycle.revoke(licence, status_officer, "Fraudulent declaration.")
    licence.refresh_from_db()
    assert licence.status == LicenceStatus.REVOKED
    assert list(licence.events.values_list("kind", flat=True))[-3:] == ["SUSPENDED", "REINSTATED", "REVOKED"]
    assert OutboxMessage.objects.filter(topic=lifecycle.SYNC_TOPIC).count() == 3


def test_revoke_twice_is_refused_and_changes_nothing(licence, status_officer):
    lifecycle.revoke(licence, status_officer, "Fraudulent declaration.")
    events = licence.events.count()
    with pytest.raises(LicenceError) as refused:
        lifecycle.revoke(licence, status_officer, "Fraudulent declaration, again.")
    assert refused.value.code == "transition"
    assert licence.events.count() == events


def test_a_revoked_licence_cannot_be_reinstated(applicant, service, business, status_officer):
    revoked = revoked_licence(applicant, service, business)
    with pytest.raises(LicenceError) as refused:
        lifecycle.reinstate(revoked, status_officer, "Changed our mind.")
    assert refused.value.code == "transition"
    assert Licence.objects.get(pk=revoked.pk).status == LicenceStatus.REVOKED


def test_a_valid_licence_cannot_be_reinstated(licence, status_officer):
    with pytest.raises(LicenceError):
        lifecycle.reinstate(licence, status_officer, "Nothing to reinstate.")


@pytest.mark.parametrize("reason", ["", "   ", "no"])
def test_a_reason_is_required(licence, status_officer, reason):
    with pytest.raises(LicenceError) as refused:
        lifecycle.suspend(licence, status_officer, reason)
    assert refused.value.code == "no_reason"
    assert Licence.objects.get(pk=licence.pk).status == LicenceStatus.VALID


def test_an_officer_without_the_permission_is_refused(licence, viewing_officer):
    with pytest.raises(LicenceError) as refused:
        lifecycle.suspend(licence, viewing_officer, "Inspection pending.")
    assert refused.value.code == "permission"
    assert Licence.objects.get(pk=licence.pk).status == LicenceStatus.VALID


def test_an_officer_of_another_institution_is_refused(licence, foreign_officer):
    assert foreign_officer.has_perm(lifecycle.STATUS_PERMISSION)
    with pytest.raises(LicenceError) as refused:
        lifecycle.revoke(licence, foreign_officer, "Not my licence.")
    assert refused.value.code == "scope"
    assert Licence.objects.get(pk=licence.pk).status == LicenceStatus.VALID


def test_a_stale_form_is_refused_with_the_status_now(licence, status_officer):
    # Two officers opened the page while VALID; the first suspends, the second's revoke form is stale.
    lifecycle.suspend(licence, status_officer, "Inspection pending.", seen_status=LicenceStatus.VALID)
    with pytest.raises(LicenceError) as refused:
        lifecycle.revoke(licence, status_officer, "Fraudulent declaration.", seen_status=LicenceStatus.VALID)
    assert refused.value.code == "stale"
    assert str(LicenceStatus.SUSPENDED.label) in str(refused.value.message)
    assert Licence.objects.get(pk=licence.pk).status == LicenceStatus.SUSPENDED


def test_an_unknown_action_is_refused(licence, status_officer):
    with pytest.raises(LicenceError):
        lifecycle.change_status(licence, status_officer, "delete", "Because.")


def test_a_failed_change_enqueues_and_notifies_nothing(licence, status_officer):
    with pytest.raises(LicenceError):
        lifecycle.reinstate(licence, status_officer, "Nothing to reinstate.")
    assert not OutboxMessage.objects.filter(topic=lifecycle.SYNC_TOPIC).exists()
    assert not Notification.objects.filter(dedupe_key__startswith="licence-event:").exists()


def test_history_events_cannot_be_edited(licence):
    event = licence.events.first()
    with pytest.raises(Exception), transaction.atomic():
        LicenceEvent.objects.filter(pk=event.pk).update(reason="rewritten")


def test_suspended_fixture_is_reinstatable(applicant, service, business, status_officer):
    suspended = suspended_licence(applicant, service, business)
    lifecycle.reinstate(suspended, status_officer, "Inspection passed.")
    assert Licence.objects.get(pk=suspended.pk).status == LicenceStatus.VALID

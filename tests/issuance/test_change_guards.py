"""A renewal or amendment never brings back a licence an officer revoked or suspended, nor one past its end:
the approval is refused with the reason shown to the approving officer (nothing issued), and the chain's last
step holds back a new version whose old one was revoked after the approval. One change at a time per licence,
until its new licence is issued; one renewal per licence."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from applications.models import Status
from applications.services import ApplicationError
from esb.outbox.models import OutboxMessage
from issuance.models import Licence, LicenceChange, LicenceEvent, LicenceStatus
from issuance.services import chain, issuing, lifecycle
from issuance.services.history import LicenceError
from licensing.models import LicenceService
from review.models import ReviewAction
from tests.issuance import factories
from tests.issuance.life_factories import change_service
from tests.review import factories as review_factories

pytestmark = pytest.mark.django_db

RENEWAL, AMENDMENT = LicenceService.Kind.RENEWAL, LicenceService.Kind.AMENDMENT


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _issued(applicant, service, business, team) -> Licence:
    return factories.issued(factories.approved_application(applicant, service, business, team))


def _change_to_approve(applicant, service, business, team, old, kind):
    """A change of `old`, recommended and claimed by the approver: the next action is APPROVE."""
    application = review_factories.recommended(applicant, service, business, team)
    LicenceChange.objects.create(application=application, licence=old, kind=kind)
    review_factories.act(team.approver, application, "claim")
    return application


def _approve(team, application):
    return review_factories.act(
        team.approver,
        application,
        "approve",
        checklist=review_factories.mandatory_items(application),
        message="Approved.",
    )


def _refused(team, application) -> ApplicationError:
    with pytest.raises(ApplicationError) as refused:
        _approve(team, application)
    application.refresh_from_db()
    assert application.status != Status.APPROVED
    assert not Licence.objects.filter(application=application).exists()
    assert not ReviewAction.objects.filter(application=application, action="approve").exists()
    assert refused.value.code == "licence_not_changeable"
    return refused.value


# --- S1: the approval is refused ----------------------------------------------------------------------------


def test_revoked_then_amendment_approved_on_the_screen_is_refused_with_the_reason(
    applicant, service, business, team, provider
):
    old = _issued(applicant, service, business, team)
    application = _change_to_approve(applicant, service, business, team, old, AMENDMENT)
    lifecycle.revoke(old, team.approver, "Fraudulent declaration.")
    messages_before = OutboxMessage.objects.filter(topic=issuing.ISSUE_TOPIC).count()

    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.cookies["django_language"] = "en"
    client.force_login(team.approver)
    application.refresh_from_db()
    response = client.post(
        reverse("review:act", kwargs={"public_id": application.public_id}),
        {
            "action": "approve",
            "version": application.version,
            "checklist": review_factories.mandatory_items(application),
            "message": "Approved.",
        },
    )

    assert response.status_code == 400  # a clear refusal on the screen, not a 500
    html = response.content.decode()
    assert "This amendment cannot be approved" in html and "Reject the application instead." in html
    application.refresh_from_db()
    assert application.status == Status.REVIEWING
    assert not Licence.objects.filter(application=application).exists()
    assert OutboxMessage.objects.filter(topic=issuing.ISSUE_TOPIC).count() == messages_before
    old.refresh_from_db()
    assert (old.status, old.number) == (LicenceStatus.REVOKED, old.number)
    assert Licence.objects.filter(number=old.number).count() == 1


def test_suspended_then_renewal_approval_is_refused(applicant, service, business, team, provider):
    old = _issued(applicant, service, business, team)
    application = _change_to_approve(applicant, service, business, team, old, RENEWAL)
    lifecycle.suspend(old, team.approver, "Inspection pending.")
    refusal = _refused(team, application)
    assert "This renewal cannot be approved" in str(refusal.message)
    assert str(LicenceStatus.SUSPENDED.label) in str(refusal.message)


def test_revoked_then_renewal_approval_is_refused(applicant, service, business, team, provider):
    old = _issued(applicant, service, business, team)
    application = _change_to_approve(applicant, service, business, team, old, RENEWAL)
    lifecycle.revoke(old, team.approver, "Fraudulent declaration.")
    _refused(team, application)


def test_amendment_of_a_licence_past_its_end_is_refused(applicant, service, business, team, provider):
    old = _issued(applicant, service, business, team)
    application = _change_to_approve(applicant, service, business, team, old, AMENDMENT)
    # Its end passed and the daily job has not run yet (still VALID) …
    yesterday = issuing.local_today() - datetime.timedelta(days=1)
    Licence.objects.filter(pk=old.pk).update(valid_until=yesterday)
    refusal = _refused(team, application)
    assert yesterday.isoformat() in str(refusal.message)
    # … or it ran: EXPIRED is not amendable either.
    Licence.objects.filter(pk=old.pk).update(status=LicenceStatus.EXPIRED)
    _refused(team, application)


def test_an_expired_licence_may_still_be_renewed(applicant, service, business, team, provider):
    old = _issued(applicant, service, business, team)
    application = _change_to_approve(applicant, service, business, team, old, RENEWAL)
    Licence.objects.filter(pk=old.pk).update(
        status=LicenceStatus.EXPIRED, valid_until=issuing.local_today() - datetime.timedelta(days=3)
    )
    _approve(team, application)
    assert Licence.objects.get(application=application).status == LicenceStatus.PENDING


# --- S1: the chain's last step ------------------------------------------------------------------------------


def test_revoked_while_the_amendment_is_issued_stays_pending_with_the_reason(
    applicant, service, business, team, provider
):
    old = _issued(applicant, service, business, team)
    application = _change_to_approve(applicant, service, business, team, old, AMENDMENT)
    _approve(team, application)
    new = Licence.objects.get(application=application)
    lifecycle.revoke(old, team.approver, "Fraudulent declaration.")  # after the approval, before activate

    new = chain.run(new.pk)

    assert new.status == LicenceStatus.PENDING
    assert "Held back" in new.issue_error and str(LicenceStatus.REVOKED.label) in new.issue_error
    assert not new.events.filter(kind=LicenceEvent.Kind.ISSUED).exists()
    old.refresh_from_db()
    assert old.status == LicenceStatus.REVOKED  # not superseded, not valid again
    assert Licence.objects.filter(number=old.number, status=LicenceStatus.VALID).count() == 0
    assert chain.activate(new.pk) is False  # a retry holds it back again


def test_suspended_while_the_amendment_is_issued_waits_for_reinstatement(
    applicant, service, business, team, provider
):
    old = _issued(applicant, service, business, team)
    application = _change_to_approve(applicant, service, business, team, old, AMENDMENT)
    _approve(team, application)
    new = Licence.objects.get(application=application)
    lifecycle.suspend(old, team.approver, "Inspection pending.")
    assert chain.run(new.pk).status == LicenceStatus.PENDING

    lifecycle.reinstate(old, team.approver, "Inspection passed.")
    new = chain.run(new.pk)
    old.refresh_from_db()
    assert (new.status, new.issue_error, old.status) == (LicenceStatus.VALID, "", LicenceStatus.SUPERSEDED)


def test_revoked_while_the_renewal_is_issued_stays_pending(applicant, service, business, team, provider):
    old = _issued(applicant, service, business, team)
    application = _change_to_approve(applicant, service, business, team, old, RENEWAL)
    _approve(team, application)
    lifecycle.revoke(old, team.approver, "Fraudulent declaration.")
    new = chain.run(Licence.objects.get(application=application).pk)
    assert new.status == LicenceStatus.PENDING and "Held back" in new.issue_error


def test_lapsed_while_the_amendment_is_issued_stays_pending(applicant, service, business, team, provider):
    old = _issued(applicant, service, business, team)
    application = _change_to_approve(applicant, service, business, team, old, AMENDMENT)
    _approve(team, application)
    Licence.objects.filter(pk=old.pk).update(valid_until=issuing.local_today() - datetime.timedelta(days=1))
    new = chain.run(Licence.objects.get(application=application).pk)
    assert new.status == LicenceStatus.PENDING and "can no longer be changed" in new.issue_error


# --- S2: one change at a time -------------------------------------------------------------------------------


def test_an_approved_amendment_still_being_issued_blocks_a_new_change(
    applicant, service, business, team, provider
):
    change_service(service, RENEWAL)
    change_service(service, AMENDMENT)
    old = _issued(applicant, service, business, team)
    application = _change_to_approve(applicant, service, business, team, old, AMENDMENT)
    _approve(team, application)
    assert Licence.objects.get(application=application).status == LicenceStatus.PENDING
    assert lifecycle.open_change(old).application == application
    for start in (lifecycle.start_amendment, lifecycle.start_renewal):
        with pytest.raises(LicenceError) as refused:
            start(old, applicant)
        assert refused.value.code == "open"


def test_a_second_amendment_approved_is_refused_not_a_server_error(
    applicant, service, business, team, provider
):
    """Two amendments opened before this rule (or by a hand-made row): the second approval is refused."""
    old = _issued(applicant, service, business, team)
    first = _change_to_approve(applicant, service, business, team, old, AMENDMENT)
    second = _change_to_approve(applicant, service, business, team, old, AMENDMENT)
    _approve(team, first)
    refusal = _refused(team, second)
    assert "another amendment of this licence was approved first" in str(refusal.message)
    assert Licence.objects.filter(supersedes=old).count() == 1


def test_a_renewal_issued_closes_renewal_for_that_licence(applicant, service, business, team, provider):
    change_service(service, RENEWAL)
    old = _issued(applicant, service, business, team)
    first = _change_to_approve(applicant, service, business, team, old, RENEWAL)
    second = _change_to_approve(applicant, service, business, team, old, RENEWAL)
    assert lifecycle.may_renew(old) is True
    _approve(team, first)
    new = chain.run(Licence.objects.get(application=first).pk)
    assert new.status == LicenceStatus.VALID
    assert lifecycle.open_change(old) is None or lifecycle.open_change(old).application == second

    assert lifecycle.may_renew(old) is False
    assert lifecycle.may_renew(new) is True  # the next renewal starts from the renewed licence
    refusal = _refused(team, second)
    assert "already renewed" in str(refusal.message)
    assert Licence.objects.filter(valid_from=new.valid_from).count() == 1
    LicenceChange.objects.filter(application=second).delete()
    with pytest.raises(LicenceError) as refused:
        lifecycle.start_renewal(old, applicant)
    assert refused.value.code == "not_renewable"

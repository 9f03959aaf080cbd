# ruff: noqa: F811 - pytest fixtures are imported by name and requested as arguments of the same name
"""Stuck licences in the back-office register: a licence whose issuance stopped (PENDING, `issue_error`) shows
the error in the register and on its page, and an officer who may change licence statuses starts the chain
again ("Try issuing again"); every refusal is tested."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from esb.models import AuditEvent
from esb.outbox.models import OutboxMessage
from issuance.models import Licence, LicenceStatus
from issuance.services import lifecycle
from issuance.services.history import LicenceError
from issuance.services.issuing import ISSUE_TOPIC
from tests.issuance.life_factories import (  # noqa: F401 - fixtures
    _english,
    applicant,
    business,
    foreign_officer,
    free_service,
    licence,
    owner,
    pending_licence,
    service,
    status_officer,
    viewing_officer,
)
from tests.issuance.test_register import REGISTER, as_officer

pytestmark = pytest.mark.django_db

ERROR = "VerificationError: verify.gov.kh answered 503"


@pytest.fixture
def stuck(applicant, service, business):
    """A licence whose chain gave up: still PENDING, the last error kept on it."""
    licence = pending_licence(applicant, service, business)
    Licence.objects.filter(pk=licence.pk).update(issue_error=ERROR)
    # Its first message was relayed long ago (the task ran out of retries).
    OutboxMessage.objects.filter(topic=ISSUE_TOPIC, payload__licence_id=licence.pk).update(
        status=OutboxMessage.Status.DELIVERED, delivered_at=timezone.now()
    )
    licence.refresh_from_db()
    return licence


def _detail(licence) -> str:
    return reverse("issuance-backoffice:detail", kwargs={"public_id": licence.public_id})


def _retry(licence) -> str:
    return reverse("issuance-backoffice:retry_issuance", kwargs={"public_id": licence.public_id})


def _issue_messages(licence) -> int:
    return OutboxMessage.objects.filter(topic=ISSUE_TOPIC, payload__licence_id=licence.pk).count()


def test_the_register_shows_stuck_licences_with_their_error(stuck, licence, viewing_officer):
    client = as_officer(viewing_officer)
    being_issued = client.get(REGISTER, {"status": LicenceStatus.PENDING})
    assert {row.pk for row in being_issued.context["licences"]} == {stuck.pk}
    html = being_issued.content.decode()
    assert 'data-testid="register-issue-error"' in html and ERROR in html
    detail = client.get(_detail(stuck)).content.decode()
    assert 'data-testid="issue-error"' in detail and ERROR in detail
    # Seeing is not retrying: a viewer gets no button.
    assert 'data-testid="do-retry-issuance"' not in detail


def test_an_officer_who_may_change_statuses_starts_the_chain_again(stuck, status_officer):
    client = as_officer(status_officer)
    detail = client.get(_detail(stuck)).content.decode()
    assert 'data-testid="do-retry-issuance"' in detail and ERROR in detail
    before = _issue_messages(stuck)

    response = client.post(_retry(stuck))

    assert response.status_code == 302 and response["Location"] == _detail(stuck)
    assert _issue_messages(stuck) == before + 1
    audit = AuditEvent.objects.get(action="licence.issue_retried", object_id=str(stuck.pk))
    assert audit.actor_id == status_officer.pk and audit.before == {"issue_error": ERROR}
    # A second press while that message waits to be relayed starts no second chain; the error stays shown
    # until the chain succeeds.
    assert client.post(_retry(stuck)).status_code == 302
    assert _issue_messages(stuck) == before + 1
    assert Licence.objects.get(pk=stuck.pk).issue_error == ERROR
    # Once relayed (and the chain stopped again), a later press is a new attempt.
    OutboxMessage.objects.filter(topic=ISSUE_TOPIC, payload__licence_id=stuck.pk).update(
        status=OutboxMessage.Status.DELIVERED, delivered_at=timezone.now()
    )
    assert client.post(_retry(stuck)).status_code == 302
    assert _issue_messages(stuck) == before + 2


def test_a_licence_already_issued_is_not_sent_again(licence, status_officer):
    before = _issue_messages(licence)
    response = as_officer(status_officer).post(_retry(licence))
    assert response.status_code == 409
    assert 'data-testid="retry-error"' in response.content.decode()
    assert _issue_messages(licence) == before
    page = as_officer(status_officer).get(_detail(licence)).content.decode()
    assert 'data-testid="do-retry-issuance"' not in page


def test_an_officer_without_the_status_permission_gets_403(stuck, viewing_officer):
    before = _issue_messages(stuck)
    assert as_officer(viewing_officer).post(_retry(stuck)).status_code == 403
    assert _issue_messages(stuck) == before


def test_an_officer_of_another_institution_gets_404(stuck, foreign_officer):
    before = _issue_messages(stuck)
    assert as_officer(foreign_officer).post(_retry(stuck)).status_code == 404
    assert _issue_messages(stuck) == before


def test_an_unknown_licence_is_404(status_officer):
    missing = reverse("issuance-backoffice:retry_issuance", kwargs={"public_id": uuid.uuid4()})
    assert as_officer(status_officer).post(missing).status_code == 404


def test_only_post_and_only_with_the_csrf_token(stuck, status_officer):
    before = _issue_messages(stuck)
    assert as_officer(status_officer).get(_retry(stuck)).status_code == 405
    forged = Client(enforce_csrf_checks=True)
    forged.force_login(status_officer)
    assert forged.post(_retry(stuck)).status_code == 403
    assert _issue_messages(stuck) == before


def test_applicants_are_sent_to_the_back_office_login(stuck, applicant, client):
    before = _issue_messages(stuck)
    client.force_login(applicant)
    response = client.post(_retry(stuck))
    assert response.status_code == 302 and "/backoffice/login/" in response["Location"]
    assert _issue_messages(stuck) == before


def test_the_service_checks_permission_and_scope_itself(stuck, viewing_officer, foreign_officer):
    """The view's checks are not the only ones: a caller of the service without them is refused too."""
    before = _issue_messages(stuck)
    for officer, code in ((viewing_officer, "permission"), (foreign_officer, "scope")):
        with pytest.raises(LicenceError) as refused:
            lifecycle.retry_issuance(stuck, officer)
        assert refused.value.code == code
    assert _issue_messages(stuck) == before
    assert not AuditEvent.objects.filter(action="licence.issue_retried").exists()

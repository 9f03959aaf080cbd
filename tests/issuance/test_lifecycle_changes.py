# ruff: noqa: F811 - pytest fixtures are imported by name and requested as arguments of the same name
"""Starting a renewal or an amendment: only the holder, only from a status that allows it, one at a time,
prefilled from the licence's application."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from applications import services as application_services
from applications.models import Status
from issuance.models import LicenceChange, LicenceEvent
from issuance.services import lifecycle
from issuance.services.history import LicenceError
from licensing.models import LicenceService
from tests.applications import factories as application_factories
from tests.issuance.life_factories import (  # noqa: F401 - fixtures
    _english,
    applicant,
    applicant_client,
    business,
    change_service,
    expired_licence,
    free_service,
    licence,
    owner,
    revoked_licence,
    service,
    stranger,
    suspended_licence,
)

pytestmark = pytest.mark.django_db

RENEWAL, AMENDMENT = LicenceService.Kind.RENEWAL, LicenceService.Kind.AMENDMENT


def test_renewal_starts_a_prefilled_draft_of_the_renewal_service(licence, applicant, service):
    renewal = change_service(service, RENEWAL)
    started = lifecycle.start_renewal(licence, applicant)
    draft = started.application
    assert (draft.status, draft.service, draft.business_id) == (Status.DRAFT, renewal, licence.business_id)
    # What the registries do not prefill comes from the licence's application.
    assert draft.answers["employees"] == application_factories.ANSWERS["employees"]
    assert draft.answers["activity"] == application_factories.ANSWERS["activity"]
    assert LicenceChange.objects.get(application=draft).licence == licence
    event = licence.events.get(kind=LicenceEvent.Kind.RENEWAL_STARTED)
    assert event.actor == applicant and event.detail["application"] == str(draft.public_id)


def test_amendment_starts_a_draft_of_the_amendment_service(licence, applicant, service):
    amendment = change_service(service, AMENDMENT)
    started = lifecycle.start_amendment(licence, applicant)
    assert started.application.service == amendment
    assert started.change.kind == AMENDMENT
    assert licence.events.filter(kind=LicenceEvent.Kind.AMENDMENT_STARTED).count() == 1


def test_no_renewal_service_is_a_clear_refusal(licence, applicant):
    with pytest.raises(LicenceError) as refused:
        lifecycle.start_renewal(licence, applicant)
    assert refused.value.code == "no_service"
    assert "no renewal service" in str(refused.value.message)
    with pytest.raises(LicenceError) as refused:
        lifecycle.start_amendment(licence, applicant)
    assert "no amendment service" in str(refused.value.message)
    assert not LicenceChange.objects.exists()


def test_a_second_open_change_is_refused(licence, applicant, service):
    change_service(service, RENEWAL)
    change_service(service, AMENDMENT)
    lifecycle.start_renewal(licence, applicant)
    for start in (lifecycle.start_renewal, lifecycle.start_amendment):
        with pytest.raises(LicenceError) as refused:
            start(licence, applicant)
        assert refused.value.code == "open"
    assert LicenceChange.objects.count() == 1


def test_a_discarded_renewal_draft_no_longer_blocks(licence, applicant, service):
    change_service(service, RENEWAL)
    first = lifecycle.start_renewal(licence, applicant)
    application_services.discard_draft(first.application, by=applicant)
    second = lifecycle.start_renewal(licence, applicant)
    assert second.application.pk != first.application.pk


def test_suspended_and_revoked_licences_are_not_renewed_nor_amended(applicant, service, business):
    change_service(service, RENEWAL)
    change_service(service, AMENDMENT)
    for made in (suspended_licence, revoked_licence):
        held = made(applicant, service, business)
        with pytest.raises(LicenceError) as refused:
            lifecycle.start_renewal(held, applicant)
        assert refused.value.code == "not_renewable"
        with pytest.raises(LicenceError) as refused:
            lifecycle.start_amendment(held, applicant)
        assert refused.value.code == "not_amendable"


def test_an_expired_licence_is_renewable_within_the_grace_window_only(applicant, service, business):
    change_service(service, RENEWAL)
    recent = expired_licence(applicant, service, business, days_ago=10)
    assert lifecycle.start_renewal(recent, applicant).change.kind == RENEWAL
    old = expired_licence(applicant, service, business, days_ago=lifecycle.RENEWAL_GRACE_DAYS + 1)
    assert not lifecycle.may_renew(old)
    with pytest.raises(LicenceError) as refused:
        lifecycle.start_renewal(old, applicant)
    assert refused.value.code == "not_renewable"
    today = timezone.localdate()
    assert lifecycle.may_renew(old, today - datetime.timedelta(days=5))


def test_pages_start_a_renewal_for_the_holder_and_404_for_others(
    licence, service, applicant_client, stranger, client
):
    change_service(service, RENEWAL)
    response = applicant_client.post(f"/licences/{licence.public_id}/renew/")
    change = LicenceChange.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/applications/{change.application.public_id}/tasks/"
    # Someone else's licence does not exist for them, and nothing is started.
    client.force_login(stranger)
    assert client.post(f"/licences/{licence.public_id}/renew/").status_code == 404
    assert client.post(f"/licences/{licence.public_id}/amend/").status_code == 404
    assert LicenceChange.objects.count() == 1


def test_the_page_shows_a_refusal_as_a_message(licence, applicant_client):
    response = applicant_client.post(f"/licences/{licence.public_id}/amend/", follow=True)
    assert response.status_code == 200
    assert "no amendment service" in response.content.decode()
    assert not LicenceChange.objects.exists()


def test_renew_is_post_only(licence, service, applicant_client):
    change_service(service, RENEWAL)
    assert applicant_client.get(f"/licences/{licence.public_id}/renew/").status_code == 405
    assert not LicenceChange.objects.exists()


def test_copy_answers_refuses_another_businesss_application_and_keeps_fresh_values(
    licence, applicant, service, stranger
):
    from applications.services import ApplicationError
    from tests.applications.conftest import give_consent

    give_consent(stranger)
    foreign_draft = application_services.start_application(stranger, service)
    with pytest.raises(ApplicationError):
        application_services.copy_answers(foreign_draft, licence.application, stranger)
    # Into the holder's own draft: empty fields are filled, answers already there are kept.
    draft = application_factories.draft(applicant, service, licence.business)
    draft.answers = {**draft.answers, "employees": 99}
    draft.save(update_fields=["answers"])
    copied = application_services.copy_answers(draft, licence.application, applicant)
    assert copied.answers["employees"] == 99
    assert copied.answers["activity"] == application_factories.ANSWERS["activity"]

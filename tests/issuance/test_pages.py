# ruff: noqa: F811 - pytest fixtures are imported by name and requested as arguments of the same name
"""The holder's pages: My licences, one licence, the PDF download, and page 7 (the application's status
page) offering the licence."""

from __future__ import annotations

import pytest

from issuance.models import LicenceEvent, LicenceStatus
from licensing.models import LicenceService
from tests.issuance.life_factories import (  # noqa: F401 - fixtures
    PDF,
    _english,
    applicant,
    applicant_client,
    business,
    change_service,
    expired_licence,
    free_service,
    licence,
    owner,
    pending_licence,
    revoked_licence,
    service,
    stranger,
    suspended_licence,
    valid_licence,
)

pytestmark = pytest.mark.django_db


def _body(response) -> str:
    return response.content.decode()


def test_my_licences_lists_the_holders_licences_only(licence, applicant_client, stranger, client, service):
    response = applicant_client.get("/licences/")
    assert response.status_code == 200
    assert licence.number in _body(response)
    assert "no-store" in response["Cache-Control"]
    # The navigation offers the list.
    assert 'href="/licences/"' in _body(response)
    client.force_login(stranger)
    response = client.get("/licences/")
    assert licence.number not in _body(response)
    assert 'data-testid="licence-list-empty"' in _body(response)


def test_the_pages_need_a_login(licence, client):
    for url in ("/licences/", f"/licences/{licence.public_id}/", f"/licences/{licence.public_id}/download/"):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]


def test_the_licence_page_shows_number_status_validity_and_actions(licence, applicant_client, service):
    change_service(service, LicenceService.Kind.RENEWAL)
    change_service(service, LicenceService.Kind.AMENDMENT)
    body = _body(applicant_client.get(f"/licences/{licence.public_id}/"))
    assert licence.number in body
    assert str(LicenceStatus.VALID.label) in body
    assert licence.holder_name_km in body
    assert f"/licences/{licence.public_id}/download/" in body
    assert 'data-testid="renew"' in body and 'data-testid="amend"' in body


def test_no_renew_or_amend_button_without_the_service(licence, applicant_client):
    body = _body(applicant_client.get(f"/licences/{licence.public_id}/"))
    assert 'data-testid="renew"' not in body and 'data-testid="amend"' not in body


def test_the_holder_sees_reasons_but_not_the_inner_steps_nor_officers(
    applicant, service, business, applicant_client
):
    suspended = suspended_licence(applicant, service, business)
    body = _body(applicant_client.get(f"/licences/{suspended.public_id}/"))
    assert "Inspection pending." in body
    assert 'data-testid="renew"' not in body and 'data-testid="amend"' not in body
    # The inner steps, in the page's language (Khmer by default): their labels must not show.
    for kind in (LicenceEvent.Kind.NUMBERED, LicenceEvent.Kind.REGISTERED, LicenceEvent.Kind.RENDERED):
        assert str(kind.label) not in body


def test_another_users_licence_is_a_404(licence, stranger, client):
    client.force_login(stranger)
    for url in (f"/licences/{licence.public_id}/", f"/licences/{licence.public_id}/download/"):
        assert client.get(url).status_code == 404


def test_download_sends_the_stored_pdf(licence, applicant_client):
    response = applicant_client.get(f"/licences/{licence.public_id}/download/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert (
        "attachment" in response["Content-Disposition"] and licence.number in response["Content-Disposition"]
    )
    assert b"".join(response.streaming_content) == PDF


@pytest.mark.parametrize("made", [suspended_licence, expired_licence])
def test_suspended_and_expired_licences_stay_downloadable(
    made, applicant, service, business, applicant_client
):
    held = made(applicant, service, business)
    assert applicant_client.get(f"/licences/{held.public_id}/download/").status_code == 200


def test_a_pending_licence_is_being_issued_and_not_downloadable(
    applicant, service, business, applicant_client
):
    pending = pending_licence(applicant, service, business)
    assert applicant_client.get(f"/licences/{pending.public_id}/download/").status_code == 404
    body = _body(applicant_client.get(f"/licences/{pending.public_id}/"))
    assert 'data-testid="licence-pending"' in body
    assert "/download/" not in body
    # Page 7 says so too.
    body = _body(applicant_client.get(f"/applications/{pending.application.public_id}/"))
    assert 'data-testid="licence-pending"' in body


def test_a_revoked_licence_or_a_missing_file_is_not_downloadable(
    applicant, service, business, applicant_client
):
    revoked = revoked_licence(applicant, service, business)
    assert applicant_client.get(f"/licences/{revoked.public_id}/download/").status_code == 404
    no_file = valid_licence(applicant, service, business, with_pdf=False)
    assert applicant_client.get(f"/licences/{no_file.public_id}/download/").status_code == 404
    gone = valid_licence(applicant, service, business)
    gone.pdf.storage.delete(gone.pdf.name)
    assert applicant_client.get(f"/licences/{gone.public_id}/download/").status_code == 404


def test_the_application_status_page_offers_the_licence(licence, applicant_client):
    body = _body(applicant_client.get(f"/applications/{licence.application.public_id}/"))
    assert 'data-testid="application-licence"' in body
    assert f"/licences/{licence.public_id}/download/" in body


def test_an_application_without_a_licence_shows_no_licence_section(
    applicant, service, business, applicant_client
):
    from tests.applications.factories import submitted

    application = submitted(applicant, service, business)
    body = _body(applicant_client.get(f"/applications/{application.public_id}/"))
    assert 'data-testid="application-licence"' not in body

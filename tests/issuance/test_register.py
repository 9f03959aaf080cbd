# ruff: noqa: F811 - pytest fixtures are imported by name and requested as arguments of the same name
"""The back-office licence register: scope, search, filters, pages, and the status forms."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import User
from issuance.models import Licence, LicenceStatus
from issuance.views_backoffice import RegisterForm
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
    valid_licence,
    viewing_officer,
)
from tests.licensing.factories import LicenceTypeFactory, publish_valid_form, publish_valid_workflow
from tests.review.factories import officer

pytestmark = pytest.mark.django_db

REGISTER = "/backoffice/licences/"
TODAY = timezone.localdate()


def as_officer(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _numbers(response) -> set[str]:
    return {licence.number for licence in response.context["licences"]}


@pytest.fixture
def licences(applicant, service, business):
    """Three licences of the service's institution and one of another institution."""
    other_type = LicenceTypeFactory(fee_amount=0)
    publish_valid_form(other_type)
    publish_valid_workflow(other_type)
    return {
        "soon": valid_licence(
            applicant,
            service,
            business,
            valid_until=TODAY + datetime.timedelta(days=20),
            holder_km="ហាងកាហ្វេ សុខា",
            holder_en="Sokha Coffee Shop",
            single_id="SID-111",
        ),
        "later": valid_licence(
            applicant,
            service,
            business,
            valid_until=TODAY + datetime.timedelta(days=80),
            holder_km="ភោជនីយដ្ឋាន ចន្ទ",
            holder_en="Chan Restaurant",
            single_id="SID-222",
        ),
        "suspended": suspended_licence(applicant, service, business, holder_en="Dara Pharmacy"),
        "foreign": valid_licence(applicant, other_type, business, holder_en="Foreign Holder"),
    }


def test_officers_see_only_their_institutions_licences(licences, viewing_officer, foreign_officer):
    response = as_officer(viewing_officer).get(REGISTER)
    assert response.status_code == 200
    mine = {licences[k].number for k in ("soon", "later", "suspended")}
    assert _numbers(response) == mine
    assert 'id="page"' in response.content.decode()  # inside the back-office shell
    foreign = as_officer(foreign_officer).get(REGISTER)
    assert _numbers(foreign) == set()
    # A licence of another institution is a 404, whatever the officer's rights.
    detail = reverse("issuance-backoffice:detail", kwargs={"public_id": licences["soon"].public_id})
    assert as_officer(foreign_officer).get(detail).status_code == 404


def test_a_national_administrator_sees_every_licence(licences):
    root = User.objects.create_superuser("root", "root@example.org", "a-long-test-password-1")
    assert _numbers(as_officer(root).get(REGISTER)) == {lic.number for lic in licences.values()}


def test_staff_without_the_view_permission_get_403(service, licences):
    viewer = officer("report_viewer", service.institution)
    assert as_officer(viewer).get(REGISTER).status_code == 403
    detail = reverse("issuance-backoffice:detail", kwargs={"public_id": licences["soon"].public_id})
    assert as_officer(viewer).get(detail).status_code == 403


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("sokha", {"soon"}),  # English name, any case
        ("ភោជនីយដ្ឋាន", {"later"}),  # Khmer name
        ("SID-222", {"later"}),  # Single ID
        ("SID-2", set()),  # a Single ID matches exactly
    ],
)
def test_search(licences, viewing_officer, query, expected):
    response = as_officer(viewing_officer).get(REGISTER, {"q": query})
    assert _numbers(response) == {licences[k].number for k in expected}


def test_search_by_licence_number_prefix(licences, viewing_officer):
    number = licences["later"].number
    assert _numbers(as_officer(viewing_officer).get(REGISTER, {"q": number})) == {number}


def test_filters_by_status_type_and_expiry(licences, viewing_officer, service):
    client = as_officer(viewing_officer)
    assert _numbers(client.get(REGISTER, {"status": "SUSPENDED"})) == {licences["suspended"].number}
    assert _numbers(client.get(REGISTER, {"licence_type": service.pk})) == {
        licences[k].number for k in ("soon", "later", "suspended")
    }
    assert _numbers(client.get(REGISTER, {"expiry": "30"})) == {licences["soon"].number}
    assert _numbers(client.get(REGISTER, {"expiry": "90"})) == {
        licences["soon"].number,
        licences["later"].number,
    }
    Licence.objects.filter(pk=licences["later"].pk).update(valid_until=TODAY - datetime.timedelta(days=1))
    assert _numbers(client.get(REGISTER, {"expiry": "expired"})) == {licences["later"].number}


def test_forged_filters_are_reported_not_applied(licences, viewing_officer):
    response = as_officer(viewing_officer).get(
        REGISTER, {"status": "BOGUS", "expiry": "7", "licence_type": "x"}
    )
    assert response.status_code == 200
    assert 'data-testid="filter-errors"' in response.content.decode()
    assert len(_numbers(response)) == 3


def test_one_bad_filter_keeps_the_others_and_names_the_bad_one(licences, viewing_officer):
    response = as_officer(viewing_officer).get(REGISTER, {"status": "SUSPENDED", "expiry": "7"})
    assert response.status_code == 200
    html = response.content.decode()
    # The valid status filter still applies; only the forged expiry is dropped, and said so.
    assert _numbers(response) == {licences["suspended"].number}
    errors = html.split('data-testid="filter-errors"', 1)[1].split("</div>", 1)[0]
    with translation.override(response.headers.get("Content-Language", "km")):  # the page's language
        expiry, status = (str(RegisterForm.base_fields[name].label) for name in ("expiry", "status"))
    assert expiry in errors and status not in errors


def test_pages_and_htmx_results(licences, viewing_officer, monkeypatch):
    from issuance import views_backoffice

    monkeypatch.setattr(views_backoffice, "PAGE_SIZE", 2)
    client = as_officer(viewing_officer)
    first, second = client.get(REGISTER), client.get(REGISTER, {"page": 2})
    assert len(first.context["licences"]) == 2 and len(second.context["licences"]) == 1
    assert _numbers(first).isdisjoint(_numbers(second))
    partial = client.get(REGISTER, {"q": "sokha"}, HTTP_HX_REQUEST="true")
    assert (
        'id="page"' not in partial.content.decode()
        and 'data-testid="register-table"' in partial.content.decode()
    )


# --- one licence and its status forms -----------------------------------------------------------------------


def _detail(licence: Licence) -> str:
    return reverse("issuance-backoffice:detail", kwargs={"public_id": licence.public_id})


def _act(licence: Licence) -> str:
    return reverse("issuance-backoffice:change_status", kwargs={"public_id": licence.public_id})


def test_the_detail_shows_history_and_the_allowed_actions(licence, status_officer, viewing_officer):
    html = as_officer(status_officer).get(_detail(licence)).content.decode()
    assert licence.number in html and 'data-testid="licence-history"' in html
    assert 'data-testid="do-suspend"' in html and 'data-testid="do-revoke"' in html
    assert 'data-testid="do-reinstate"' not in html
    # Without the permission: no forms, and a post is refused.
    viewer = as_officer(viewing_officer)
    assert 'data-testid="status-actions"' not in viewer.get(_detail(licence)).content.decode()
    post = viewer.post(
        _act(licence), {"action": "suspend", "seen_status": "VALID", "reason": "Inspection pending."}
    )
    assert post.status_code == 403
    assert Licence.objects.get(pk=licence.pk).status == LicenceStatus.VALID


def test_suspend_through_the_form(licence, status_officer):
    client = as_officer(status_officer)
    response = client.post(
        _act(licence), {"action": "suspend", "seen_status": "VALID", "reason": "Inspection pending."}
    )
    assert response.status_code == 302 and response["Location"] == _detail(licence)
    assert Licence.objects.get(pk=licence.pk).status == LicenceStatus.SUSPENDED
    assert 'data-testid="do-reinstate"' in client.get(_detail(licence)).content.decode()


def test_a_missing_reason_shows_the_form_again(licence, status_officer):
    response = as_officer(status_officer).post(
        _act(licence), {"action": "revoke", "seen_status": "VALID", "reason": ""}
    )
    assert response.status_code == 400
    assert Licence.objects.get(pk=licence.pk).status == LicenceStatus.VALID


def test_the_second_officer_of_a_double_action_gets_a_clear_409(licence, status_officer, service):
    other = officer("head_of_office", service.institution)
    first = as_officer(status_officer)
    second = as_officer(other)
    # Both opened the page while the licence was VALID.
    first.post(
        _act(licence), {"action": "revoke", "seen_status": "VALID", "reason": "Fraudulent declaration."}
    )
    response = second.post(
        _act(licence), {"action": "suspend", "seen_status": "VALID", "reason": "Inspection."}
    )
    assert response.status_code == 409
    assert 'data-testid="action-error"' in response.content.decode()
    assert Licence.objects.get(pk=licence.pk).status == LicenceStatus.REVOKED
    assert licence.events.filter(kind="SUSPENDED").count() == 0


def test_an_officer_of_another_institution_cannot_post(licence, foreign_officer):
    response = as_officer(foreign_officer).post(
        _act(licence), {"action": "revoke", "seen_status": "VALID", "reason": "Not mine."}
    )
    assert response.status_code == 404
    assert Licence.objects.get(pk=licence.pk).status == LicenceStatus.VALID


def test_forged_action_is_refused(licence, status_officer):
    response = as_officer(status_officer).post(
        _act(licence), {"action": "delete", "seen_status": "VALID", "reason": "Because I can."}
    )
    assert response.status_code == 400
    assert Licence.objects.get(pk=licence.pk).status == LicenceStatus.VALID


def test_applicants_are_kept_out(licence, applicant, client):
    client.force_login(applicant)
    response = client.get(REGISTER)
    assert response.status_code == 302 and "/backoffice/login/" in response["Location"]


def test_a_national_system_administrator_sees_every_licence_but_changes_none(licences):
    national = officer("system_administrator", None)
    client = as_officer(national)
    assert _numbers(client.get(REGISTER)) == {lic.number for lic in licences.values()}
    foreign = licences["foreign"]
    assert 'data-testid="status-actions"' not in client.get(_detail(foreign)).content.decode()

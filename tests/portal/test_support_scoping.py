"""Support requests (name, e-mail, phone) reach only the help desk of the institution whose service they
concern; requests about no service are national. The attack of issue 9: a reception officer of any
institution could list, open and answer every request."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import OfficerAssignment, Role, User
from portal import selectors, services
from portal.models import SupportRequest
from tests.licensing.factories import DepartmentFactory, FormDefinitionFactory, LicenceTypeFactory

pytestmark = pytest.mark.django_db

LIST_URL = "/backoffice/portal/supportrequest/"


def officer(username, role="reception_officer", institution=None, department=None) -> User:
    user = User.objects.create_user(username=username, full_name_en=username.title(), is_staff=True)
    OfficerAssignment.objects.create(
        user=user, role=Role.objects.get(code=role), institution=institution, department=department
    )
    return user


@pytest.fixture
def world(db):
    """Two institutions' services (one in a department) and a request about each, plus a national one."""
    ours = LicenceTypeFactory(code="OUR-001")
    theirs = LicenceTypeFactory(code="THEIR-001")
    department = DepartmentFactory(institution=ours.institution)
    LicenceTypeFactory(code="OUR-002", institution=ours.institution, department=department)

    def ask(name, service="", **contact):
        return services.create_support_request(name=name, message="Q", service=service, **contact)

    return {
        "our_service": ours,
        "their_service": theirs,
        "ours": ask("Ours", "our-001", phone="012345678"),
        "ours_dept": ask("Dept", "OUR-002"),
        "theirs": ask("Theirs", "THEIR-001", phone="098765432"),
        "national": ask("Nobody", email="n@example.com"),
    }


def _change_url(support_request: SupportRequest) -> str:
    return reverse("admin:portal_supportrequest_change", args=[support_request.pk])


def _answer(client, support_request: SupportRequest):
    return client.post(_change_url(support_request), {"status": "ANSWERED", "answer": "Here is the answer."})


def test_the_service_is_found_from_the_code_or_the_application_reference(world, django_user_model):
    assert world["ours"].licence_type == world["ours"].licence_type
    assert SupportRequest.objects.get(pk=world["ours"].pk).licence_type.code == "OUR-001"
    assert world["national"].licence_type is None
    from applications.models import Application, Status

    applicant = django_user_model.objects.create_user(username="applicant")
    Application.objects.create(
        reference="THEIR-2026-000007",
        licence_type=world["their_service"],
        form_definition=FormDefinitionFactory(licence_type=world["their_service"]),
        applicant=applicant,
        status=Status.SUBMITTED,
        answers={},
    )
    about_application = services.create_support_request(
        name="A", message="Q", application_reference=" their-2026-000007 ", service="OUR-001"
    )
    assert about_application.licence_type == world["their_service"]  # the application wins over the page


def test_the_support_page_carries_the_service_it_was_opened_from(client):
    LicenceTypeFactory(code="OUR-009")
    page = client.get("/help/support/?service=OUR-009")
    assert page.context["form"]["service"].value() == "OUR-009"
    # the page sends it back: the hidden input is in the form
    assert b'type="hidden" name="service" value="OUR-009"' in page.content
    data = {"name": "A", "email": "a@example.com", "topic": "other", "message": "Q", "service": "OUR-009"}
    assert client.post("/help/support/", data).status_code == 200
    assert SupportRequest.objects.get().licence_type.code == "OUR-009"


def test_a_reception_officer_sees_and_answers_only_their_institutions_requests(client, world):
    client.force_login(officer("reception", institution=world["our_service"].institution))
    html = client.get(LIST_URL).content.decode()
    assert world["ours"].reference in html and world["ours_dept"].reference in html
    assert world["theirs"].reference not in html and world["national"].reference not in html

    assert client.get(_change_url(world["ours"])).status_code == 200
    for other in ("theirs", "national"):
        assert client.get(_change_url(world[other])).status_code == 404
        assert client.get(_change_url(world[other]).replace("change/", "history/")).status_code == 404
        assert _answer(client, world[other]).status_code == 404
        world[other].refresh_from_db()
        assert world[other].answer == "" and world[other].status == SupportRequest.Status.NEW
    assert "098765432" not in client.get(_change_url(world["ours"])).content.decode()

    assert _answer(client, world["ours"]).status_code == 302
    world["ours"].refresh_from_db()
    assert world["ours"].status == SupportRequest.Status.ANSWERED


def test_a_department_limited_officer_sees_their_department_and_the_institutions_general_requests(
    client, world
):
    other_department = DepartmentFactory(institution=world["our_service"].institution)
    client.force_login(
        officer("dept", institution=world["our_service"].institution, department=other_department)
    )
    html = client.get(LIST_URL).content.decode()
    assert world["ours"].reference in html  # the service has no department
    assert world["ours_dept"].reference not in html
    assert client.get(_change_url(world["ours_dept"])).status_code == 404


def test_national_requests_are_for_national_roles(client, world):
    client.force_login(officer("sysadmin", role="system_administrator"))
    html = client.get(LIST_URL).content.decode()
    for key in ("ours", "ours_dept", "theirs", "national"):
        assert world[key].reference in html
    assert _answer(client, world["national"]).status_code == 302


def test_the_selector_states_the_same_rule(world):
    reception = officer("reception", institution=world["their_service"].institution)
    assert set(selectors.support_requests_for(reception)) == {world["theirs"]}
    assert not selectors.support_requests_for(User.objects.create_user(username="nobody")).exists()
    national = officer("sysadmin", role="system_administrator")
    assert selectors.support_requests_for(national).count() == 4

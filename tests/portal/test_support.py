"""Support requests: logged in and anonymous, contact required of visitors, readable unique references."""

import re

import pytest
from django.urls import reverse

from esb.crypto import lookup_hash
from esb.models import AuditEvent
from portal import services
from portal.models import SupportRequest

pytestmark = pytest.mark.django_db

URL = "/help/support/"
REFERENCE = re.compile(r"^SR-\d{4}-\d{6}$")


def _post(client, language="en", **data):
    fields = {"name": "Dara", "topic": "payment", "message": "My KHQR payment is not shown.", **data}
    return client.post(URL, fields, HTTP_ACCEPT_LANGUAGE=language)


def test_url_name():
    assert reverse("portal:support") == URL


def test_logged_in_form_is_prefilled_and_request_linked(client, person):
    client.force_login(person)
    page = client.get(URL, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="Sokha Chan"' in html and 'value="sokha@example.com"' in html
    assert "csrfmiddlewaretoken" in html
    # a logged-in person may leave both contact fields empty: we answer in the portal
    response = _post(client, name="Sokha Chan", email="", phone="")
    assert response.status_code == 200
    request = SupportRequest.objects.get()
    assert request.user == person
    assert request.reference in response.content.decode()
    assert "2 working days" in response.content.decode()
    assert AuditEvent.objects.filter(
        action="portal.support_request_created", object_id=str(request.pk)
    ).exists()


def test_anonymous_happy_path_with_phone_encrypted(client):
    response = _post(client, phone="+855 12 345 678", application_reference="MOC-2026-000123")
    assert response.status_code == 200
    request = SupportRequest.objects.get()
    assert request.user is None
    assert request.phone == "+855 12 345 678"
    assert request.phone_hash == lookup_hash("+855 12 345 678")
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM portal_supportrequest WHERE id = %s", [request.pk])
        assert "345" not in cursor.fetchone()[0]
    assert REFERENCE.match(request.reference)
    assert request.reference in response.content.decode()


def test_anonymous_with_email_only(client):
    assert _post(client, email="visitor@example.com").status_code == 200
    assert SupportRequest.objects.get().email == "visitor@example.com"


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "Give an email address or a phone number so that we can answer you."),
        ("km", None),  # checked against the Khmer catalogue below
    ],
)
def test_anonymous_without_contact_gets_an_error_in_their_language(client, language, message):
    response = _post(client, language=language)
    assert response.status_code == 400
    assert not SupportRequest.objects.exists()
    errors = response.context["form"].errors["email"]
    if message:
        assert errors == [message]
    else:
        from django.utils import translation

        with translation.override("km"):
            expected = translation.gettext(
                "Give an email address or a phone number so that we can answer you."
            )
        assert errors == [expected]
        assert 'lang="km"' in response.content.decode()
    html = response.content.decode()
    assert 'href="#id_email"' in html  # error summary links to the field
    assert 'aria-describedby="id_email_help id_email_error"' in html


def test_bad_input_never_500(client):
    for data in (
        {"email": "not-an-email"},
        {"phone": "call me maybe"},
        {"topic": "nonsense", "email": "a@example.com"},
        {"message": "", "email": "a@example.com"},
        {"name": "x" * 500, "email": "a@example.com"},
        {"message": "m" * 6000, "email": "a@example.com"},
    ):
        assert _post(client, **data).status_code == 400, data
    assert not SupportRequest.objects.exists()


def test_references_unique_and_increasing():
    made = [services.create_support_request(name="A", message="Q", email="a@example.com") for _ in range(5)]
    references = [r.reference for r in made]
    assert len(set(references)) == 5
    assert all(REFERENCE.match(ref) for ref in references)
    numbers = [int(ref.rsplit("-", 1)[1]) for ref in references]
    assert numbers == sorted(numbers)


def test_answer_in_backoffice_stamps_and_notifies(client, superuser, person):
    from notifications.models import Notification

    request = services.create_support_request(name="Sokha", message="Help", user=person)
    client.force_login(superuser)
    url = reverse("admin:portal_supportrequest_change", args=[request.pk])
    response = client.post(url, {"status": "ANSWERED", "answer": "Your payment arrived."})
    assert response.status_code == 302, response.content.decode()[:2000]
    request.refresh_from_db()
    assert request.answered_at is not None and request.answer == "Your payment arrived."
    notification = Notification.objects.get(user=person)
    assert request.reference in notification.title_en
    assert AuditEvent.objects.filter(action="admin.change", object_id=str(request.pk)).exists()

"""The back-office list of Telegram and SMS messages: national system administrators only, read-only,
destinations masked, verification codes never shown."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import translation

from accounts import services as accounts_services
from notifications import alerts, optin
from notifications.models import OutgoingMessage
from registry.models import Institution

pytestmark = pytest.mark.django_db

LIST = "/backoffice/notifications/outgoingmessage/"


@pytest.fixture(autouse=True)
def _english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


def _officer(code: str, role: str, institution=None):
    officer = accounts_services.register_officer(code, full_name_en=f"Officer {code}", by=None)
    accounts_services.assign_role(officer, role, institution, by=None)
    return officer


@pytest.fixture
def messages(make_user):
    with transaction.atomic():
        alert = alerts.send_message(
            channel="sms", destination="+85512345678", text="OBR is down", dedupe_key="incident:1"
        )
    optin.start_phone_verification(make_user(), "+85597765432")
    return alert, OutgoingMessage.objects.get(purpose="verification")


def test_a_national_administrator_sees_the_messages_masked(client, messages):
    alert, code = messages
    client.force_login(_officer("OFF-MSG-1", "system_administrator"))
    page = client.get(LIST).content.decode()
    assert "+855 ••• ••• 678" in page and "+85512345678" not in page and "12345678" not in page
    detail = client.get(
        reverse("admin:notifications_outgoingmessage_change", args=[alert.pk])
    ).content.decode()
    assert "OBR is down" in detail and "+85512345678" not in detail
    hidden = client.get(
        reverse("admin:notifications_outgoingmessage_change", args=[code.pk])
    ).content.decode()
    assert "not shown" in hidden and code.text not in hidden
    assert client.get(LIST + "add/").status_code == 403
    assert LIST in client.get(reverse("admin:index")).content.decode()  # the sidebar entry
    assert (
        client.get(reverse("admin:notifications_outgoingmessage_delete", args=[alert.pk])).status_code == 403
    )
    assert (
        client.post(reverse("admin:notifications_outgoingmessage_change", args=[alert.pk]), {}).status_code
        == 403
    )


def test_institution_officers_and_applicants_do_not_see_them(client, messages, make_user):
    moc, _ = Institution.objects.get_or_create(code="MOC", defaults={"name_km": "ក", "name_en": "Commerce"})
    for code, role in (("OFF-MSG-2", "system_administrator"), ("OFF-MSG-3", "reception_officer")):
        client.force_login(_officer(code, role, moc))
        assert client.get(LIST).status_code == 403, role
        # nor a sidebar link that would answer 403 (the admin's own rule, not only the model permission)
        home = client.get(reverse("admin:index"))
        assert home.status_code in (200, 302) and LIST not in home.content.decode(), role
        assert "/backoffice/monitoring/membersystem/" not in home.content.decode(), role
    client.force_login(make_user())
    assert client.get(LIST).status_code == 302  # to the back-office login

"""Issue 9: an officer who logs in through the applicant door must still get the officer session (ends with
the browser), not the applicant's persistent one with back-office rights."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts import services
from tests.accounts.support import login_via_camdigikey, make_profile

pytestmark = pytest.mark.django_db


def test_an_officer_logging_in_through_the_applicant_door_gets_the_officer_session(client, fake_camdigikey):
    services.register_officer("OFF-MOC-009", full_name_en="Chan Vanna", by=None)
    profile = make_profile(camdigikey_id="cdk-officer-9", personal_code="OFF-MOC-009")
    response = login_via_camdigikey(client, fake_camdigikey, profile, audience="applicant", next_url="/")
    assert response.status_code == 302
    assert client.session.get_expire_at_browser_close()  # not an 8-hour persistent cookie
    assert "esb_login_at" in client.session  # and the absolute limit applies
    cookie = client.cookies["sessionid"]
    assert not cookie["expires"] and not cookie["max-age"]


def test_an_applicant_keeps_the_persistent_session(client, fake_camdigikey):
    login_via_camdigikey(client, fake_camdigikey, make_profile(), audience="applicant")
    assert not client.session.get_expire_at_browser_close()


def test_an_auth_token_answering_another_login_is_refused_and_audited(client, fake_camdigikey):
    from esb.models import AuditEvent
    from tests.accounts.support import callback, start

    victim_state = start(Client(HTTP_ACCEPT_LANGUAGE="en"))  # another browser's login: login-N
    victim_login = fake_camdigikey.last_login_id
    state = start(client)  # this browser's login
    fake_camdigikey.auth_logins["victims-token"] = victim_login
    response = callback(client, state, auth_token="victims-token")
    assert response.status_code in (400, 403)
    assert "_auth_user_id" not in client.session
    assert fake_camdigikey.calls_to("get_user_access_token") == []  # never exchanged
    failure = AuditEvent.objects.filter(action="login.failed").latest("id")
    assert failure.after["code"] == "auth_token_foreign"
    assert victim_state != state

"""Issue 9: an officer who logs in through the applicant door must still get the officer session (ends with
the browser), not the applicant's persistent one with back-office rights."""

from __future__ import annotations

import pytest

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

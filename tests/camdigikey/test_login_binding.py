"""Issue 9 attack, over real HTTP to the simulator: an authToken from a login that another browser started
must not log this browser in (victim's unused token + the attacker's own state). Refused and audited; the
victim's own callback still works."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client

from esb.models import AuditEvent
from sandbox.camdigikey.testing import approve_login, query_param

REGISTRY_PERSON = "010234567"


def _start(browser: Client) -> str:
    response = browser.post("/accounts/login/", {"next": "/"})
    assert response.status_code == 302
    return response["Location"]


def _callback(browser: Client, auth_token: str, state: str):
    return browser.get("/accounts/camdigikey/callback/", {"authToken": auth_token, "state": state})


def test_an_auth_token_of_another_browsers_login_is_refused_and_audited(live_sandbox):
    victim, attacker = Client(HTTP_ACCEPT_LANGUAGE="en"), Client(HTTP_ACCEPT_LANGUAGE="en")
    victim_login_url = _start(victim)
    _start(attacker)
    attacker_state = attacker.session["esb_camdigikey_pending"]["state"]

    victim_callback = approve_login(victim_login_url, REGISTRY_PERSON)
    stolen = query_param(victim_callback, "authToken")

    refused = _callback(attacker, stolen, attacker_state)
    assert SESSION_KEY not in attacker.session
    assert refused.status_code in (400, 403)
    failure = AuditEvent.objects.filter(action="login.failed").latest("id")
    assert failure.after["code"] == "auth_token_foreign"

    # the token was not spent on the attacker: the victim's own callback logs the victim in
    parts = urlsplit(victim_callback)
    response = victim.get(parts.path + "?" + parts.query)
    assert response.status_code == 302
    assert SESSION_KEY in victim.session


def test_the_login_token_and_the_auth_token_name_the_same_login(live_sandbox):
    from accounts.camdigikey.client import get_client

    cdk = get_client()
    login = cdk.get_login_token()
    assert login.login_id
    auth_token = query_param(approve_login(login.login_url, REGISTRY_PERSON), "authToken")
    assert cdk.auth_token_login_id(auth_token) == login.login_id
    other = cdk.get_login_token()
    assert other.login_id != login.login_id


pytestmark = pytest.mark.django_db(transaction=True)

"""CamDigiKey login for applicants and officers: state checks, errors, account matching, sessions, logout."""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client

from accounts.camdigikey import errors
from accounts.models import User
from esb.audit import verify_chain
from esb.models import AuditEvent
from tests.accounts.support import callback, login_via_camdigikey, make_profile, query, start

pytestmark = pytest.mark.django_db


def logged_in_user_id(client):
    return client.session.get(SESSION_KEY)


# --- start --------------------------------------------------------------------------------------------------


def test_login_page_explains_camdigikey_and_offers_one_button(client):
    page = client.get("/accounts/login/?next=/somewhere/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Log in with CamDigiKey" in html
    assert 'name="next" value="/somewhere/"' in html
    assert 'method="post"' in html


def test_the_button_redirects_to_camdigikey_with_a_random_state_kept_in_the_session(client, fake_camdigikey):
    response = client.post("/accounts/login/", {"next": "/track/"})
    assert response.status_code == 302
    assert response["Location"].startswith("https://camdigikey.example/auth/login?token=")
    (_args, kwargs) = fake_camdigikey.calls_to("get_login_token")[0]
    state = kwargs["callback_vars"]["state"]
    assert len(state) >= 32
    assert kwargs["success_return_url"].endswith("/accounts/camdigikey/callback/")
    pending = client.session["esb_camdigikey_pending"]
    assert pending["state"] == state and pending["next"] == "/track/"
    # a second start gets another state
    client.post("/accounts/login/", {"next": "/track/"})
    assert client.session["esb_camdigikey_pending"]["state"] != state


@pytest.mark.parametrize("evil", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"])
def test_a_foreign_next_url_is_replaced_by_the_applicant_portal(client, fake_camdigikey, evil):
    client.post("/accounts/login/", {"next": evil})
    assert client.session["esb_camdigikey_pending"]["next"] == "/portal/"
    page = client.get("/accounts/login/", {"next": evil})
    assert evil not in page.content.decode()


def test_camdigikey_unreachable_at_start_shows_a_message_and_starts_nothing(client, fake_camdigikey):
    fake_camdigikey.fail["get_login_token"] = errors.TransportError("timeout")
    response = client.post("/accounts/login/", {"next": "/"})
    assert response.status_code == 503
    assert "could not be reached" in response.content.decode()
    assert "esb_camdigikey_pending" not in client.session
    assert AuditEvent.objects.filter(action="login.failed").exists()


# --- callback: state ----------------------------------------------------------------------------------------


def test_successful_login_creates_the_applicant_and_goes_to_next(client, fake_camdigikey):
    state = start(client, "/track/")
    response = callback(client, state)
    assert response.status_code == 302 and response["Location"] == "/track/"
    user = User.objects.get(camdigikey_id="cdk-0001")
    assert str(user.pk) == logged_in_user_id(client)
    assert user.full_name_en == "Sok Dara" and user.full_name_km == "សុខ ដារ៉ា"
    assert user.personal_code == "010234567" and user.mobile_phone == "012345678"
    assert str(user.date_of_birth) == "1980-03-14" and user.gender == "M"
    assert not user.has_usable_password() and not user.is_staff
    assert user.last_camdigikey_login is not None
    # the access token is kept for logout; the auth token was exchanged with CamDigiKey
    assert client.session["esb_camdigikey_access_token"] == "access-token-for-auth-1"
    assert fake_camdigikey.calls_to("get_user_access_token")[0][0] == ("auth-1",)
    event = AuditEvent.objects.get(action="login.success")
    assert event.actor_id == user.pk and event.after["method"] == "camdigikey"
    assert list(verify_chain()) == []


@pytest.mark.parametrize("sent", [None, "", "not-the-state"])
def test_a_callback_with_a_missing_or_wrong_state_is_refused(client, fake_camdigikey, sent):
    start(client)
    params = {"authToken": "auth-1"}
    if sent is not None:
        params["state"] = sent
    response = client.get("/accounts/camdigikey/callback/", params)
    assert response.status_code == 400
    assert "not started here" in response.content.decode()
    assert logged_in_user_id(client) is None
    assert not User.objects.exists()
    assert fake_camdigikey.calls_to("get_user_access_token") == []  # refused before any exchange
    assert AuditEvent.objects.get(action="login.failed").after["code"] == "state_mismatch"


def test_a_callback_in_a_browser_that_started_no_login_is_refused(client, fake_camdigikey):
    response = client.get("/accounts/camdigikey/callback/", {"authToken": "auth-1", "state": "x" * 43})
    assert response.status_code == 400
    assert logged_in_user_id(client) is None
    assert AuditEvent.objects.get(action="login.failed").after["code"] == "state_missing"


def test_a_replayed_callback_is_refused(client, fake_camdigikey):
    state = start(client)
    assert callback(client, state).status_code == 302
    client.post("/accounts/logout/")
    replay = callback(client, state)
    assert replay.status_code == 400
    assert logged_in_user_id(client) is None
    assert len(fake_camdigikey.calls_to("get_user_access_token")) == 1


def test_a_callback_from_another_browser_is_refused(client, fake_camdigikey):
    state = start(client)
    other = Client()
    response = callback(other, state)
    assert response.status_code == 400
    assert logged_in_user_id(other) is None
    # the original browser can still finish its own login
    assert callback(client, state).status_code == 302


def test_a_callback_long_after_the_start_is_refused(client, fake_camdigikey):
    state = start(client)
    session = client.session
    session["esb_camdigikey_pending"]["started"] -= 3600
    session.save()
    assert callback(client, state).status_code == 400
    assert logged_in_user_id(client) is None


# --- callback: CamDigiKey errors ----------------------------------------------------------------------------

ERROR_CASES = [
    (errors.InvalidCertificateChain, "could not be verified"),
    (errors.InvalidTokenSignature, "could not be verified"),
    (errors.InvalidClientDomain, "could not be verified"),
    (errors.ExpiredAccessToken, "expired or was cancelled"),
    (errors.DisabledAccessToken, "expired or was cancelled"),
    (errors.DecryptPayloadError, "could not be verified"),
    (errors.InvalidAccessTokenType, "could not be verified"),
    (errors.AccessTokenIdEmpty, "could not be verified"),
    (errors.ServerError, "refused the login"),
    (errors.TransportError, "could not be reached"),
]


@pytest.mark.parametrize("stage", ["get_user_access_token", "validate_user_token"])
@pytest.mark.parametrize(("error", "message"), ERROR_CASES, ids=[e.__name__ for e, _m in ERROR_CASES])
def test_every_camdigikey_error_refuses_the_login_with_a_clear_message(
    client, fake_camdigikey, stage, error, message
):
    client.get("/")  # a session exists before the login starts
    state = start(client)
    key_before = client.session.session_key
    fake_camdigikey.fail[stage] = error("internal detail that must not be shown")
    response = callback(client, state)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert "internal detail" not in html
    assert logged_in_user_id(client) is None
    assert client.session.session_key == key_before  # no new session either
    assert "esb_camdigikey_access_token" not in client.session
    assert not User.objects.exists()
    event = AuditEvent.objects.get(action="login.failed")
    assert event.after["code"].startswith(error.__name__)


def test_the_error_callback_shows_a_friendly_page_without_echoing_html(client, fake_camdigikey):
    start(client)
    response = client.get(
        "/accounts/camdigikey/error/",
        {"errorCode": "USER_CANCELLED", "errorMessage": "<script>alert(1)</script> cancelled"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "CamDigiKey did not complete the login." in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html
    assert "esb_camdigikey_pending" not in client.session
    assert AuditEvent.objects.get(action="login.failed").after["code"] == "camdigikey:USER_CANCELLED"


# --- accounts -----------------------------------------------------------------------------------------------


def test_a_pre_registered_officer_is_matched_by_personal_code_at_the_first_login(client, fake_camdigikey):
    from accounts import services

    officer = services.register_officer("OFF-MOC-001", full_name_en="Sok Dara", by=None)
    profile = make_profile(camdigikey_id="cdk-officer-1", personal_code="off-moc-001")  # case/format differ
    response = login_via_camdigikey(
        client, fake_camdigikey, profile, audience="officer", next_url="/backoffice/"
    )
    assert response.status_code == 302 and response["Location"] == "/backoffice/"
    officer.refresh_from_db()
    assert officer.camdigikey_id == "cdk-officer-1"
    assert logged_in_user_id(client) == str(officer.pk)
    assert User.objects.count() == 1
    # officers' sessions end with the browser
    assert client.session.get_expire_at_browser_close()


def test_the_officer_door_refuses_a_person_who_is_not_a_registered_officer(client, fake_camdigikey):
    response = login_via_camdigikey(client, fake_camdigikey, audience="officer", next_url="/backoffice/")
    assert response.status_code == 400
    assert "not registered as an officer" in response.content.decode()
    assert logged_in_user_id(client) is None
    assert not User.objects.exists()
    assert fake_camdigikey.revoked == ["access-token-for-auth-1"]  # the unused CamDigiKey session is ended


def test_a_disabled_account_cannot_log_in(client, fake_camdigikey):
    login_via_camdigikey(client, fake_camdigikey)
    client.post("/accounts/logout/")
    User.objects.update(is_active=False)
    response = login_via_camdigikey(client, fake_camdigikey)
    assert response.status_code == 400
    assert logged_in_user_id(client) is None


def test_the_profile_is_refreshed_at_every_login(client, fake_camdigikey):
    login_via_camdigikey(client, fake_camdigikey)
    client.post("/accounts/logout/")
    changed = make_profile(first_name_en="Daro", mobile_phone="099 888 777", email="new@example.com")
    login_via_camdigikey(client, fake_camdigikey, changed)
    user = User.objects.get()
    assert user.full_name_en == "Sok Daro"
    assert user.mobile_phone == "099 888 777" and user.email == "new@example.com"
    refresh = AuditEvent.objects.get(action="account.profile_refresh")
    assert set(refresh.after) >= {"full_name_en", "mobile_phone", "email"}
    assert refresh.after["mobile_phone"] == "*** (changed)"  # identifiers stay masked in the audit trail


def test_the_session_key_is_rotated_at_login(client, fake_camdigikey):
    client.get("/")
    state = start(client)
    before = client.session.session_key
    callback(client, state)
    assert client.session.session_key != before
    assert logged_in_user_id(client) is not None


# --- logout ------------------------------------------------------------------------------------------------


def test_logout_ends_the_camdigikey_session_and_the_local_one(client, fake_camdigikey):
    login_via_camdigikey(client, fake_camdigikey)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert fake_camdigikey.revoked == ["access-token-for-auth-1"]
    assert logged_in_user_id(client) is None
    assert "esb_camdigikey_access_token" not in client.session
    assert AuditEvent.objects.get(action="logout").after == {"camdigikey_token_revoked": True}


def test_logout_still_happens_locally_when_camdigikey_fails(client, fake_camdigikey):
    login_via_camdigikey(client, fake_camdigikey)
    fake_camdigikey.fail["logout_access_token"] = errors.TransportError("down")
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert logged_in_user_id(client) is None
    assert AuditEvent.objects.get(action="logout").after == {"camdigikey_token_revoked": False}


def test_logout_is_post_only(client, fake_camdigikey):
    login_via_camdigikey(client, fake_camdigikey)
    assert client.get("/accounts/logout/").status_code == 405
    assert logged_in_user_id(client) is not None


def test_a_login_expires_after_the_session_age_even_when_active(client, fake_camdigikey, settings):
    login_via_camdigikey(client, fake_camdigikey)
    session = client.session
    session["esb_login_at"] -= settings.SESSION_COOKIE_AGE + 60
    session.save()
    client.get("/")
    assert logged_in_user_id(client) is None


def test_the_login_url_carries_the_state_to_camdigikey_only(client, fake_camdigikey):
    response = client.post("/accounts/login/", {"next": "/"})
    # the state travels in callbackVars (POSTed to CamDigiKey), never in our redirect's query string
    assert "state" not in query(response["Location"])

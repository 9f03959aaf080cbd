"""Page B1: officers log in with CamDigiKey; the password form is the break-glass door (django-axes)."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY

from accounts.models import User
from esb.models import AuditEvent
from tests.accounts.support import login_via_camdigikey, make_profile

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-break-glass-password"


@pytest.fixture
def break_glass_admin(db):
    return User.objects.create_superuser("glass", "glass@example.gov.kh", PASSWORD)


def post_password(client, password, username="glass"):
    return client.post("/backoffice/login/?next=/backoffice/", {"username": username, "password": password})


def test_the_login_page_offers_camdigikey_to_officers(client, settings):
    settings.ESB_BREAK_GLASS_LOGIN = False
    page = client.get("/backoffice/login/?next=/backoffice/licensing/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="camdigikey-login-form"' in html
    assert 'action="/accounts/login/?audience=officer&amp;next=/backoffice/licensing/"' in html


def test_the_camdigikey_button_sends_officers_back_to_the_backoffice(client, fake_camdigikey):
    from accounts import services

    services.register_officer("OFF-MOC-001", full_name_en="Sok Dara", by=None)
    fake_camdigikey.profile = make_profile(personal_code="OFF-MOC-001")
    response = login_via_camdigikey(client, fake_camdigikey, audience="officer", next_url="/backoffice/")
    assert response["Location"] == "/backoffice/"
    assert client.get("/backoffice/").status_code == 200


def test_without_break_glass_there_is_no_password_form_and_a_password_post_is_refused(
    client, settings, break_glass_admin
):
    settings.ESB_BREAK_GLASS_LOGIN = False
    html = client.get("/backoffice/login/").content.decode()
    assert 'id="login-form"' not in html and 'name="password"' not in html
    response = post_password(client, PASSWORD)  # the right password changes nothing
    assert response.status_code == 403
    assert "Password login is disabled" in response.content.decode()
    assert SESSION_KEY not in client.session
    event = AuditEvent.objects.get(action="login.failed")
    assert event.after == {"method": "password", "username": "glass", "code": "break_glass_disabled"}


def test_with_break_glass_the_password_form_works_and_is_audited(client, settings, break_glass_admin):
    settings.ESB_BREAK_GLASS_LOGIN = True
    html = client.get("/backoffice/login/").content.decode()
    assert 'id="login-form"' in html and 'name="password"' in html
    response = post_password(client, PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/backoffice/"
    assert client.session[SESSION_KEY] == str(break_glass_admin.pk)
    assert client.session.get_expire_at_browser_close() and "esb_login_at" in client.session
    event = AuditEvent.objects.get(action="login.success")
    assert event.actor_id == break_glass_admin.pk
    assert event.after == {"method": "password", "break_glass": True}


def test_every_failed_password_attempt_is_audited_without_the_password(client, settings, break_glass_admin):
    settings.ESB_BREAK_GLASS_LOGIN = True
    for _attempt in range(3):
        assert post_password(client, "wrong-password").status_code == 200
    events = AuditEvent.objects.filter(action="login.failed")
    assert events.count() == 3
    assert all(e.after["username"] == "glass" for e in events)
    assert not any("wrong-password" in str(e.after) + e.reason for e in events)


def test_axes_locks_the_username_after_five_failures_even_with_the_right_password(
    client, settings, break_glass_admin
):
    settings.ESB_BREAK_GLASS_LOGIN = True
    for _attempt in range(5):
        post_password(client, "wrong-password")
    locked = post_password(client, PASSWORD)
    assert locked.status_code == 429
    assert "Too many attempts" in locked.content.decode()
    assert SESSION_KEY not in client.session
    assert AccessAttempt.objects.get(username="glass").failures_since_start >= 5
    # all six attempts are in the audit trail, the last one marked as locked out
    failed = list(AuditEvent.objects.filter(action="login.failed").order_by("id"))
    assert len(failed) == 6 and failed[-1].after["locked_out"] is True
    # another user name from the same address is not locked (lockout is by user name + address)
    User.objects.create_superuser("other", "o@example.gov.kh", PASSWORD)
    assert post_password(client, PASSWORD, username="other").status_code == 302


def test_backoffice_logout_ends_the_camdigikey_session(client, fake_camdigikey):
    from accounts import services

    services.register_officer("OFF-MOC-001", full_name_en="Sok Dara", by=None)
    fake_camdigikey.profile = make_profile(personal_code="OFF-MOC-001")
    login_via_camdigikey(client, fake_camdigikey, audience="officer", next_url="/backoffice/")
    response = client.post("/backoffice/logout/")
    assert response.status_code == 200  # Django's "logged out" page
    assert fake_camdigikey.revoked
    assert SESSION_KEY not in client.session


def test_an_applicant_reaching_the_backoffice_is_told_they_have_no_access(client, fake_camdigikey):
    login_via_camdigikey(client, fake_camdigikey)
    response = client.get("/backoffice/", follow=True)
    assert "has no access to the back-office" in response.content.decode()

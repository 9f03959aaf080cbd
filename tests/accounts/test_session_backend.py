"""The session user backend: a CamDigiKey login records it, it reloads the user on every request by
ModelBackend's rule (an inactive user is nobody), and sessions recorded with ModelBackend keep working."""

from __future__ import annotations

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY
from django.test import Client

from accounts.backends import SessionUserBackend
from accounts.models import User
from accounts.services.login import SESSION_BACKEND
from tests.accounts.support import login_via_camdigikey, make_profile

pytestmark = pytest.mark.django_db


def test_a_camdigikey_login_records_the_session_user_backend(client, fake_camdigikey):
    login_via_camdigikey(client, fake_camdigikey, make_profile(), audience="applicant")
    assert client.session[BACKEND_SESSION_KEY] == SESSION_BACKEND == "accounts.backends.SessionUserBackend"
    assert client.get("/notifications/").status_code == 200  # reloaded on the next request


def test_it_reloads_active_users_only():
    user = User.objects.create_user(username="someone", full_name_en="Some One")
    backend = SessionUserBackend()
    assert backend.get_user(user.pk) == user
    assert backend.get_user(user.pk).username == "someone"  # the compiled statement, second call
    assert backend.get_user(-1) is None
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert backend.get_user(user.pk) is None
    assert backend.authenticate(None, username="someone", password="x") is None  # authenticates nobody
    assert not backend.has_perm(user, "accounts.view_user")


def test_a_session_recorded_with_model_backend_still_works():
    user = User.objects.create_user(username="older", full_name_en="Older Session")
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    assert client.session[BACKEND_SESSION_KEY] == "django.contrib.auth.backends.ModelBackend"
    response = client.get("/notifications/")
    assert response.status_code == 200
    assert response.wsgi_request.user == user

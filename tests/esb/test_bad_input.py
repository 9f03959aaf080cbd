"""Input PostgreSQL cannot store (NUL characters) gets a clear 400, never a database error."""

import pytest
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(
        User.objects.create_superuser("nul-admin", "nul@example.gov.kh", "a-long-test-password")
    )
    return client


def test_nul_in_a_backoffice_autocomplete_is_a_400(admin_client):
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {"term": "\x00", "app_label": "registry", "model_name": "business", "field_name": "province"},
    )
    assert response.status_code == 400


def test_nul_in_a_form_post_is_a_400_and_changes_nothing(admin_client):
    response = admin_client.post(reverse("accounts:acting-for"), {"business": "1\x00"})
    assert response.status_code == 400


def test_nul_in_a_search_is_a_400(client):
    assert client.get("/", {"q": "a\x00b"}).status_code == 400


def test_unicode_digits_in_acting_for_are_a_404_not_a_500(admin_client):
    assert admin_client.post(reverse("accounts:acting-for"), {"business": "²"}).status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        '{"clientId": "esb\\u0000", "params": "x", "signature": "y"}',  # NUL inside JSON text
        "[" * 100_000,  # nesting deep enough to exhaust the JSON parser's recursion
    ],
)
def test_the_sandbox_api_answers_hostile_bodies_with_400(client, body):
    response = client.post(
        "/sandbox/camdigikey/api/v3.0/authentication/service-account/login-token",
        data=body,
        content_type="application/json",
    )
    assert response.status_code == 400

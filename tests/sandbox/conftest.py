from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.camdigikey.envelope import Envelope
from sandbox.camdigikey import demo
from sandbox.camdigikey.models import ClientApp

API = "/sandbox/camdigikey/api/v3.0/authentication/"


@pytest.fixture
def seeded(db):
    demo.seed()
    return ClientApp.objects.get(client_id=settings.CAMDIGIKEY["CLIENT_ID"])


def envelope_for(client_app: ClientApp) -> Envelope:
    return Envelope(client_app.client_id, client_app.hmac_key, client_app.aes_secret_key, client_app.aes_iv)


class Api:
    """Calls the simulator's API through Django's test client, as a registered client app would."""

    def __init__(self, django_client, client_app: ClientApp):
        self.http = django_client
        self.app = client_app
        self.envelope = envelope_for(client_app)

    def raw(self, path: str, body) -> object:
        return self.http.post(API + path, data=json.dumps(body), content_type="application/json")

    def call(self, path: str, **payload) -> tuple[int, dict]:
        response = self.raw(path, self.envelope.wrap({"clientId": self.app.client_id, **payload}))
        return response.status_code, self.envelope.unwrap(response.json())

    def ok(self, path: str, **payload) -> dict:
        status, answer = self.call(path, **payload)
        assert (status, answer["error"]) == (200, 0), answer
        return answer["data"]

    def login_token(self, **extra) -> dict:
        return self.ok("service-account/login-token", domain=self.app.domain, requestedDate=1, **extra)


@pytest.fixture
def api(client, seeded) -> Api:
    return Api(client, seeded)


def login_path() -> str:
    return reverse("sandbox-camdigikey:login")

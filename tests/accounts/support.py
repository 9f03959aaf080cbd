"""Helpers for login, roles and scoping tests.

`fake_camdigikey` replaces the CamDigiKey identity provider (accounts.identity_providers, through
`identity_providers.override`) with one whose client is an in-memory fake implementing the client interface
(`IdentityClient`): unit tests of the login flow do not need the sandbox. The real-HTTP end-to-end path
is tested against the sandbox separately.
"""

from __future__ import annotations

import dataclasses
import itertools
from urllib.parse import parse_qs, urlsplit

from accounts.camdigikey.client import LoginToken, UserProfile
from accounts.identity_providers import IdentityProvider
from accounts.models import Role

_counter = itertools.count(1)


def make_profile(**overrides) -> UserProfile:
    values = {
        "camdigikey_id": "cdk-0001",
        "personal_code": "010234567",
        "first_name_en": "Dara",
        "last_name_en": "Sok",
        "first_name_kh": "ដារ៉ា",
        "last_name_kh": "សុខ",
        "gender": "M",
        "dob": "1980-03-14",
        "mobile_phone": "012345678",
        "email": "dara@example.com",
        "nationality": "KHM",
        "jti": "jti-1",
        "exp": 2_000_000_000,
        "claims": {},
    }
    values.update(overrides)
    return UserProfile(**values)


class FakeCamDigiKeyClient:
    """Records calls; `profile` is what the next validated token returns; `fail` maps a method name to the
    exception it raises."""

    def __init__(self):
        self.profile = make_profile()
        self.fail: dict[str, Exception] = {}
        self.calls: list[tuple[str, tuple, dict]] = []
        self.revoked: list[str] = []
        self.auth_logins: dict[str, str] = {}
        self.last_login_id = ""

    def _call(self, name, *args, **kwargs):
        self.calls.append((name, args, kwargs))
        if name in self.fail:
            raise self.fail[name]

    def calls_to(self, name: str) -> list[tuple[tuple, dict]]:
        return [(args, kwargs) for call, args, kwargs in self.calls if call == name]

    def get_login_token(self, callback_vars=None, success_return_url=None) -> LoginToken:
        self._call("get_login_token", callback_vars=callback_vars, success_return_url=success_return_url)
        n = next(_counter)
        token = f"login-token-{n}"
        self.last_login_id = f"login-{n}"
        return LoginToken(
            login_token=token,
            login_url=f"https://camdigikey.example/auth/login?token={token}",
            login_id=self.last_login_id,
        )

    def auth_token_login_id(self, auth_token: str) -> str:
        """The login an auth token answers: `auth_logins[token]` when a test says so, else the latest login
        started (the browser's own)."""
        self._call("auth_token_login_id", auth_token)
        return self.auth_logins.get(auth_token, self.last_login_id)

    def get_user_access_token(self, auth_token: str) -> str:
        self._call("get_user_access_token", auth_token)
        return f"access-token-for-{auth_token}"

    def validate_user_token(self, access_token: str) -> UserProfile:
        self._call("validate_user_token", access_token)
        return self.profile

    def logout_access_token(self, access_token: str) -> None:
        self._call("logout_access_token", access_token)
        self.revoked.append(access_token)


def start(client, next_url: str = "/", audience: str = "applicant") -> str:
    """POST the login button; returns the state sent to CamDigiKey."""
    response = client.post("/accounts/login/", {"next": next_url, "audience": audience})
    assert response.status_code == 302, response.content[:500]
    return client.session["esb_camdigikey_pending"]["state"]


def callback(client, state: str, auth_token: str = "auth-1"):
    return client.get("/accounts/camdigikey/callback/", {"authToken": auth_token, "state": state})


def login_via_camdigikey(client, fake, profile=None, audience="applicant", next_url="/"):
    if profile is not None:
        fake.profile = profile
    state = start(client, next_url, audience)
    return callback(client, state)


def state_from_login_url(fake) -> str:
    (_args, kwargs) = fake.calls_to("get_login_token")[-1]
    return kwargs["callback_vars"]["state"]


def query(url: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def role(code: str) -> Role:
    return Role.objects.get(code=code)


def replace_profile(profile: UserProfile, **changes) -> UserProfile:
    return dataclasses.replace(profile, **changes)


class FakeProvider(IdentityProvider):
    """An identity provider serving one given client (for `identity_providers.override`)."""

    verbose_name = "fake CamDigiKey"

    def __init__(self, client: FakeCamDigiKeyClient) -> None:
        self._client = client

    def client(self) -> FakeCamDigiKeyClient:
        return self._client

"""Identity providers the portal logs people in with: a registry of plugins (`esb.plugins`).

CamDigiKey (the national SSO) is the only one today. Another (e.g. a ministry's own IdP) is a subclass of
`IdentityProvider` registered under its key from its app's `AppConfig.ready()`; the login code asks the
registry for the client and never names a class:

    identity_providers.get("camdigikey").client().get_login_token(...)

Tests replace a provider with `identity_providers.override("camdigikey", provider)` (a context manager that
restores the registry afterwards), not by patching module attributes.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Protocol

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from esb.plugins import Plugin, Registry

if TYPE_CHECKING:
    from accounts.camdigikey.client import CamDigiKeyClient, LoginToken, UserProfile

CAMDIGIKEY = "camdigikey"


class IdentityClient(Protocol):
    """What the login flow needs from a provider's client (accounts/services/login.py)."""

    def get_login_token(
        self, callback_vars: dict[str, str] | None = None, success_return_url: str | None = None
    ) -> LoginToken: ...

    def auth_token_login_id(self, auth_token: str) -> str: ...

    def get_user_access_token(self, auth_token: str) -> str: ...

    def validate_user_token(self, access_token: str) -> UserProfile: ...

    def logout_access_token(self, access_token: str) -> None: ...


class IdentityProvider(Plugin):
    def client(self) -> IdentityClient:
        """A client configured from the current settings (read at each call: tests and rotations change
        them). Its HTTP connections are pooled by `esb.http`, so building one is cheap."""
        raise NotImplementedError


identity_providers: Registry[IdentityProvider] = Registry("identity providers")


@identity_providers.register(CAMDIGIKEY)
class CamDigiKeyProvider(IdentityProvider):
    verbose_name = _("CamDigiKey")

    def client(self) -> CamDigiKeyClient:
        # imported when first used: the client pulls in requests and cryptography
        from accounts.camdigikey.client import CamDigiKeyClient

        return CamDigiKeyClient()

    def check_config(self) -> list[str]:
        # The values themselves are validated once, when the settings load (esb/settings.py); what only
        # shows at run time is a certificate or trust store file that is not there or cannot be read.
        raw = getattr(settings, "CAMDIGIKEY", None) or {}
        problems = []
        for name in ("CLIENT_CERT", "CLIENT_KEY", "CA_BUNDLE"):
            path = str(raw.get(name) or "")
            if path and not os.access(path, os.R_OK):
                problems.append(f"CAMDIGIKEY[{name!r}] names a file that does not exist or cannot be read")
        if bool(raw.get("CLIENT_CERT")) != bool(raw.get("CLIENT_KEY")):
            problems.append("CAMDIGIKEY['CLIENT_CERT'] and ['CLIENT_KEY'] must be set together")
        return problems


def get_provider(name: str) -> IdentityProvider:
    """The provider registered under `name` (PluginNotFound, a LookupError, names the known ones)."""
    return identity_providers.get(name)


def provider_names() -> list[str]:
    return identity_providers.keys()

"""Identity providers the portal can log people in with, by name.

A provider is a factory returning a ready client. CamDigiKey (the national SSO) is the only one today;
another (e.g. a ministry's own IdP) is plugged in with `register("name", factory)` from its app's
`AppConfig.ready()`, without touching the login code that calls `get_provider(name)`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

ProviderFactory = Callable[[], Any]

_PROVIDERS: dict[str, ProviderFactory] = {}


def register(name: str, factory: ProviderFactory) -> None:
    _PROVIDERS[name] = factory


def get_provider(name: str) -> Any:
    try:
        factory = _PROVIDERS[name]
    except KeyError:
        raise LookupError(f"no identity provider named {name!r}") from None
    return factory()


def provider_names() -> list[str]:
    return sorted(_PROVIDERS)


def _camdigikey():
    # imported when first used: the client pulls in requests and cryptography
    from accounts.camdigikey.client import CamDigiKeyClient

    return CamDigiKeyClient()


register("camdigikey", _camdigikey)

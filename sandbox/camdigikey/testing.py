"""Helpers for tests that drive the CamDigiKey simulator over real HTTP (pytest-django's `live_server`).

    def test_login(live_server, settings):            # live_server needs transactional_db
        use_live_sandbox(settings, live_server.url)   # client -> simulator, demo clients and identities
        login = get_client().get_login_token()
        callback = approve_login(login.login_url, "OFF-MOC-001")   # what the browser would be sent to
        auth_token = query_param(callback, "authToken")

Imported by tests only (a domain app never imports sandbox).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import requests
from django.core.cache import cache

from sandbox.camdigikey import demo
from sandbox.live_server import point_at_simulator

SANDBOX_PATH = "/sandbox/camdigikey"


def use_live_sandbox(settings, server_url: str) -> str:
    """Point settings.CAMDIGIKEY at the simulator served by `server_url` (the portal's callbacks too),
    seed the simulator's demo state and forget any cached signer chain. Returns the CamDigiKey base URL."""
    base_url = point_at_simulator(settings, server_url, "CAMDIGIKEY", SANDBOX_PATH, CA_BUNDLE="")
    demo.seed()
    forget_signer_chain(base_url)
    return base_url


def forget_signer_chain(base_url: str) -> None:
    """Drop the cached chain of one CamDigiKey base URL (never `cache.clear()`: the cache is shared)."""
    from accounts.camdigikey.client import chain_cache_key

    cache.delete(chain_cache_key(base_url))


def _submit(login_url: str, data: dict, session: requests.Session | None) -> requests.Response:
    session = session or requests.Session()
    page = session.get(login_url, timeout=10)
    page.raise_for_status()
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    token = re.search(r'name="token" value="([^"]+)"', page.text)
    if not match or not token:
        raise AssertionError("the CamDigiKey sandbox login page has no form")
    return session.post(
        login_url,
        data={"csrfmiddlewaretoken": match.group(1), "token": token.group(1), **data},
        headers={"Referer": login_url},
        allow_redirects=False,
        timeout=10,
    )


def approve_login(login_url: str, personal_code: str, session: requests.Session | None = None) -> str:
    """Approve a login as `personal_code` like a browser would; returns the success-callback URL."""
    response = _submit(login_url, {"identity": personal_code, "action": "approve"}, session)
    if response.status_code != 302:
        raise AssertionError(f"approving the login answered HTTP {response.status_code}")
    return response.headers["Location"]


def cancel_login(login_url: str, session: requests.Session | None = None) -> str:
    """Cancel a login like a browser would; returns the error-callback URL."""
    response = _submit(login_url, {"action": "cancel"}, session)
    if response.status_code != 302:
        raise AssertionError(f"cancelling the login answered HTTP {response.status_code}")
    return response.headers["Location"]


def query_param(url: str, name: str) -> str:
    return parse_qs(urlsplit(url).query)[name][0]

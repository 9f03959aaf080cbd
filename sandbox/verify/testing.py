"""Helpers for tests that drive the verify.gov.kh simulator over real HTTP (pytest-django's `live_server`).

    def test_register(live_server, settings):
        use_live_verify(settings, live_server.url)   # ESB_VERIFICATION -> the simulator, its issuer key

Imported by tests only (a domain app never imports sandbox).
"""

from __future__ import annotations

from django.core.signals import request_finished

from sandbox.camdigikey.testing import _close_server_thread_connections
from sandbox.verify.services import SANDBOX_API_KEY

SANDBOX_PATH = "/sandbox/verify"


def use_live_verify(settings, server_url: str) -> str:
    """Point settings.ESB_VERIFICATION (API and QR base) at the simulator served by `server_url`."""
    request_finished.connect(_close_server_thread_connections, dispatch_uid="sandbox-live-server-connections")
    server_url = server_url.rstrip("/")
    base_url = server_url + SANDBOX_PATH
    settings.ESB_PUBLIC_BASE_URL = server_url
    settings.ESB_VERIFICATION = {
        **settings.ESB_VERIFICATION,
        "PROVIDER": "verify_gov_kh",
        "BASE_URL": base_url,
        "PUBLIC_BASE_URL": base_url,
        "API_KEY": SANDBOX_API_KEY,
    }
    return base_url

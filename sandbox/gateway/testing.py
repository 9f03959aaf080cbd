"""Helpers for tests that drive the gateway simulator over real HTTP (pytest-django's `live_server`).

    def test_card(live_server, settings):
        use_live_gateway(settings, live_server.url)    # settings.GATEWAY -> the simulator, its credentials

Imported by tests only (a domain app never imports sandbox).
"""

from __future__ import annotations

from django.core.signals import request_finished

from sandbox.camdigikey.testing import _close_server_thread_connections
from sandbox.gateway.services import SANDBOX_API_KEY, SANDBOX_WEBHOOK_SECRET

SANDBOX_PATH = "/sandbox/gateway"


def use_live_gateway(settings, server_url: str) -> str:
    """Point settings.GATEWAY (and the public base URL the webhook address is made from) at `server_url`."""
    request_finished.connect(_close_server_thread_connections, dispatch_uid="sandbox-live-server-connections")
    base_url = server_url.rstrip("/") + SANDBOX_PATH
    settings.GATEWAY = {
        **settings.GATEWAY,
        "BASE_URL": base_url,
        "API_KEY": SANDBOX_API_KEY,
        "WEBHOOK_SECRET": SANDBOX_WEBHOOK_SECRET,
    }
    settings.ESB_PUBLIC_BASE_URL = server_url.rstrip("/")
    return base_url

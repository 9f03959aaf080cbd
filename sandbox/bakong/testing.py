"""Helpers for tests that drive the Bakong simulator over real HTTP (pytest-django's `live_server`).

    def test_poll(live_server, settings):
        use_live_bakong(settings, live_server.url)    # settings.BAKONG -> the simulator, its token
        ...
        sandbox.bakong.services.pay(payment.khqr)      # what the bank app's Pay button does

Imported by tests only (a domain app never imports sandbox).
"""

from __future__ import annotations

from django.core.signals import request_finished

from sandbox.bakong.services import SANDBOX_TOKEN
from sandbox.camdigikey.testing import _close_server_thread_connections

SANDBOX_PATH = "/sandbox/bakong"


def use_live_bakong(settings, server_url: str) -> str:
    """Point settings.BAKONG at the simulator served by `server_url`; returns the base URL."""
    request_finished.connect(_close_server_thread_connections, dispatch_uid="sandbox-live-server-connections")
    base_url = server_url.rstrip("/") + SANDBOX_PATH
    settings.BAKONG = {**settings.BAKONG, "BASE_URL": base_url, "TOKEN": SANDBOX_TOKEN}
    return base_url

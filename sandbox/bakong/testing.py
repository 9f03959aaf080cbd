"""Helpers for tests that drive the Bakong simulator over real HTTP (pytest-django's `live_server`).

    def test_poll(live_server, settings):
        use_live_bakong(settings, live_server.url)    # settings.BAKONG -> the simulator, its token
        ...
        sandbox.bakong.services.pay(payment.khqr)      # what the bank app's Pay button does

Imported by tests only (a domain app never imports sandbox).
"""

from __future__ import annotations

from sandbox.bakong.services import SANDBOX_TOKEN
from sandbox.live_server import point_at_simulator

SANDBOX_PATH = "/sandbox/bakong"


def use_live_bakong(settings, server_url: str) -> str:
    """Point settings.BAKONG at the simulator served by `server_url`; returns the base URL."""
    return point_at_simulator(settings, server_url, "BAKONG", SANDBOX_PATH, TOKEN=SANDBOX_TOKEN)

"""Helpers for tests that drive the gateway simulator over real HTTP (pytest-django's `live_server`).

    def test_card(live_server, settings):
        use_live_gateway(settings, live_server.url)    # settings.GATEWAY -> the simulator, its credentials

Imported by tests only (a domain app never imports sandbox).
"""

from __future__ import annotations

from sandbox.gateway.services import SANDBOX_API_KEY, SANDBOX_WEBHOOK_SECRET
from sandbox.live_server import point_at_simulator

SANDBOX_PATH = "/sandbox/gateway"


def use_live_gateway(settings, server_url: str) -> str:
    """Point settings.GATEWAY (and the public base URL the webhook address is made from) at `server_url`."""
    return point_at_simulator(
        settings,
        server_url,
        "GATEWAY",
        SANDBOX_PATH,
        API_KEY=SANDBOX_API_KEY,
        WEBHOOK_SECRET=SANDBOX_WEBHOOK_SECRET,
    )

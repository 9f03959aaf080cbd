"""Helpers for tests that drive the verify.gov.kh simulator over real HTTP (pytest-django's `live_server`).

    def test_register(live_server, settings):
        use_live_verify(settings, live_server.url)   # ESB_VERIFICATION -> the simulator, its issuer key

Imported by tests only (a domain app never imports sandbox).
"""

from __future__ import annotations

from sandbox.live_server import point_at_simulator
from sandbox.verify.services import SANDBOX_API_KEY

SANDBOX_PATH = "/sandbox/verify"


def use_live_verify(settings, server_url: str) -> str:
    """Point settings.ESB_VERIFICATION (API and QR base) at the simulator served by `server_url`."""
    base_url = server_url.rstrip("/") + SANDBOX_PATH
    return point_at_simulator(
        settings,
        server_url,
        "ESB_VERIFICATION",
        SANDBOX_PATH,
        PROVIDER="verify_gov_kh",
        PUBLIC_BASE_URL=base_url,
        API_KEY=SANDBOX_API_KEY,
    )

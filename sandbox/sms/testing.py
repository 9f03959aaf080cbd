"""Helpers for tests that drive the SMS simulator over real HTTP (pytest-django's `live_server`).

Imported by tests only (a domain app never imports sandbox)."""

from __future__ import annotations

from sandbox.live_server import point_at_simulator
from sandbox.sms.services import SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN

SANDBOX_PATH = "/sandbox/sms"


def use_live_sms(settings, server_url: str) -> str:
    """Point settings.SMS at the simulator served by `server_url`, with its public credentials."""
    return point_at_simulator(
        settings,
        server_url,
        "SMS",
        SANDBOX_PATH,
        ACCOUNT_SID=SANDBOX_ACCOUNT_SID,
        AUTH_TOKEN=SANDBOX_AUTH_TOKEN,
        FROM="ESB-PORTAL",
    )

"""Helpers for tests that drive the Telegram simulator over real HTTP (pytest-django's `live_server`).

    def test_alert(live_server, settings):
        use_live_telegram(settings, live_server.url)   # settings.TELEGRAM -> the simulator, its token

Imported by tests only (a domain app never imports sandbox).
"""

from __future__ import annotations

from sandbox.live_server import point_at_simulator
from sandbox.telegram.services import SANDBOX_BOT_USERNAME, SANDBOX_TOKEN

SANDBOX_PATH = "/sandbox/telegram"
WEBHOOK_SECRET = "esb-telegram-sandbox-webhook-secret"  # noqa: S105  (esb.integration_settings' dev value)


def use_live_telegram(settings, server_url: str) -> str:
    """Point settings.TELEGRAM (and the public base URL the webhook address is made from) at `server_url`."""
    deep_link_base = server_url.rstrip("/") + SANDBOX_PATH + "/t.me"
    return point_at_simulator(
        settings,
        server_url,
        "TELEGRAM",
        SANDBOX_PATH,
        BOT_TOKEN=SANDBOX_TOKEN,
        BOT_USERNAME=SANDBOX_BOT_USERNAME,
        WEBHOOK_SECRET=WEBHOOK_SECRET,
        DEEP_LINK_BASE=deep_link_base,
    )

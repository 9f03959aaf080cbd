"""Helpers for tests that drive the Telegram simulator over real HTTP (pytest-django's `live_server`).

    def test_alert(live_server, settings):
        use_live_telegram(settings, live_server.url)   # settings.TELEGRAM -> the simulator, its token

Imported by tests only (a domain app never imports sandbox).
"""

from __future__ import annotations

from django.core.signals import request_finished

from sandbox.camdigikey.testing import _close_server_thread_connections
from sandbox.telegram.services import SANDBOX_BOT_USERNAME, SANDBOX_TOKEN

SANDBOX_PATH = "/sandbox/telegram"
WEBHOOK_SECRET = "esb-telegram-sandbox-webhook-secret"  # noqa: S105  (esb.integration_settings' dev value)


def use_live_telegram(settings, server_url: str) -> str:
    """Point settings.TELEGRAM (and the public base URL the webhook address is made from) at `server_url`."""
    request_finished.connect(_close_server_thread_connections, dispatch_uid="sandbox-live-server-connections")
    base_url = server_url.rstrip("/") + SANDBOX_PATH
    settings.TELEGRAM = {
        **settings.TELEGRAM,
        "BASE_URL": base_url,
        "BOT_TOKEN": SANDBOX_TOKEN,
        "BOT_USERNAME": SANDBOX_BOT_USERNAME,
        "WEBHOOK_SECRET": WEBHOOK_SECRET,
        "DEEP_LINK_BASE": f"{base_url}/t.me",
    }
    settings.ESB_PUBLIC_BASE_URL = server_url.rstrip("/")
    return base_url

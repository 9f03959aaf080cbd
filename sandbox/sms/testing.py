"""Helpers for tests that drive the SMS simulator over real HTTP (pytest-django's `live_server`).

Imported by tests only (a domain app never imports sandbox)."""

from __future__ import annotations

from django.core.signals import request_finished

from sandbox.camdigikey.testing import _close_server_thread_connections
from sandbox.sms.services import SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN

SANDBOX_PATH = "/sandbox/sms"


def use_live_sms(settings, server_url: str) -> str:
    """Point settings.SMS at the simulator served by `server_url`, with its public credentials."""
    request_finished.connect(_close_server_thread_connections, dispatch_uid="sandbox-live-server-connections")
    base_url = server_url.rstrip("/") + SANDBOX_PATH
    settings.SMS = {
        **settings.SMS,
        "BASE_URL": base_url,
        "ACCOUNT_SID": SANDBOX_ACCOUNT_SID,
        "AUTH_TOKEN": SANDBOX_AUTH_TOKEN,
        "FROM": "ESB-PORTAL",
    }
    return base_url

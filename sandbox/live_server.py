"""Pointing the portal at a simulator served by pytest-django's `live_server` (tests only: a domain app never
imports sandbox). Each simulator's `testing.use_live_*` helper says which setting and values; this does the
rest the same way for all of them."""

from __future__ import annotations

import threading

from django.core.signals import request_finished
from django.db import connections


def close_server_thread_connections(**kwargs) -> None:
    """The live server answers each keep-alive connection in its own thread; with CONN_MAX_AGE the thread
    would keep its database connection open and block the test database's teardown."""
    if threading.current_thread() is not threading.main_thread():
        connections.close_all()


def point_at_simulator(settings, server_url: str, setting: str, path: str, **values) -> str:
    """Set settings.<setting> to its current value with BASE_URL = the simulator at `path` of the live
    server and `values` on top; the portal's public base URL becomes the live server (callbacks and webhook
    addresses are made from it). Returns the simulator's base URL."""
    request_finished.connect(close_server_thread_connections, dispatch_uid="sandbox-live-server-connections")
    server_url = server_url.rstrip("/")
    base_url = server_url + path
    settings.ESB_PUBLIC_BASE_URL = server_url
    setattr(settings, setting, {**getattr(settings, setting), "BASE_URL": base_url, **values})
    return base_url

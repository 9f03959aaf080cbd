"""django-axes hooks."""

from __future__ import annotations

from django.http import HttpRequest

from esb import request_context


def client_ip(request: HttpRequest) -> str | None:
    """The same client address the audit trail and the throttles use (forwarding headers only from
    `ESB_TRUSTED_PROXIES`: esb.request_context.client_ip)."""
    return request_context.client_ip(request)

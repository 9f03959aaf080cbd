"""django-axes hooks."""

from __future__ import annotations

from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The same client address the audit trail records (nginx sets X-Real-IP from the connection)."""
    return request.META.get("HTTP_X_REAL_IP") or request.META.get("REMOTE_ADDR")

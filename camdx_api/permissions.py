"""DRF permission of the Part 5 API: the consumer's access list (ApiConsumer.allowed_service_codes)."""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from camdx_api import errors
from camdx_api.services import Caller


class ServiceCodeAllowed(BasePermission):
    """The view's `service_code` must be in the caller's allowed service codes (403 otherwise)."""

    def has_permission(self, request, view) -> bool:
        caller = request.auth
        if not isinstance(caller, Caller):
            raise errors.MissingToken()
        code = getattr(view, "service_code", "")
        if not code or code not in (caller.consumer.allowed_service_codes or ()):
            raise errors.ServiceNotAllowed(
                f"Access denied: this organization may not use the service '{code}'."
            )
        return True

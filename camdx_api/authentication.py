"""DRF authentication of the Part 5 API: `Authorization: Bearer <CamDigiKey ORGANIZATION token>`.

`request.auth` is a `services.Caller` (the consumer, the token's jti, the X-Road headers); `request.user`
stays anonymous: a system is not a person and gets no session, no CSRF and no permission of a user.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from rest_framework.authentication import BaseAuthentication

from camdx_api import errors, services, throttling
from camdx_api.envelopes import BEARER_REALM
from esb import request_context

KEYWORD = "bearer"


def bearer_token(header: str) -> str:
    """The token of an `Authorization: Bearer <token>` header (the scheme is case-insensitive)."""
    parts = (header or "").split()
    if not parts or parts[0].lower() != KEYWORD:
        raise errors.MissingToken()
    if len(parts) == 1:
        raise errors.MissingToken()
    if len(parts) > 2:
        raise errors.MalformedToken()
    return parts[1]


class OrganizationTokenAuthentication(BaseAuthentication):
    def authenticate(self, request) -> tuple[AnonymousUser, services.Caller]:
        django_request = request._request
        xroad = services.XRoadHeaders.from_meta(request.META)
        try:
            token = bearer_token(request.META.get("HTTP_AUTHORIZATION", ""))
        except errors.InvalidAccessToken:
            throttling.refuse_failing_address(django_request)
            throttling.count_token_failure(django_request)
            raise
        # A token CamDigiKey accepted moments ago costs no round trip: the refused-token count of its address
        # (shared by every member behind our security server) does not hold it.
        status = services.cached_token_status(token)  # one cache read for both uses
        if not services.recently_accepted(token, status):
            throttling.refuse_failing_address(django_request)
        try:
            caller = services.authenticate_organization(
                token, xroad.client, xroad=xroad, cached_status=status
            )
        except errors.InvalidAccessToken:
            throttling.count_token_failure(django_request)
            raise
        # the audit trail and the outgoing log of anything this call causes name the calling system
        request_context.update_context(
            actor_label=f"api:{caller.consumer.camdigikey_domain}"[:200],
            xroad_client=xroad.client,
            xroad_id=xroad.id,
        )
        return AnonymousUser(), caller

    def authenticate_header(self, request) -> str:
        return BEARER_REALM

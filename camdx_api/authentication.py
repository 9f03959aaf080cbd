"""DRF authentication of the Part 5 API: `Authorization: Bearer <CamDigiKey ORGANIZATION token>`.

`request.auth` is a `services.Caller` (the consumer, the token's jti, the X-Road headers); `request.user`
stays anonymous: a system is not a person and gets no session, no CSRF and no permission of a user.
"""

from __future__ import annotations

import dataclasses
import logging

from django.contrib.auth.models import AnonymousUser
from rest_framework.authentication import BaseAuthentication

from camdx_api import door_cache, errors, services, throttling
from camdx_api.envelopes import BEARER_REALM
from esb import request_context

logger = logging.getLogger(__name__)

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
        digest = services.token_digest(token.strip())
        caller, counted, generation = _recent_caller(digest, xroad)
        if caller is None:
            caller = self._check(django_request, token, xroad)
            door_cache.remember(
                digest,
                consumer=caller.consumer,
                jti=caller.token_jti,
                accepted_until=caller.accepted_until,
                generation=generation,
            )
            if counted is not None and counted[0] == caller.consumer.pk:
                caller = dataclasses.replace(caller, rate=counted[1:])  # this call is already counted
        # the audit trail and the outgoing log of anything this call causes name the calling system
        request_context.update_context(
            actor_label=f"api:{caller.consumer.camdigikey_domain}"[:200],
            xroad_client=xroad.client,
            xroad_id=xroad.id,
        )
        return AnonymousUser(), caller

    def _check(self, django_request, token: str, xroad: services.XRoadHeaders) -> services.Caller:
        """The token checked in full: its cached status or CamDigiKey, the consumer's row, the refused-token
        limits of the calling address."""
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
        return caller

    def authenticate_header(self, request) -> str:
        return BEARER_REALM


def _recent_caller(
    digest: str, xroad: services.XRoadHeaders
) -> tuple[services.Caller | None, tuple[int, int, int] | None, int | None]:
    """The caller of a token this process accepted moments ago (camdx_api.door_cache), with the call counted
    in its consumer's rate window: one Redis round trip. Otherwise (None, what was counted — consumer id,
    count, seconds left — or None, the door's generation to store a new entry under, or None)."""
    entry = door_cache.lookup(digest)
    try:
        if entry is None:
            return None, None, door_cache.generation()
        key, ttl, retry_after = throttling.consumer_window(entry.consumer.pk)
        found = door_cache.generation_and_count(key, ttl)
    except Exception:  # the slow path reads the cache again and says what is unavailable
        logger.warning("cache unavailable: the API door checks the token in full")
        return None, None, None
    if found is None:
        return None, None, None
    generation, count = found
    counted = (entry.consumer.pk, count, retry_after)
    if generation != entry.generation:
        door_cache.clear()
        return None, counted, generation
    if not services.xroad_client_allowed(entry.consumer, xroad.client):
        return None, counted, generation  # refused by the full check, with its own logging and counting
    caller = services.Caller(
        consumer=entry.consumer,
        token_jti=entry.jti,
        xroad=xroad,
        accepted_until=entry.until,
        rate=(count, retry_after),
    )
    return caller, counted, generation

"""Rate limits of the API door, counted in the shared Redis cache (every web process sees the same counts).

- Per consumer: `ApiConsumer.rate_limit_per_minute` requests per fixed one-minute window; beyond it the call
  is refused with 429 and `Retry-After` (the seconds left in the window) before the endpoint runs.
- Per address (and X-Road member, for calls through CamDX), for calls without a valid token: the rate of the
  `esb.throttle` scope "api-token-failure" (overridable in ESB_THROTTLE_RATES). Once a caller has sent that
  many refused tokens in the window, its next calls are refused with 429 without asking CamDigiKey, so a
  stream of forged or stale tokens cannot turn into a stream of CamDigiKey round trips.

A cache outage lets calls through (logged): the limits protect capacity, the token check protects data.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time

from django.core.cache import cache
from django.db import DatabaseError
from django.http import HttpRequest
from rest_framework.throttling import BaseThrottle

from camdx_api import errors, services
from camdx_api.models import ApiConsumer
from camdx_api.services import Caller
from esb import throttle

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 60
TOKEN_FAILURE_SCOPE = "api-token-failure"  # noqa: S105 (a throttle scope)
_KEY_PREFIX = "camdx-api:rate"


def consumer_window(consumer_id: int, *, now: float | None = None) -> tuple[str, int, int]:
    """The cache key of a consumer's current rate window, its time to live and the seconds until it ends."""
    now = time.time() if now is None else now
    window = int(now // WINDOW_SECONDS)
    retry_after = max(1, math.ceil((window + 1) * WINDOW_SECONDS - now))
    return f"{_KEY_PREFIX}:{consumer_id}:{window}", WINDOW_SECONDS + 30, retry_after


def consumer_hit(consumer_id: int, limit: int, *, now: float | None = None) -> tuple[bool, int]:
    """Count one call of a consumer: (allowed, seconds until the window ends)."""
    key, ttl, retry_after = consumer_window(consumer_id, now=now)
    try:
        count = throttle.incr(key, ttl)
    except Exception:
        logger.warning("cache unavailable: API rate limits are not enforced")
        return True, retry_after
    return count <= max(1, int(limit)), retry_after


class ConsumerRateThrottle(BaseThrottle):
    """The consumer's own rate (ApiConsumer.rate_limit_per_minute); raises errors.RateLimited."""

    def allow_request(self, request, view) -> bool:
        caller = request.auth
        if not isinstance(caller, Caller):
            return True  # unauthenticated calls never get this far (see refuse_failing_address)
        if caller.rate is not None:  # counted by the door with the token check (one round trip)
            count, retry_after = caller.rate
            allowed = count <= max(1, int(caller.consumer.rate_limit_per_minute))
        else:
            allowed, retry_after = consumer_hit(caller.consumer.pk, caller.consumer.rate_limit_per_minute)
        if not allowed:
            raise errors.RateLimited(retry_after)
        return True


def _registered_member(request: HttpRequest) -> str:
    """The X-Road member a call names, when a consumer is registered with it; "" otherwise. A direct caller
    writes any X-Road-Client it likes: an unregistered member must not give it a fresh count per value."""
    member = services.xroad_member(services.last_header_value(request.META.get("HTTP_X_ROAD_CLIENT", "")))
    if not member:
        return ""
    try:
        registered = ApiConsumer.objects.filter(xroad_client__startswith=f"{member}/").exists()
    except DatabaseError:
        return ""
    return member if registered else ""


def _failure_key(request: HttpRequest, window: int) -> str:
    """Who is counted for refused tokens: the address and, for a call through CamDX, the calling X-Road
    member when it is a registered one. Every CamDX call arrives from our own security server's address;
    keyed by the address alone, one member's stale token would lock every other member out."""
    who = f"{throttle.client_key(request)}|{_registered_member(request)}"
    digest = hashlib.sha256(who.encode()).hexdigest()[:32]  # no address in clear in a key
    return f"{_KEY_PREFIX}:token-failure:{digest}:{window}"


def _failure_window() -> tuple[throttle.Rate, int, int]:
    rate = throttle.rate_for(TOKEN_FAILURE_SCOPE)
    now = time.time()
    window = int(now // rate.period)
    return rate, window, max(1, math.ceil((window + 1) * rate.period - now))


def refuse_failing_address(request: HttpRequest) -> None:
    """Raise errors.RateLimited when this address (and X-Road member) already sent too many refused tokens
    in the window."""
    rate, window, retry_after = _failure_window()
    try:
        count = int(cache.get(_failure_key(request, window)) or 0)
    except Exception:
        logger.warning("cache unavailable: the API token-failure limit is not enforced")
        return
    if count >= rate.limit:
        if count == rate.limit:
            logger.warning("API token failures: limit of %s per %ss reached", rate.limit, rate.period)
        raise errors.RateLimited(retry_after)


def count_token_failure(request: HttpRequest) -> None:
    rate, window, _retry_after = _failure_window()
    try:
        throttle.incr(_failure_key(request, window), rate.period + 60)
    except Exception:
        logger.warning("cache unavailable: a refused API token is not counted")

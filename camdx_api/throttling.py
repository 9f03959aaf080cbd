"""Rate limits of the API door, counted in the shared Redis cache (every web process sees the same counts).

- Per consumer: `ApiConsumer.rate_limit_per_minute` requests per fixed one-minute window; beyond it the call
  is refused with 429 and `Retry-After` (the seconds left in the window) before the endpoint runs.
- Per address, for calls without a valid token: `esb.throttle` scope "api-token-failure". Once an address has
  sent that many refused tokens in the window, its next calls are refused with 429 without asking CamDigiKey,
  so a stream of forged or stale tokens cannot turn into a stream of CamDigiKey round trips.

A cache outage lets calls through (logged): the limits protect capacity, the token check protects data.
"""

from __future__ import annotations

import logging
import math
import time

from django.core.cache import cache
from django.http import HttpRequest
from rest_framework.throttling import BaseThrottle

from camdx_api import errors
from camdx_api.services import Caller
from esb import throttle

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 60
TOKEN_FAILURE_SCOPE = "api-token-failure"  # noqa: S105 (a throttle scope)
_KEY_PREFIX = "camdx-api:rate"


def _count(key: str, timeout: int) -> int:
    if cache.add(key, 1, timeout=timeout):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, timeout=timeout)
        return 1


def consumer_hit(consumer_id: int, limit: int, *, now: float | None = None) -> tuple[bool, int]:
    """Count one call of a consumer: (allowed, seconds until the window ends)."""
    now = time.time() if now is None else now
    window = int(now // WINDOW_SECONDS)
    retry_after = max(1, math.ceil((window + 1) * WINDOW_SECONDS - now))
    try:
        count = _count(f"{_KEY_PREFIX}:{consumer_id}:{window}", WINDOW_SECONDS + 30)
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
        allowed, retry_after = consumer_hit(caller.consumer.pk, caller.consumer.rate_limit_per_minute)
        if not allowed:
            raise errors.RateLimited(retry_after)
        return True


def refuse_failing_address(request: HttpRequest) -> None:
    """Raise errors.RateLimited when this address already sent too many refused tokens in the window."""
    try:
        decision = throttle.peek(request, TOKEN_FAILURE_SCOPE)
    except Exception:
        logger.warning("cache unavailable: the API token-failure limit is not enforced")
        return
    if not decision.allowed:
        raise errors.RateLimited(decision.retry_after)


def count_token_failure(request: HttpRequest) -> None:
    try:
        throttle.count_success(request, TOKEN_FAILURE_SCOPE)  # counts one event; here, a refused token
    except Exception:
        logger.warning("cache unavailable: a refused API token is not counted")

"""A circuit breaker whose state lives in the shared cache (Redis), so every web and worker process sees
the same state of a remote service.

    breaker = CircuitBreaker("camdx:business_info", failure_threshold=5, cooldown_seconds=30)
    breaker.before_call()        # raises BreakerOpen while the circuit is open
    ... call ...
    breaker.record_success()     # or breaker.record_failure()

States: CLOSED (calls go through; consecutive failures are counted) → OPEN after `failure_threshold`
consecutive failures (calls refused without being sent) → HALF-OPEN once `cooldown_seconds` have passed
(one trial call is let through; others are still refused until it ends) → CLOSED on its success, OPEN again
for another cooldown on its failure. The counters are best effort: two processes failing at the same moment
may count one failure less, which only delays the opening by a call. A cache outage never blocks a call.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from django.core.cache import cache

logger = logging.getLogger(__name__)

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half-open"
KEY_PREFIX = "esb:circuit:v1:"


class BreakerOpen(Exception):
    """The circuit is open: `retry_after` seconds until a trial call is let through."""

    def __init__(self, name: str, retry_after: float) -> None:
        self.name = name
        self.retry_after = max(retry_after, 0.0)
        super().__init__(f"circuit {name!r} is open (next trial in {self.retry_after:.0f} s)")


@dataclass(frozen=True)
class CircuitBreaker:
    name: str
    failure_threshold: int = 5
    cooldown_seconds: float = 30.0

    @property
    def _failures_key(self) -> str:
        return f"{KEY_PREFIX}{self.name}:failures"

    @property
    def _opened_key(self) -> str:
        return f"{KEY_PREFIX}{self.name}:opened-at"

    @property
    def _trial_key(self) -> str:
        return f"{KEY_PREFIX}{self.name}:trial"

    def _ttl(self) -> int:
        # State outlives the cooldown so that a half-open circuit is still known; it needs no other expiry.
        return int(self.cooldown_seconds * 10) + 60

    def state(self) -> str:
        try:
            opened_at = cache.get(self._opened_key)
        except Exception:
            return CLOSED
        if opened_at is None:
            return CLOSED
        return HALF_OPEN if time.time() - opened_at >= self.cooldown_seconds else OPEN

    def before_call(self) -> None:
        """Raise BreakerOpen unless a call may go now (closed, or the one trial of a half-open circuit)."""
        try:
            opened_at = cache.get(self._opened_key)
            if opened_at is None:
                return
            waited = time.time() - opened_at
            if waited < self.cooldown_seconds:
                raise BreakerOpen(self.name, self.cooldown_seconds - waited)
            # Half-open: `add` succeeds for one caller only; the trial slot frees itself after a cooldown in
            # case its holder died before recording the outcome.
            if not cache.add(self._trial_key, 1, timeout=max(int(self.cooldown_seconds), 1)):
                raise BreakerOpen(self.name, self.cooldown_seconds)
        except BreakerOpen:
            raise
        except Exception:
            logger.warning("circuit %s: cache unavailable, the call is let through", self.name)

    def record_success(self) -> None:
        try:
            cache.delete_many([self._failures_key, self._opened_key, self._trial_key])
        except Exception:
            logger.warning("circuit %s: cache unavailable, success not recorded", self.name)

    def record_failure(self) -> None:
        try:
            if cache.get(self._opened_key) is not None:  # the half-open trial failed: a new cooldown
                self._open()
                return
            cache.add(self._failures_key, 0, timeout=self._ttl())
            failures = cache.incr(self._failures_key)
            if failures >= self.failure_threshold:
                self._open()
                logger.warning("circuit %s opened after %d consecutive failures", self.name, failures)
        except Exception:
            logger.warning("circuit %s: cache unavailable, failure not recorded", self.name)

    def _open(self) -> None:
        cache.set(self._opened_key, time.time(), timeout=self._ttl())
        cache.delete(self._trial_key)

    def reset(self) -> None:
        """Close the circuit and forget its failures (tests, and an operator after a fix)."""
        self.record_success()

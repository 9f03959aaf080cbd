"""State of the simulated member systems (a ministry's e-service that the heartbeat watches): up, down or
slow, switched from the sandbox page or a POST so demos and tests can make a system fail. Kept in the
shared cache (every process of `make run` and a test's live server see the same switch); a forgotten state
is "up"."""

from __future__ import annotations

from django.core.cache import cache

UP, DOWN, SLOW = "up", "down", "slow"
STATES = (UP, DOWN, SLOW)
DEFAULT_SLOW_MS = 1500
MAX_SLOW_MS = 10_000

# code -> (English name, Khmer name)
SYSTEMS: dict[str, tuple[str, str]] = {
    "tourism": ("Ministry of Tourism e-service (sandbox)", "សេវាអេឡិចត្រូនិកក្រសួងទេសចរណ៍ (សាកល្បង)"),
}


class UnknownSystem(LookupError):
    pass


def _key(code: str) -> str:
    return f"sandbox:member:{code}"


def get_state(code: str) -> dict:
    if code not in SYSTEMS:
        raise UnknownSystem(code)
    return cache.get(_key(code)) or {"state": UP, "slow_ms": DEFAULT_SLOW_MS}


def set_state(code: str, state: str, slow_ms: int | None = None) -> dict:
    if code not in SYSTEMS:
        raise UnknownSystem(code)
    if state not in STATES:
        raise ValueError(f"state must be one of {', '.join(STATES)}")
    delay = DEFAULT_SLOW_MS if slow_ms is None else int(slow_ms)
    if not 0 <= delay <= MAX_SLOW_MS:
        raise ValueError(f"slow_ms must be between 0 and {MAX_SLOW_MS}")
    value = {"state": state, "slow_ms": delay}
    cache.set(_key(code), value, timeout=None)
    return value

"""The circuit breaker (esb/circuit.py): its states in the shared cache, one trial call when half-open, and
never a blocked call when the cache is down."""

from __future__ import annotations

import time

import pytest

from esb import circuit
from esb.circuit import BreakerOpen, CircuitBreaker


@pytest.fixture
def breaker():
    probe = CircuitBreaker("test:probe", failure_threshold=2, cooldown_seconds=0.2)
    probe.reset()
    yield probe
    probe.reset()


def test_closed_open_half_open_closed(breaker):
    assert breaker.state() == circuit.CLOSED
    breaker.record_failure()
    breaker.before_call()  # one failure: still closed
    breaker.record_failure()
    assert breaker.state() == circuit.OPEN
    with pytest.raises(BreakerOpen) as caught:
        breaker.before_call()
    assert 0 < caught.value.retry_after <= 0.2
    time.sleep(0.25)
    assert breaker.state() == circuit.HALF_OPEN
    breaker.before_call()  # the one trial
    with pytest.raises(BreakerOpen):
        breaker.before_call()  # everyone else waits for it
    breaker.record_success()
    assert breaker.state() == circuit.CLOSED
    breaker.before_call()


def test_a_success_resets_the_count_of_consecutive_failures(breaker):
    breaker.record_failure()
    breaker.record_success()
    breaker.record_failure()
    assert breaker.state() == circuit.CLOSED


def test_breakers_are_independent(breaker):
    other = CircuitBreaker("test:other", failure_threshold=1, cooldown_seconds=5)
    other.record_failure()
    try:
        assert other.state() == circuit.OPEN
        breaker.before_call()
    finally:
        other.reset()


def test_a_cache_outage_never_blocks_a_call(breaker, monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("redis is down")

    for name in ("get", "add", "incr", "set", "delete", "delete_many"):
        monkeypatch.setattr(circuit.cache, name, down)
    breaker.record_failure()
    breaker.record_failure()
    breaker.before_call()
    breaker.record_success()
    assert breaker.state() == circuit.CLOSED

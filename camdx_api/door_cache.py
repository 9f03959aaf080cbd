"""The door's memory in the web process: what a busy consumer's calls would otherwise ask Redis three times
each (the token's status, the consumer's row, the rate counter), asked in ONE round trip.

A call whose token this process accepted moments ago (its entry here is younger than LOCAL_SECONDS and the
token's CamDigiKey acceptance is younger than services.POSITIVE_TTL) sends one pipeline to Redis: it reads
the door's *generation* and counts the call in its consumer's rate window. The entry is used only while the
generation is the one it was stored under. Every event that must reach the next call bumps the generation in
Redis, so every process drops its entries at its next call:

- a consumer saved or deleted (camdx_api.signals → services.forget_consumer): deactivated, access list
  narrowed, rate limit lowered, X-Road subsystem changed;
- a token's status forgotten (services.forget_token: revoked here);
- the shared cache flushed (the generation key is gone: it comes back with a new random value).

So a process-local entry never outlives what the shared cache would have served: a revoked token is refused
at most POSITIVE_TTL seconds after CamDigiKey accepted it (as before), a change made through the admin or
`register_consumer` takes effect at the next call (as before), and a row changed without a save (a
QuerySet.update(), manual SQL) within LOCAL_SECONDS (it was CONSUMER_TTL).

A cache outage: nothing is served from here (the slow path runs and reports it).
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache

LOCAL_SECONDS = 10  # the longest an entry is used without reading the token status and consumer again
MAX_ENTRIES = 10_000  # tokens remembered per process (each a few hundred bytes); all dropped past it
_GENERATION_KEY = "camdx-api:door:generation"


@dataclass(frozen=True)
class Accepted:
    """A token this process accepted: its consumer and identity, usable until `until` (epoch seconds) under
    `generation`."""

    consumer: Any  # camdx_api.models.ApiConsumer (read-only: shared by the calls that use the entry)
    jti: str
    until: float
    generation: int


_entries: dict[str, Accepted] = {}
_lock = threading.Lock()


def lookup(digest: str, now: float | None = None) -> Accepted | None:
    """The entry of a token (by its SHA-256), when still young enough."""
    entry = _entries.get(digest)
    if entry is None:
        return None
    if entry.until <= (time.time() if now is None else now):
        _entries.pop(digest, None)
        return None
    return entry


def remember(digest: str, *, consumer, jti: str, accepted_until: float, generation: int | None) -> None:
    """Keep a token accepted by the slow path, under the generation read *before* it read anything (a change
    that committed in between has already bumped it: the entry is stale on arrival, never used)."""
    now = time.time()
    if generation is None or accepted_until <= now:  # an acceptance that does not say when it was given
        return
    until = min(accepted_until, now + LOCAL_SECONDS)
    with _lock:
        if len(_entries) >= MAX_ENTRIES:
            _entries.clear()
        _entries[digest] = Accepted(consumer=consumer, jti=jti, until=until, generation=generation)


def clear() -> None:
    with _lock:
        _entries.clear()


# One command, one round trip: the generation (created with a random value when the key is gone) and the
# rate window's new count (created with its expiry). A Lua script, because redis-py's pipeline object costs
# more CPU than the round trip it saves.
_GENERATION_AND_COUNT = """
redis.call('SET', KEYS[1], ARGV[1], 'NX')
local generation = redis.call('GET', KEYS[1])
redis.call('SET', KEYS[2], 0, 'EX', ARGV[2], 'NX')
return {generation, redis.call('INCR', KEYS[2])}
"""
_GENERATION = """
redis.call('SET', KEYS[1], ARGV[1], 'NX')
return redis.call('GET', KEYS[1])
"""
_scripts: list = []  # (both, generation only): Script objects, called with the current client


def _scripts_of(client) -> tuple:
    if not _scripts:
        _scripts.append((client.register_script(_GENERATION_AND_COUNT), client.register_script(_GENERATION)))
    return _scripts[0]


def _client():
    """The Redis client of the shared cache (None for another cache backend)."""
    backend = getattr(cache, "_cache", None)
    if backend is None or not hasattr(backend, "get_client"):
        return None
    return backend.get_client(_generation_name(), write=True)


def _generation_name() -> str:
    return cache.make_key(_GENERATION_KEY)


def _fresh_generation() -> int:
    # a random start: a flushed cache never brings back a generation some process still holds
    return secrets.randbits(62)


def generation() -> int | None:
    """The door's current generation (None: no shared Redis cache)."""
    client = _client()
    if client is None:
        return None
    only = _scripts_of(client)[1]
    return int(only(keys=[_generation_name()], args=[_fresh_generation()], client=client))


def generation_and_count(rate_key: str, rate_ttl: int) -> tuple[int, int] | None:
    """One round trip: the door's generation and the rate window's new count (the call counted; the counter
    is stored as esb.throttle.incr stores it, so `cache.get` reads it). None without a shared Redis cache."""
    client = _client()
    if client is None:
        return None
    both = _scripts_of(client)[0]
    found, count = both(
        client=client,
        keys=[_generation_name(), cache.make_key(rate_key)],
        args=[_fresh_generation(), rate_ttl],
    )
    return int(found), int(count)


def bump() -> None:
    """Make every process drop its entries at its next call (raises when the cache is unavailable)."""
    client = _client()
    clear()
    if client is None:
        return
    pipe = client.pipeline(transaction=False)
    pipe.set(_generation_name(), _fresh_generation(), nx=True)
    pipe.incr(_generation_name())
    pipe.execute()

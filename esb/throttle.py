"""Rate limits for the doors anyone can knock on, counted in the shared Redis cache.

Each *scope* (a door: "login", "support", ...) allows `limit` requests per fixed window of `period` seconds
to one client. A client is the logged-in user when there is one, otherwise the address from
`esb.request_context.client_ip` (only trusted proxies may name another address; an IPv6 client is counted
by its /64, which one subscriber usually holds whole). Beyond the limit the door answers 429 with
`Retry-After` and a translated page, and the view does not run — so nothing it would write (audit rows,
support requests, feedback) is written.

What one client can add to the append-only audit trail is therefore bounded: at most `limit` rows per
window from the view, plus a single `throttle.refused` row per scope, client and window when the limit is
first reached. Later refusals in the same window are only counted (in the cache and the log); the next
summarising row carries how many requests the previous window refused.

    @throttle("support", methods=("POST",))
    def support(request): ...

Rates come from `RATES`, overridable per scope with `settings.ESB_THROTTLE_RATES = {"support": "5/h"}`.
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import logging
import math
import re
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from esb import audit, request_context

log = logging.getLogger(__name__)

_KEY_PREFIX = "esb-throttle"
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RATE_RE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*$")

# Generous for people, tight for scripts. Logins are counted per address and an office behind one NAT
# shares it, hence 30 starts per 5 minutes; a person who cancels CamDigiKey ten times in five minutes is
# rare. Support requests and feedback are written to tables that only grow.
RATES: dict[str, str] = {
    "login": "30/5m",  # POST /accounts/login/ (asks CamDigiKey for a login page)
    "login-callback": "30/5m",  # /accounts/camdigikey/callback/
    "login-error": "10/5m",  # /accounts/camdigikey/error/
    "password-login": "10/5m",  # POST to the back-office password form (break-glass)
    "support": "5/h",  # POST /help/support/
    "feedback": "10/h",  # POST /help/feedback/
    "payment-new-code": "10/10m",  # POST /applications/<id>/pay/new-code/ (a new KHQR attempt)
    "payment-checkout": "10/10m",  # POST /applications/<id>/pay/gateway/ (a new gateway checkout session)
    "payment-webhook": "300/m",  # POST /payments/webhooks/gateway/ (per sending address)
    "verify-page": "60/m",  # the verify.gov.kh simulator's public record pages and documents
    "verify-check": "10/m",
    "channel-code": "5/h",  # POST of the notification settings page that sends an SMS code (per person)
    "channel-code-check": "20/h",  # POST of a code (each wrong one also counts on the code itself)
    "channel-link": "20/h",  # POST that makes a new Telegram deep link
    "telegram-webhook": "600/m",  # POST /notifications/telegram/webhook/ (per sending address)
    # Part 5 API calls whose organization token is missing or refused, per address (camdx_api/throttling.py):
    # past this, the address is refused without asking CamDigiKey until the window ends.
    "api-token-failure": "60/m",  # POST of a file to check against a record (hashed, up to 20 MB)
    "report-export": "30/h",  # POST /backoffice/reports/export/ (per officer: a year-long list runs minutes)
}


@dataclass(frozen=True)
class Rate:
    limit: int
    period: int  # seconds

    @classmethod
    def parse(cls, text: str) -> Rate:
        """ "10/m", "30/5m", "5/h", "100/d"."""
        match = _RATE_RE.match(str(text))
        if not match:
            raise ValueError(f"not a rate: {text!r} (expected e.g. '10/m' or '30/5m')")
        count, multiple, unit = match.groups()
        period = int(multiple or 1) * _UNITS[unit]
        if int(count) < 1 or period < 1:
            raise ValueError(f"not a rate: {text!r}")
        return cls(limit=int(count), period=period)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    count: int  # requests counted in this window, this one included
    limit: int
    retry_after: int  # seconds until the window ends


def rate_for(scope: str) -> Rate:
    overrides = getattr(settings, "ESB_THROTTLE_RATES", None) or {}
    text = overrides.get(scope) or RATES.get(scope)
    if text is None:
        raise KeyError(f"no rate for throttle scope {scope!r}")
    return Rate.parse(text)


def client_key(request: HttpRequest) -> str:
    """Who is counted: the user when logged in, else the client address (IPv6 by its /64)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    ip = request_context.client_ip(request)
    if not ip:
        return "ip:unknown"
    address = ipaddress.ip_address(ip)
    if address.version == 6:
        return f"net:{ipaddress.ip_network(f'{ip}/64', strict=False).network_address}/64"
    return f"ip:{ip}"


def _key(scope: str, who: str, window: int, kind: str = "n") -> str:
    # Hashed: a key never holds an address in clear, and its length is fixed.
    digest = hashlib.sha256(who.encode()).hexdigest()[:32]
    return f"{_KEY_PREFIX}:{scope}:{digest}:{window}:{kind}"


def incr(key: str, timeout: int) -> int:
    """Add one to a window's counter in the shared cache (created with `timeout`); the new count.

    On the Redis cache: one round trip (a pipeline of `SET NX EX` and `INCR`) instead of add/exists/incr,
    three: every API call counts its consumer's rate here. Stored as Django's Redis cache stores an int, so
    `cache.get(key)` reads the count."""
    backend = getattr(cache, "_cache", None)
    if backend is None or not hasattr(backend, "get_client"):  # another cache backend
        return _incr_portable(key, timeout)
    name = cache.make_and_validate_key(key)
    pipe = backend.get_client(name, write=True).pipeline(transaction=False)
    pipe.set(name, 0, ex=timeout, nx=True)
    pipe.incr(name)
    return int(pipe.execute()[1])


def _incr_portable(key: str, timeout: int) -> int:
    if cache.add(key, 1, timeout=timeout):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, timeout=timeout)
        return 1


def _window(rate: Rate, now: float | None) -> tuple[int, int]:
    now = time.time() if now is None else now
    window = int(now // rate.period)
    return window, max(1, math.ceil((window + 1) * rate.period - now))


def hit(request: HttpRequest, scope: str, *, now: float | None = None) -> Decision:
    """Count one request of this client at `scope`; whether it may go on."""
    rate = rate_for(scope)
    window, retry_after = _window(rate, now)
    who = client_key(request)
    count = incr(_key(scope, who, window), timeout=rate.period + 60)
    decision = Decision(allowed=count <= rate.limit, count=count, limit=rate.limit, retry_after=retry_after)
    if not decision.allowed:
        _note_refusal(scope, who, window, rate)
    return decision


def peek(request: HttpRequest, scope: str, *, now: float | None = None) -> Decision:
    """Whether one more request of this client may go on, without counting it (see `count_success`)."""
    rate = rate_for(scope)
    window, retry_after = _window(rate, now)
    who = client_key(request)
    count = int(cache.get(_key(scope, who, window)) or 0)
    decision = Decision(allowed=count < rate.limit, count=count, limit=rate.limit, retry_after=retry_after)
    if not decision.allowed:
        _note_refusal(scope, who, window, rate)
    return decision


def count_success(request: HttpRequest, scope: str, *, now: float | None = None) -> None:
    """Count a request that wrote something (used with `peek`, so mistakes in a form do not use up the
    allowance)."""
    rate = rate_for(scope)
    window, _retry = _window(rate, now)
    incr(_key(scope, client_key(request), window), timeout=rate.period + 60)


def _note_refusal(scope: str, who: str, window: int, rate: Rate) -> None:
    """The first refusal of a window becomes one audit row; the rest are counted only."""
    refused = incr(_key(scope, who, window, "refused"), timeout=2 * rate.period + 60)
    if refused != 1:
        if refused in (10, 100, 1000) or refused % 10000 == 0:
            log.warning("throttle %s: %s requests refused so far in this window", scope, refused)
        return
    previous_refused = int(cache.get(_key(scope, who, window - 1, "refused")) or 0)
    log.warning("throttle %s: limit of %s per %ss reached", scope, rate.limit, rate.period)
    audit.record(
        "throttle.refused",
        object_type="esb.throttle",
        object_id=scope,
        object_repr=scope,
        after={
            "scope": scope,
            "client": who if who.startswith("user:") else "address",
            "limit": rate.limit,
            "period_seconds": rate.period,
            "window_started": window * rate.period,
            "refused_in_previous_window": previous_refused,
        },
        reason="rate limit reached; further requests in this window are refused without an audit row",
    )


def too_many_requests(request: HttpRequest, retry_after: int) -> HttpResponse:
    """The 429 page: what happened and when to try again."""
    minutes = max(1, math.ceil(retry_after / 60))
    response = render(request, "errors/429.html", {"retry_minutes": minutes}, status=429)
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    return response


def refuse_if_over(
    request: HttpRequest, scope: str, *, methods: Collection[str] | None = None
) -> HttpResponse | None:
    """Count the request; the 429 response when over the limit, None when it may go on. Requests whose
    method is not in `methods` (when given) are neither counted nor refused."""
    if methods is not None and request.method not in methods:
        return None
    decision = hit(request, scope)
    if decision.allowed:
        return None
    return too_many_requests(request, decision.retry_after)


def throttle(scope: str, *, methods: Collection[str] | None = None, successes_only: bool = False) -> Callable:
    """Decorator: the view runs only while this client is within the scope's rate (see `refuse_if_over`).

    `successes_only`: count only requests the view answered without an error (status below 400) — for
    forms, where a mistake writes nothing and must not use up the allowance. Concurrent requests of one
    client may then pass the limit by a few, never more than they run in parallel.
    Keeps the view's attributes (its access marker among them)."""
    rate_for(scope)  # an unknown scope fails at import time, not on the first request

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if methods is not None and request.method not in methods:
                return view(request, *args, **kwargs)
            if not successes_only:
                refused = refuse_if_over(request, scope)
                return refused if refused is not None else view(request, *args, **kwargs)
            decision = peek(request, scope)
            if not decision.allowed:
                return too_many_requests(request, decision.retry_after)
            response = view(request, *args, **kwargs)
            if response.status_code < 400:
                count_success(request, scope)
            return response

        wrapper.esb_throttle = scope
        return wrapper

    return decorator


def clear_all() -> int:
    """Forget every count (tests; or to let everyone in again after an incident). Returns how many keys."""
    backend = getattr(cache, "_cache", None)
    if backend is not None and hasattr(backend, "get_client"):  # django's RedisCache
        client = backend.get_client(write=True)
        pattern = cache.make_key(f"{_KEY_PREFIX}:*")
        keys = list(client.scan_iter(match=pattern, count=1000))
        if keys:
            client.delete(*keys)
        return len(keys)
    cache.clear()  # other backends (a per-test LocMemCache) hold nothing else worth keeping
    return 0

"""The outgoing-request log: every integration client times and records its calls through `record()`.

    with outgoing.record("camdigikey", "access-token", "POST", url) as call:
        response = session.post(url, json=body, timeout=5)
        call.status_code = response.status_code
        ...              # an exception raised in the block marks the call as failed, then propagates

Only metadata is stored (service, operation, method, URL without credentials or query values, HTTP status,
duration, outcome, error code and class, request id): never a body, header, key or token. Writing the row
can never break the call being logged: a database problem is logged and swallowed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.db import DatabaseError, transaction
from django.db.transaction import TransactionManagementError
from django.utils import timezone

from esb import request_context
from esb.models import OutgoingRequest

logger = logging.getLogger("esb.outgoing")

_URL_MAX = OutgoingRequest._meta.get_field("url").max_length
_REDACTED = "***"


def safe_url(url: str) -> str:
    """The URL without user:password and with every query value and the fragment replaced.

    Query values are dropped wholesale (not only the ones that look secret): partners put tokens and
    personal codes in query strings under names we cannot predict.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    host = parts.hostname or ""
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = f"{host}:{port}" if port else host
    query = urlencode([(name, _REDACTED) for name, _value in parse_qsl(parts.query, keep_blank_values=True)])
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))[:_URL_MAX]


@dataclass
class OutgoingCall:
    """What the caller fills in while the call runs; `record()` stores it when the block ends."""

    service: str
    operation: str
    method: str
    url: str
    status_code: int | None = None
    error_code: str = ""
    error_class: str = ""
    failed: bool = False

    def fail(self, error_code: str | int = "", error_class: str = "") -> None:
        """Mark the call as failed without raising (e.g. a partner answered with an error envelope)."""
        self.failed = True
        self.error_code = str(error_code)[:50]
        self.error_class = error_class[:100]


@contextmanager
def record(service: str, operation: str, method: str, url: str) -> Iterator[OutgoingCall]:
    """Time the block and store one OutgoingRequest row for it, whatever happens inside."""
    call = OutgoingCall(service=service[:50], operation=operation[:100], method=method.upper()[:10], url=url)
    started = time.monotonic()
    try:
        yield call
    except BaseException as exc:
        if not call.failed:
            call.fail(getattr(exc, "code", "") or "", type(exc).__name__)
        raise
    finally:
        _store(call, int((time.monotonic() - started) * 1000))


def _request_id() -> str:
    request_id = request_context.current().request_id
    return "" if request_id == "-" else request_id[:64]


def _store(call: OutgoingCall, duration_ms: int) -> None:
    outcome = OutgoingRequest.Outcome.ERROR if call.failed else OutgoingRequest.Outcome.OK
    url = safe_url(call.url)
    logger.info(
        "outgoing %s %s %s %s -> %s in %d ms%s",
        call.service,
        call.operation,
        call.method,
        url,
        call.status_code if call.status_code is not None else "-",
        duration_ms,
        f" ({call.error_class} {call.error_code})".rstrip() if call.failed else "",
    )
    try:
        # a savepoint: a failed insert must not poison the caller's transaction
        with transaction.atomic():
            OutgoingRequest.objects.create(
                created_at=timezone.now(),
                service=call.service,
                operation=call.operation,
                method=call.method,
                url=url,
                status_code=call.status_code,
                duration_ms=max(duration_ms, 0),
                outcome=outcome,
                error_code=call.error_code,
                error_class=call.error_class,
                request_id=_request_id(),
            )
    except (DatabaseError, TransactionManagementError):
        logger.warning("could not store the outgoing-request log row for %s %s", call.service, call.operation)

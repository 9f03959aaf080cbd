"""One probe of one member system over `esb.http`, judged into up / slow / down.

Probes are not written to the outgoing-request log (`log=False`): each answer is stored in
`monitoring.ProbeResult` with the same metadata (status, latency, error class), and a probe every 30 s per
system would otherwise bury the integration calls the log is for. No retries: a failed probe is a failure
to count, and the next slot probes again. The body is read up to `MAX_BODY` bytes only."""

from __future__ import annotations

import json
import socket
import time
from dataclasses import dataclass

import requests

from esb import http
from monitoring import addresses
from monitoring.models import CheckKind, Outcome

MAX_BODY = 64 * 1024
SERVICE = "monitoring-probe"

# Error classes stored with a failed probe (and an incident's cause): short codes, never an exception text.
TIMEOUT = "timeout"
CONNECTION = "connection"
HTTP_STATUS = "http_status"
BAD_JSON = "bad_json"
UNHEALTHY = "unhealthy"
TOO_LARGE = "too_large"
REQUEST_ERROR = "request_error"
REFUSED_ADDRESS = "refused_address"


@dataclass(frozen=True)
class ProbeAnswer:
    outcome: str
    latency_ms: int | None
    http_status: int | None = None
    error_class: str = ""


def _client(timeout_seconds: int) -> http.HttpClient:
    config = http.ClientConfig(
        SERVICE,
        connect_timeout=min(float(timeout_seconds), 3.05),
        read_timeout=float(timeout_seconds),
        retries=0,
        user_agent="esb-portal-heartbeat",
    )
    return http.client(config)


class _TooSlow(Exception):
    """The body kept trickling in past the probe's deadline (a slow-loris answer)."""


def _read_body(response: requests.Response, deadline: float) -> bytes | None:
    """Up to MAX_BODY bytes of the body; None when it is longer. The read timeout bounds each socket read
    only, so a server sending a byte every few seconds is cut off at the probe's overall deadline."""
    chunks, size = [], 0
    while True:
        # read1: at most one socket read, so the deadline is checked between reads (read(n) would wait
        # for all n bytes, one trickled byte at a time)
        chunk = response.raw.read1(8192)
        if not chunk:
            break
        size += len(chunk)
        if size > MAX_BODY:
            return None
        if time.monotonic() > deadline:
            raise _TooSlow
        chunks.append(chunk)
    return b"".join(chunks)


def _peer_socket(response: requests.Response) -> socket.socket | None:
    """The socket the answer came over: the pooled connection's, or (when the server closes after the
    answer, so urllib3 has let go of it) the one under http.client's reader."""
    connection = getattr(response.raw, "connection", None)
    sock = getattr(connection, "sock", None)
    if sock is None:
        reader = getattr(getattr(response.raw, "_fp", None), "fp", None)
        sock = getattr(getattr(reader, "raw", None), "_sock", None)
    return sock


def judge(check_kind: str, status: int, body: bytes | None) -> tuple[bool, str]:
    """(healthy, error class) for an answer. Part 5 health: HTTP 200 and a JSON object whose `code` is 200
    (endpoint 8: "the HTTP status says the same"); plain: any 2xx."""
    if check_kind == CheckKind.HTTP_2XX:
        return (200 <= status < 300, "" if 200 <= status < 300 else HTTP_STATUS)
    if body is None:
        return False, TOO_LARGE
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return False, BAD_JSON if status == 200 else HTTP_STATUS
    if not isinstance(document, dict):
        return False, BAD_JSON if status == 200 else HTTP_STATUS
    code = document.get("code")
    if status == 200 and code in (200, "200"):
        return True, ""
    if status != 200:
        return False, HTTP_STATUS
    return False, UNHEALTHY


def run(url: str, *, check_kind: str, timeout_seconds: int, slow_ms: int) -> ProbeAnswer:
    """Probe once; never raises for anything the remote side or the network does."""
    started = time.monotonic()

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        addresses.check_url(url, resolve_required=True)
    except addresses.RefusedAddress:
        return ProbeAnswer(Outcome.DOWN, 0, None, REFUSED_ADDRESS)
    deadline = started + timeout_seconds
    try:
        response = _client(timeout_seconds).request(
            "GET",
            url,
            operation="probe",
            log=False,
            stream=True,
            allow_redirects=False,
            headers={"Accept": "application/json"},
        )
        try:
            addresses.check_peer(_peer_socket(response))
            body = _read_body(response, deadline)
        finally:
            response.close()
    except addresses.RefusedAddress:
        return ProbeAnswer(Outcome.DOWN, elapsed(), None, REFUSED_ADDRESS)
    except (requests.Timeout, _TooSlow):
        return ProbeAnswer(Outcome.DOWN, elapsed(), None, TIMEOUT)
    except requests.ConnectionError as error:
        # a read timeout while streaming the body surfaces as a ConnectionError wrapping a ReadTimeoutError
        timed_out = "timed out" in str(error).lower()
        return ProbeAnswer(Outcome.DOWN, elapsed(), None, TIMEOUT if timed_out else CONNECTION)
    except requests.RequestException:
        return ProbeAnswer(Outcome.DOWN, elapsed(), None, REQUEST_ERROR)
    latency = elapsed()
    healthy, error_class = judge(check_kind, response.status_code, body)
    if not healthy:
        return ProbeAnswer(Outcome.DOWN, latency, response.status_code, error_class)
    outcome = Outcome.SLOW if latency > slow_ms else Outcome.UP
    return ProbeAnswer(outcome, latency, response.status_code, "")

"""The one outgoing HTTP layer: every integration client (CamDigiKey, CamDX, Bakong, verify.gov.kh) talks
HTTP through it.

    http_client = http.client(http.ClientConfig("camdigikey", read_timeout=5, ca_bundle=..., client_cert=...))
    response = http_client.request("POST", url, operation="access-token", json=body)

What it guarantees, so that no client has to remember it:
- one `requests.Session` per configuration (service name + connection options), reused by every call, so
  TCP and TLS connections are pooled instead of opened per call;
- a connect and a read timeout on every request (nobody waits on a partner forever);
- optional mutual TLS (client certificate and key) and a private CA bundle, from configuration;
- retries with exponential backoff and jitter on connection failures, read failures and 502/503/504, but
  only for idempotent methods: a POST may have changed state at the partner, so it is never sent twice;
- every call recorded in the outgoing-request log (`esb.outgoing`: service, operation, method, URL without
  credentials or query values, status, duration, outcome); headers and bodies are never logged, and query
  values are masked in urllib3's own log lines too.

Protocol (envelopes, signatures, tokens) stays in each client; this module knows only HTTP.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass, field
from typing import Any

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ReadTimeoutError
from urllib3.util.retry import Retry

from esb import outgoing

_QUERY_VALUE = re.compile(r"([?&][^=&\s\"'?]+)=([^&\s\"']*)")


class RedactQueryValues(logging.Filter):
    """urllib3 logs each request line with its query string (DEBUG) and each retry with the URL (WARNING):
    replace every query value before any handler sees the record, since tokens travel in query strings."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = _QUERY_VALUE.sub(r"\1=***", message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


for _name in ("urllib3.connectionpool", "urllib3.connection", "urllib3.util.retry", "urllib3.poolmanager"):
    logging.getLogger(_name).addFilter(RedactQueryValues())

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})
RETRY_STATUSES = (502, 503, 504)
POOL_SIZE = 10


@dataclass(frozen=True)
class ClientConfig:
    """How to reach one service. Frozen and hashable: equal configurations share one session."""

    service: str
    connect_timeout: float = 3.05
    read_timeout: float = 10.0
    client_cert: str = ""
    client_key: str = field(default="", repr=False)
    ca_bundle: str = ""
    retries: int = 2
    backoff: float = 0.2  # seconds; doubles on each retry
    backoff_jitter: float = 0.2  # seconds of random extra wait, so that clients do not retry in step
    user_agent: str = "esb-portal"

    @property
    def timeout(self) -> tuple[float, float]:
        return (self.connect_timeout, self.read_timeout)

    @property
    def verify(self) -> str | bool:
        return self.ca_bundle or True

    @property
    def cert(self) -> tuple[str, str] | None:
        return (self.client_cert, self.client_key) if self.client_cert else None


def config_from_settings(service: str, **defaults: Any) -> ClientConfig:
    """The service's options from `settings.ESB_HTTP_CLIENTS[service]` (any of CONNECT_TIMEOUT,
    READ_TIMEOUT, CLIENT_CERT, CLIENT_KEY, CA_BUNDLE, RETRIES), over `defaults`."""
    raw = (getattr(settings, "ESB_HTTP_CLIENTS", None) or {}).get(service, {})
    names = {
        "CONNECT_TIMEOUT": "connect_timeout",
        "READ_TIMEOUT": "read_timeout",
        "CLIENT_CERT": "client_cert",
        "CLIENT_KEY": "client_key",
        "CA_BUNDLE": "ca_bundle",
        "RETRIES": "retries",
    }
    options = {**defaults, **{names[k]: v for k, v in raw.items() if k in names and v not in (None, "")}}
    return ClientConfig(service, **options)


class IdempotentRetry(Retry):
    """urllib3's Retry that never resends a non-idempotent request.

    Plain Retry already refuses read and status retries for such methods, but still retries connection
    errors for any method; we do not, so the rule is one line long: only idempotent methods are retried."""

    def increment(self, method: str | None = None, *args: Any, **kwargs: Any) -> Retry:
        if method is not None and not self._is_method_retryable(method):
            exhausted = Retry(
                total=0, connect=0, read=0, status=0, other=0, redirect=0, raise_on_status=False
            )
            return Retry.increment(exhausted, method, *args, **kwargs)
        return super().increment(method, *args, **kwargs)


class HttpClient:
    """One service's pooled session. Use `client(config)` to get the shared instance."""

    def __init__(self, config: ClientConfig) -> None:
        self.config = config
        self.session = requests.Session()
        retry = IdempotentRetry(
            total=config.retries,
            connect=config.retries,
            read=config.retries,
            status=config.retries,
            other=0,
            redirect=0,
            allowed_methods=IDEMPOTENT_METHODS,
            status_forcelist=RETRY_STATUSES,
            backoff_factor=config.backoff,
            backoff_jitter=config.backoff_jitter,
            raise_on_status=False,  # the last answer goes back to the client, which reads its status
            respect_retry_after_header=True,
        )
        adapter = HTTPAdapter(max_retries=retry, pool_connections=POOL_SIZE, pool_maxsize=POOL_SIZE)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        self.session.headers.update({"User-Agent": config.user_agent})
        self.session.verify = config.verify
        self.session.cert = config.cert

    def __repr__(self) -> str:
        return f"HttpClient({self.config.service!r})"

    def request(
        self,
        method: str,
        url: str,
        *,
        operation: str,
        call: outgoing.OutgoingCall | None = None,
        log: bool = True,
        **kwargs: Any,
    ) -> requests.Response:
        """Send one request and log it. `call`: an outgoing-log entry the caller already opened (when the
        caller also wants to mark a protocol-level failure on it); otherwise one is opened here.
        `log=False`: no outgoing-log row, for callers that keep their own record of every call (the
        heartbeat probes, every few seconds per member system, would flood the log)."""
        kwargs.setdefault("timeout", self.config.timeout)
        # Per request, not only on the session: requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE in the
        # environment override a session's `verify`, which would silently drop the onboarding trust store.
        kwargs.setdefault("verify", self.session.verify)
        kwargs.setdefault("cert", self.session.cert)
        if call is not None:
            return self._send(call, method, url, **kwargs)
        if not log:
            return self._send(
                outgoing.OutgoingCall(self.config.service, operation, method, url), method, url, **kwargs
            )
        with outgoing.record(self.config.service, operation, method, url) as new_call:
            response = self._send(new_call, method, url, **kwargs)
            if response.status_code >= 500:
                new_call.fail(response.status_code, "HTTPError")
            return response

    def _send(self, call: outgoing.OutgoingCall, method: str, url: str, **kwargs: Any) -> requests.Response:
        try:
            response = self.session.request(method, url, **kwargs)
        except requests.ConnectionError as exc:
            # Retries used up on read timeouts come back from requests as a ConnectionError; callers tell
            # "slow" from "unreachable" by the exception class, so give the timeout its own.
            reason = getattr(exc.args[0] if exc.args else None, "reason", None)
            if isinstance(reason, ReadTimeoutError):
                raise requests.ReadTimeout(exc, request=exc.request, response=exc.response) from exc
            raise
        call.status_code = response.status_code
        return response

    def close(self) -> None:
        self.session.close()


_clients: dict[ClientConfig, HttpClient] = {}
_clients_lock = threading.Lock()


def client(config: ClientConfig) -> HttpClient:
    """The shared client for this configuration (created at first use; a changed configuration, e.g. a new
    CA bundle, gets a session of its own)."""
    found = _clients.get(config)
    if found is not None:
        return found
    with _clients_lock:
        return _clients.setdefault(config, HttpClient(config))


def client_for(service: str, **defaults: Any) -> HttpClient:
    return client(config_from_settings(service, **defaults))


def close_all() -> None:
    """Close every pooled session (tests, and a worker shutting down)."""
    with _clients_lock:
        for http_client in _clients.values():
            http_client.close()
        _clients.clear()

"""Who is acting, for which request: carried in a context variable so services and the audit trail can
read it without every function taking a request argument."""

from __future__ import annotations

import contextvars
import functools
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from django.conf import settings
from django.http import HttpRequest


@dataclass(frozen=True)
class RequestContext:
    request_id: str = "-"
    ip: str | None = None
    actor_id: int | None = None
    actor_label: str = ""
    on_behalf_of: str = ""
    xroad_client: str = ""
    xroad_id: str = ""
    extra: dict = field(default_factory=dict)


_current: contextvars.ContextVar[RequestContext] = contextvars.ContextVar("esb_request_context")


def current() -> RequestContext:
    return _current.get(RequestContext())


def set_context(ctx: RequestContext) -> contextvars.Token:
    return _current.set(ctx)


def update_context(**changes) -> None:
    _current.set(replace(current(), **changes))


def reset_context(token: contextvars.Token) -> None:
    _current.reset(token)


# --- the client's address ----------------------------------------------------------------------------------

_Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _parse_ip(value: str | None) -> str | None:
    """The canonical text of an IPv4/IPv6 address (an IPv4-mapped IPv6 address as IPv4), or None."""
    text = (value or "").strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443"
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # "192.0.2.1:5000"
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return str(address)


@functools.lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[_Network, ...]:
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(str(entry).strip(), strict=False))
        except ValueError:
            continue  # settings refuse malformed entries in production; here they simply trust nothing
    return tuple(networks)


def trusted_proxies() -> tuple[_Network, ...]:
    """The networks of `settings.ESB_TRUSTED_PROXIES` (addresses or CIDRs; empty: trust no one)."""
    configured = getattr(settings, "ESB_TRUSTED_PROXIES", None) or ()
    if isinstance(configured, str):
        configured = configured.replace(",", " ").split()
    return _networks(tuple(configured))


def _is_trusted(ip: str, networks: Iterable[_Network]) -> bool:
    address = ipaddress.ip_address(ip)
    return any(address.version == net.version and address in net for net in networks)


def client_ip(request: HttpRequest) -> str | None:
    """The address of the client, as the audit trail, the lockout and the throttles must all see it.

    Forwarding headers are believed only from a configured proxy: anyone reaching the application
    directly could otherwise pick a new `X-Real-IP` for every request and escape lockouts and throttles.
    Behind trusted proxies, X-Forwarded-For is read from the right (each proxy appends the address it was
    reached from) and the first address that is not itself a trusted proxy is the client; entries further
    left were written by the client and are ignored. `X-Real-IP` is the fallback when there is no usable
    X-Forwarded-For entry."""
    remote = _parse_ip(request.META.get("REMOTE_ADDR"))
    networks = trusted_proxies()
    if remote is None or not networks or not _is_trusted(remote, networks):
        return remote
    for entry in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        ip = _parse_ip(entry)
        if ip is None:
            break  # not written by a trusted proxy: nothing to its left can be believed either
        if not _is_trusted(ip, networks):
            return ip
    real_ip = _parse_ip(request.META.get("HTTP_X_REAL_IP"))
    return real_ip or remote


def correlation_id() -> str:
    """The id that ties work to where it started: the request that caused a Celery task or an outbox message
    keeps its id here (`extra["correlation_id"]`) across hops; a plain request is its own correlation."""
    ctx = current()
    return ctx.extra.get("correlation_id") or ctx.request_id

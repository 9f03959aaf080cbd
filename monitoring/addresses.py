"""Which addresses a probe may reach (docs/monitoring.md): a national administrator types the probe URL, so
without a policy the heartbeat is a way to make the portal's workers send GETs inside its own network
(cloud metadata, a database port on localhost, the admin of a router).

- Only http and https, no user:password in the URL.
- Never: link-local (169.254.0.0/16 with the cloud metadata 169.254.169.254, fe80::/10), the other metadata
  addresses (fd00:ec2::254, 100.100.100.200), multicast, unspecified and reserved addresses — whatever the
  allow-list says: none of them is a ministry's system.
- Loopback, private (RFC 1918, fc00::/7) and shared (100.64.0.0/10) addresses only inside a network named in
  `MONITORING_PROBE_ALLOWED_NETWORKS` (production names the government network's ranges; development and
  tests allow the local ranges). Public addresses are allowed.
Checked when the URL is saved (a literal address, `localhost`, or a name that resolves now) and again at
every probe, on every address the name resolves to and on the address actually connected to, so a name
that later resolves inside (DNS rebinding) is refused then."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_ALWAYS_REFUSED = [
    ipaddress.ip_network(net)
    for net in ("169.254.0.0/16", "fe80::/10", "fd00:ec2::254/128", "100.100.100.200/32", "0.0.0.0/8")
]
_SHARED = ipaddress.ip_network("100.64.0.0/10")


class RefusedAddress(Exception):
    """The URL or one of its addresses is outside the probe policy; `str()` says why (no secret in it)."""


def _allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    networks = []
    for raw in getattr(settings, "MONITORING_PROBE_ALLOWED_NETWORKS", []) or []:
        try:
            networks.append(ipaddress.ip_network(str(raw).strip(), strict=False))
        except ValueError:
            continue  # esb.config_checks reports a malformed entry; here it simply allows nothing
    return networks


def check_address(address: IPAddress) -> None:
    """Raise RefusedAddress unless a probe may connect to `address`."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if (
        any(address in net for net in _ALWAYS_REFUSED if net.version == address.version)
        or address.is_link_local
        or address.is_multicast
        or address.is_unspecified
        or address.is_reserved
    ):
        raise RefusedAddress(f"{address} is a link-local, metadata or reserved address")
    internal = address.is_loopback or address.is_private or address in _SHARED
    if not internal:
        return
    if any(address in net for net in _allowed_networks() if net.version == address.version):
        return
    raise RefusedAddress(f"{address} is an internal address not named in MONITORING_PROBE_ALLOWED_NETWORKS")


def _host(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise RefusedAddress("only http and https addresses are probed")
    if parts.username is not None or parts.password is not None:
        raise RefusedAddress("a probe URL carries no user name or password")
    host = parts.hostname or ""
    if not host:
        raise RefusedAddress("the URL has no host")
    return host


def _resolve(host: str) -> list[IPAddress]:
    infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    return [ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos]


def check_url(url: str, *, resolve_required: bool) -> None:
    """Raise RefusedAddress unless `url` may be probed. With `resolve_required` (at probe time) a name that
    does not resolve is refused too; when saving, it is accepted (the system may not be up yet)."""
    host = _host(url)
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        check_address(literal)
        return
    if host.rstrip(".").lower() == "localhost" or host.rstrip(".").lower().endswith(".localhost"):
        check_address(ipaddress.ip_address("127.0.0.1"))
    try:
        addresses = _resolve(host)
    except (OSError, UnicodeError, ValueError):
        if resolve_required:
            raise RefusedAddress("the host name does not resolve") from None
        return
    for address in addresses:
        check_address(address)


def check_peer(sock: socket.socket | None) -> None:
    """Refuse the address a connection actually reached (the name may have resolved again in between)."""
    if sock is None:
        return
    try:
        peer = sock.getpeername()[0]
    except (OSError, IndexError, TypeError):
        return
    check_address(ipaddress.ip_address(str(peer).split("%", 1)[0]))

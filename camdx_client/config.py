"""settings.CAMDX as typed values (built and checked once at start-up by esb/integration_settings.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings

from camdx_client.errors import UnknownService
from camdx_client.identifiers import ClientId, ServiceId


@dataclass(frozen=True)
class ServiceConfig:
    """One remote service by the name the portal calls it: its X-Road id, the path every call starts with,
    and its own read timeout (None: the default)."""

    name: str
    service_id: ServiceId
    path: str = ""
    read_timeout: float | None = None


@dataclass(frozen=True)
class CamdxConfig:
    security_server_url: str
    client: ClientId
    services: dict[str, ServiceConfig] = field(hash=False)
    connect_timeout: float = 3.05
    read_timeout: float = 10.0
    retries: int = 2
    ca_bundle: str = ""
    client_cert: str = ""
    client_key: str = field(default="", repr=False)
    breaker_failures: int = 5
    breaker_cooldown_seconds: float = 30.0
    token_refresh_margin_seconds: int = 60

    @classmethod
    def from_settings(cls) -> CamdxConfig:
        raw = settings.CAMDX
        classes = tuple(raw["MEMBER_CLASSES"])
        services = {
            name: ServiceConfig(
                name,
                ServiceId.parse(service["ID"], member_classes=classes),
                service.get("PATH", ""),
                service.get("READ_TIMEOUT"),
            )
            for name, service in raw["SERVICES"].items()
        }
        return cls(
            security_server_url=raw["SECURITY_SERVER_URL"].rstrip("/"),
            client=ClientId.parse(raw["CLIENT"], member_classes=classes),
            services=services,
            connect_timeout=raw["CONNECT_TIMEOUT"],
            read_timeout=raw["READ_TIMEOUT"],
            retries=raw["RETRIES"],
            ca_bundle=raw["CA_BUNDLE"],
            client_cert=raw["CLIENT_CERT"],
            client_key=raw["CLIENT_KEY"],
            breaker_failures=raw["BREAKER_FAILURES"],
            breaker_cooldown_seconds=raw["BREAKER_COOLDOWN_SECONDS"],
            token_refresh_margin_seconds=raw["TOKEN_REFRESH_MARGIN_SECONDS"],
        )

    def service(self, name: str) -> ServiceConfig:
        try:
            return self.services[name]
        except KeyError:
            known = ", ".join(sorted(self.services)) or "none"
            raise UnknownService(f"CAMDX['SERVICES'] has no service {name!r} (configured: {known})") from None

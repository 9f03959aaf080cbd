"""The client's configuration: settings.CAMDIGIKEY as a typed, validated value (keys never in its repr)."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field

from django.conf import settings

from accounts.camdigikey.errors import ConfigurationError


def b64decode_strict(value: str, setting: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ConfigurationError(f"CAMDIGIKEY[{setting!r}] is not valid base64") from None


@dataclass(frozen=True)
class CamDigiKeyConfig:
    """Credentials issued at CamDigiKey onboarding (dpi-protocols.md §2.2) and connection options.

    Only `base_url` and the credentials differ between the sandbox and the real CamDigiKey.
    """

    base_url: str
    client_id: str
    domain: str
    hmac_key: str = field(repr=False)
    aes_secret_key: str = field(repr=False)
    aes_iv: str = field(repr=False)
    client_cert: str = ""
    client_key: str = field(default="", repr=False)
    ca_bundle: str = ""
    timeout: float = 5.0

    @classmethod
    def from_settings(cls) -> CamDigiKeyConfig:
        raw = getattr(settings, "CAMDIGIKEY", None) or {}
        return cls(
            base_url=str(raw.get("BASE_URL", "")).rstrip("/"),
            client_id=str(raw.get("CLIENT_ID", "")),
            domain=str(raw.get("DOMAIN", "")),
            hmac_key=str(raw.get("HMAC_KEY", "")),
            aes_secret_key=str(raw.get("AES_SECRET_KEY", "")),
            aes_iv=str(raw.get("AES_IV", "")),
            client_cert=str(raw.get("CLIENT_CERT", "") or ""),
            client_key=str(raw.get("CLIENT_KEY", "") or ""),
            ca_bundle=str(raw.get("CA_BUNDLE", "") or ""),
            timeout=float(raw.get("TIMEOUT", 5.0) or 5.0),
        )

    def validate(self) -> None:
        """Refuse a configuration the protocol cannot work with, naming the setting (never the value)."""
        for name in ("base_url", "client_id", "domain", "hmac_key", "aes_secret_key", "aes_iv"):
            if not getattr(self, name):
                raise ConfigurationError(f"CAMDIGIKEY[{name.upper()!r}] is empty")
        if not self.base_url.startswith(("https://", "http://")):
            raise ConfigurationError("CAMDIGIKEY['BASE_URL'] must be an http(s) URL")
        if len(b64decode_strict(self.aes_secret_key, "AES_SECRET_KEY")) != 32:
            raise ConfigurationError("CAMDIGIKEY['AES_SECRET_KEY'] must decode to 32 bytes (AES-256)")
        if len(b64decode_strict(self.aes_iv, "AES_IV")) != 16:
            raise ConfigurationError("CAMDIGIKEY['AES_IV'] must decode to 16 bytes")
        b64decode_strict(self.hmac_key, "HMAC_KEY")
        if bool(self.client_cert) != bool(self.client_key):
            raise ConfigurationError("CAMDIGIKEY['CLIENT_CERT'] and ['CLIENT_KEY'] must be set together")
        if self.timeout <= 0:
            raise ConfigurationError("CAMDIGIKEY['TIMEOUT'] must be positive")

"""The client's configuration: settings.CAMDIGIKEY as a typed value (keys never in its repr).

The settings are validated once, when they load (esb/settings.py refuses to start with a missing or
malformed key); this module only reads them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings


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

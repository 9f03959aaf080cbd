"""Typed CamDigiKey errors, with the client library's error codes (spec: dpi-protocols.md §2.6).

Every error carries `code` and `message`. Messages are safe to log and to show an operator: they never
contain a key, a token, a decrypted payload or a personal identifier.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured


class CamDigiKeyError(Exception):
    """Base class: `code` (int for protocol errors, str for local ones) and a safe `message`."""

    code: int | str = "camdigikey_error"
    default_message = "CamDigiKey request failed"

    def __init__(self, message: str | None = None, *, code: int | str | None = None) -> None:
        self.message = (message or self.default_message)[:300]
        if code is not None:
            self.code = code
        super().__init__(self.message)

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"


class InvalidCertificateChain(CamDigiKeyError):
    code = 100
    default_message = "the signer certificate chain is invalid"


class InvalidTokenSignature(CamDigiKeyError):
    code = 101
    default_message = "the token signature is invalid"


class InvalidClientDomain(CamDigiKeyError):
    code = 102
    default_message = "the token was issued for another client domain"


class ExpiredAccessToken(CamDigiKeyError):
    code = 103
    default_message = "the access token has expired"


class DisabledAccessToken(CamDigiKeyError):
    code = 104
    default_message = "the access token is disabled (logged out or revoked)"


class DecryptPayloadError(CamDigiKeyError):
    code = 105
    default_message = "the payload could not be authenticated or decrypted"


class InvalidAccessTokenType(CamDigiKeyError):
    code = 106
    default_message = "the access token has the wrong type"


class AccessTokenIdEmpty(CamDigiKeyError):
    code = 107
    default_message = "the access token has no id (jti)"


class ServerError(CamDigiKeyError):
    """CamDigiKey answered with `error != 0`; `code` is the server's error number."""

    code = "server_error"
    default_message = "CamDigiKey refused the request"


class TransportError(CamDigiKeyError):
    """Timeout, connection or TLS failure, or an answer that is not the protocol's JSON."""

    code = "transport_error"
    default_message = "CamDigiKey could not be reached"


class ConfigurationError(CamDigiKeyError, ImproperlyConfigured):
    """settings.CAMDIGIKEY is incomplete or malformed (names the setting, never its value)."""

    code = "configuration_error"
    default_message = "CamDigiKey is not configured"


# Library codes a server may also answer with: they raise the matching typed error.
BY_CODE: dict[int, type[CamDigiKeyError]] = {
    cls.code: cls  # type: ignore[misc]
    for cls in (
        InvalidCertificateChain,
        InvalidTokenSignature,
        InvalidClientDomain,
        ExpiredAccessToken,
        DisabledAccessToken,
        DecryptPayloadError,
        InvalidAccessTokenType,
        AccessTokenIdEmpty,
    )
}

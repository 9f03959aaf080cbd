"""The API's typed refusals. Each carries the HTTP status, a stable `reason` (logged in ApiCall.outcome and
named in `WWW-Authenticate` for token problems) and an English message: the API speaks to programs
written against the English contract of spec/part5-api.md, so its messages are not translated.
"""

from __future__ import annotations

from rest_framework import exceptions, status


class ApiError(exceptions.APIException):
    """Base of the refusals the envelopes render (envelopes.error_response)."""

    status_code = status.HTTP_400_BAD_REQUEST
    reason = "bad_request"
    default_detail = "Bad request."

    def __init__(self, message: str | None = None, *, errors: dict | list | None = None) -> None:
        super().__init__(message or self.default_detail)
        self.message = str(message or self.default_detail)
        self.errors = errors


class BadRequest(ApiError):
    reason = "bad_request"
    default_detail = "Bad request."


class NotFound(ApiError):
    status_code = status.HTTP_404_NOT_FOUND
    reason = "not_found"
    default_detail = "Not found."


# --- the organization token (HTTP 401) ---------------------------------------------------------------------


class InvalidAccessToken(ApiError):
    """The spec's "invalid access token" (code 500 / status -1), whatever the precise reason."""

    status_code = status.HTTP_401_UNAUTHORIZED
    reason = "invalid_token"
    default_detail = "Invalid access token."


class MissingToken(InvalidAccessToken):
    reason = "missing_token"
    default_detail = "Invalid access token: send an organization token as 'Authorization: Bearer <token>'."


class MalformedToken(InvalidAccessToken):
    reason = "malformed_token"
    default_detail = "Invalid access token: the token is malformed."


class BadSignature(InvalidAccessToken):
    reason = "bad_signature"
    default_detail = "Invalid access token: the signature does not verify."


class ExpiredToken(InvalidAccessToken):
    reason = "expired_token"
    default_detail = "Invalid access token: the token has expired."


class RevokedToken(InvalidAccessToken):
    reason = "revoked_token"
    default_detail = "Invalid access token: the token is revoked or disabled."


class WrongTokenType(InvalidAccessToken):
    reason = "wrong_token_type"
    default_detail = "Invalid access token: an ORGANIZATION token is required."


class UnknownConsumer(InvalidAccessToken):
    """No active consumer is registered for the token's domain. Unknown and deactivated domains answer the
    same message (a caller learns nothing about the registry), but are logged apart."""

    reason = "unknown_domain"
    default_detail = "Invalid access token: the token's organization is not registered for this API."


class InactiveConsumer(UnknownConsumer):
    reason = "inactive_consumer"


class XRoadClientMismatch(InvalidAccessToken):
    reason = "xroad_client_mismatch"
    default_detail = (
        "Invalid access token: the X-Road client is not the organization the token was issued to."
    )


# --- other refusals ----------------------------------------------------------------------------------------


class ServiceNotAllowed(ApiError):
    status_code = status.HTTP_403_FORBIDDEN
    reason = "service_not_allowed"
    default_detail = "Access denied: this organization may not use this service."


class RateLimited(ApiError):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    reason = "rate_limited"
    default_detail = "Too many requests."

    def __init__(self, wait: int, message: str | None = None) -> None:
        self.wait = max(1, int(wait))
        super().__init__(message or f"Too many requests: retry after {self.wait} seconds.")


class IdentityServiceUnavailable(ApiError):
    """CamDigiKey could not be asked (down, timed out, answered nonsense, or our client is misconfigured):
    the token is neither accepted nor refused. 503 with Retry-After, never a 500."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    reason = "identity_service_unavailable"
    default_detail = (
        "The token cannot be checked now: the identity service (CamDigiKey) is unavailable. Try again later."
    )
    retry_after = 30


class Forbidden(ApiError):
    status_code = status.HTTP_403_FORBIDDEN
    reason = "forbidden"
    default_detail = "Access denied."


class MethodNotAllowed(ApiError):
    status_code = status.HTTP_405_METHOD_NOT_ALLOWED
    reason = "method_not_allowed"
    default_detail = "Method not allowed: the API answers GET only."


class NotAcceptable(ApiError):
    status_code = status.HTTP_406_NOT_ACCEPTABLE
    reason = "not_acceptable"
    default_detail = "Not acceptable: the API answers application/json."


class InternalError(ApiError):
    """Anything unexpected: logged with its trace on the server, never shown."""

    status_code = status.HTTP_500_INTERNAL_SERVER_ERROR
    reason = "internal_error"
    default_detail = "Internal error."

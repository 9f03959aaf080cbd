"""OpenAPI (drf-spectacular): the organization token appears as a bearer security scheme."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class OrganizationTokenScheme(OpenApiAuthenticationExtension):
    target_class = "camdx_api.authentication.OrganizationTokenAuthentication"
    name = "camdigikeyOrganizationToken"

    def get_security_definition(self, auto_schema) -> dict:
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": (
                "A CamDigiKey ORGANIZATION access token of the calling institution "
                "(getOrganizationAccessToken), sent as `Authorization: Bearer <token>`. Its `domain` must be "
                "registered as an API consumer with the service in its access list."
            ),
        }


def _error_body(envelope: str, name: str):
    from drf_spectacular.utils import inline_serializer
    from rest_framework import serializers

    if envelope == "status":
        fields = {
            "status": serializers.IntegerField(help_text="0 not found or refused · -1 invalid access token"),
            "message": serializers.CharField(),
            "data": serializers.ListField(child=serializers.DictField(), help_text="always empty"),
            "pagination": serializers.DictField(allow_null=True, help_text="always null"),
            "errors": serializers.DictField(required=False, help_text="field -> messages (400 only)"),
        }
    else:
        fields = {
            "code": serializers.IntegerField(
                help_text="400 not found or bad request · 500 invalid access token · 403 · 429 · 503 · 500"
            ),
            "message": serializers.CharField(),
            "data": serializers.JSONField(allow_null=True, help_text="always null"),
            "errors": serializers.DictField(required=False, help_text="field -> messages (400 only)"),
        }
    return inline_serializer(name=name, fields=fields)


def error_responses(envelope: str = "code") -> dict:
    """The documented refusals of the door, for an endpoint's `@extend_schema(responses={200: …,
    **error_responses()})` (docs/api-access.md §4)."""
    from drf_spectacular.utils import OpenApiResponse

    body = _error_body(envelope, "Part5StatusError" if envelope == "status" else "Part5Error")
    described = {
        400: "Bad request: invalid or unknown query parameters (code 400, `errors` by field).",
        401: "Invalid access token: missing, malformed, bad signature, expired, revoked, not an ORGANIZATION "
        "token, organization not registered, or X-Road client of another member (code 500 / status -1).",
        403: "The service is not in the organization's access list (code 403).",
        404: "Not found (code 400 / status 0).",
        429: "Rate limit reached; see Retry-After (code 429).",
        500: "Unexpected error; the message quotes the request id (code 500).",
        503: "CamDigiKey cannot check the token now; see Retry-After (code 503).",
    }
    return {status: OpenApiResponse(response=body, description=text) for status, text in described.items()}

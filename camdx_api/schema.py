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

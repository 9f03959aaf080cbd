"""The OpenAPI document of the Part 5 API (drf-spectacular): only `/api/v1/…` operations, plus `/health`,
which is a plain Django view (esb/health.py, outside the API's URL prefix) and is described here by hand.

The committed copy is docs/api/openapi-v1.yaml (`make openapi`); tests/camdx_api/test_endpoints_openapi.py
fails when the code and that file drift apart.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

from camdx_api.serializers import PaginationSerializer

HEALTH_COMPONENT_STATES = ["ok", "fail", "timeout", "skipped"]


def only_part5_operations(endpoints: list[tuple], **kwargs: Any) -> list[tuple]:
    """Preprocessing hook: the document covers the Part 5 API and its code list, nothing else DRF serves."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/v1/")]


def add_health(result: dict, generator: Any, request: Any, public: bool) -> dict:
    """Postprocessing hook: `/health` (Part 5 §8, service code `system_health`): no version prefix, no
    token."""
    component = {"type": "string", "enum": HEALTH_COMPONENT_STATES}
    body = {
        "type": "object",
        "required": ["code", "message", "components"],
        "properties": {
            "code": {"type": "integer", "enum": [200, 503], "description": "the HTTP status, repeated"},
            "message": {"type": "string", "example": "OK"},
            "components": {
                "type": "object",
                "additionalProperties": component,
                "description": "each dependency (database, cache, broker, migrations) and its state",
            },
            "failed": {
                "type": "array",
                "items": {"type": "string"},
                "description": "the components not ok (only when the code is 503)",
            },
        },
    }
    result.setdefault("paths", {})["/health"] = {
        "get": {
            "operationId": "system_health",
            "summary": "8. Health (service code system_health)",
            "description": (
                "200 when the system and what it depends on work; 503 naming the failed components "
                "otherwise. No version prefix and no token."
            ),
            "tags": ["health"],
            "security": [],
            "responses": {
                "200": {
                    "description": "Everything works.",
                    "content": {"application/json": {"schema": body}},
                },
                "503": {
                    "description": "A dependency does not work.",
                    "content": {"application/json": {"schema": body}},
                },
            },
        }
    }
    return result


# --- response envelopes as OpenAPI components (camdx_api.envelopes builds the bodies) ---------------------


def code_envelope(data: serializers.Field, name: str) -> serializers.Serializer:
    """`{"code": 0, "message": "Success", "data": …}` around `data`."""
    return inline_serializer(
        name=name,
        fields={
            "code": serializers.IntegerField(help_text="0 success"),
            "message": serializers.CharField(),
            "data": data,
        },
    )


def status_envelope(data: serializers.Field, name: str) -> serializers.Serializer:
    """Endpoint 1's `{"status": 1, "message", "data": [...], "pagination": {…}}`."""
    return inline_serializer(
        name=name,
        fields={
            "status": serializers.IntegerField(help_text="1 success · 0 not found · -1 invalid access token"),
            "message": serializers.CharField(),
            "data": data,
            "pagination": PaginationSerializer(),
        },
    )


_ERRORS = serializers.DictField(
    child=serializers.ListField(child=serializers.CharField()),
    required=False,
    help_text="the parameter at fault -> what is wrong with it (bad requests only)",
)
ERROR_BODY = inline_serializer(
    name="ErrorBody",
    fields={
        "code": serializers.IntegerField(
            help_text="400 not found or bad request · 500 invalid access token · else the HTTP status"
        ),
        "message": serializers.CharField(),
        "data": serializers.JSONField(allow_null=True, help_text="always null"),
        "errors": _ERRORS,
    },
)
STATUS_ERROR_BODY = inline_serializer(
    name="StatusErrorBody",
    fields={
        "status": serializers.IntegerField(help_text="0 not found or refused · -1 invalid access token"),
        "message": serializers.CharField(),
        "data": serializers.ListField(child=serializers.JSONField(), help_text="always empty"),
        "pagination": serializers.JSONField(allow_null=True, help_text="always null"),
        "errors": _ERRORS,
    },
)


def error_responses(*statuses: int, envelope: str = "code") -> dict[int, OpenApiResponse]:
    body = STATUS_ERROR_BODY if envelope == "status" else ERROR_BODY
    descriptions = {
        400: "Bad request: a malformed or unknown parameter (named in `errors`).",
        401: "Invalid access token (code 500 / status -1).",
        403: "The organization may not use this service.",
        404: "Not found (code 400).",
        429: "Too many requests (Retry-After).",
        503: "The token cannot be checked now (Retry-After).",
    }
    return {status: OpenApiResponse(body, description=descriptions[status]) for status in statuses}


# Every token-protected endpoint may answer these.
DOOR_ERRORS = (401, 403, 429, 503)

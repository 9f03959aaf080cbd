"""The OpenAPI document of the Part 5 API (drf-spectacular): the success envelopes of the endpoints (the
error bodies are camdx_api.schema's), and `/health`, a plain Django view (esb/health.py, outside the API's
URL prefix) described here by hand.

The committed copy is docs/api/openapi-v1.yaml (`make openapi`); tests/camdx_api/test_endpoints_openapi.py
fails when the code and that file drift apart.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

from camdx_api.serializers import PaginationSerializer

HEALTH_COMPONENT_STATES = ["ok", "fail", "timeout", "skipped"]


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

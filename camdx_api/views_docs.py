"""The public pages of the API: the code lists, the OpenAPI document, Swagger UI and ReDoc (assets from
drf-spectacular-sidecar, served by the portal itself). No token: what they publish is the contract."""

from __future__ import annotations

import functools
from collections.abc import Callable

from csp.decorators import csp_update
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from camdx_api import selectors
from camdx_api.envelopes import not_found, ok
from camdx_api.openapi import code_envelope
from camdx_api.serializers import CodeTablesSerializer
from esb.access import public


def public_get(view: Callable) -> Callable:
    """Open to anyone, GET only. DRF's views are CSRF-exempt for their own session check; these take no
    session and change nothing, so the exemption is dropped (Django's CSRF check stays on for anything
    but GET and HEAD)."""
    view.csrf_exempt = False
    return public(view)


class CodesView(APIView):
    """`GET /api/v1/codes`: the code-mapping tables the Part 5 spec refers to but does not print."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer]
    http_method_names = ["get", "head"]

    @extend_schema(
        operation_id="codes",
        summary="Code lists: statuses, payment statuses, licence types, services, document types",
        tags=["codes"],
        auth=[],
        responses={200: code_envelope(CodeTablesSerializer(), "CodesResponse")},
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return ok(CodeTablesSerializer(selectors.code_tables()).data)


class UnknownPathView(APIView):
    """Any other path under /api/: the documented not-found body (HTTP 404, code 400), never the portal's
    HTML page, so a caller's program reads the same error shape for a misspelt path (or a trailing slash,
    which the Part 5 paths do not take)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer]

    @extend_schema(exclude=True)
    def get(self, request: Request, *args, **kwargs) -> Response:
        return not_found("Not found: no such API path.")

    post = put = patch = delete = head = options = get


class SchemaView(SpectacularAPIView):
    """The OpenAPI document, generated once per process exactly as `make openapi` writes the committed
    docs/api/openapi-v1.yaml (no request, public): a public URL must not rebuild it on every hit."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    def _get_schema_response(self, request: Request) -> Response:
        return Response(
            data=_schema(),
            headers={
                "Content-Disposition": 'inline; filename="openapi-v1.'
                + request.accepted_renderer.format
                + '"'
            },
        )


@functools.cache
def _schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


class SwaggerView(SpectacularSwaggerSplitView):
    authentication_classes: list = []
    permission_classes = [AllowAny]


class RedocView(SpectacularRedocView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    template_name = "camdx_api/redoc.html"


schema = public_get(SchemaView.as_view())
swagger = public_get(SwaggerView.as_view(url_name="camdx_api:schema"))
# ReDoc builds its search index in a Web Worker started from a blob: URL.
redoc = public_get(
    csp_update({"worker-src": ["'self'", "blob:"]})(RedocView.as_view(url_name="camdx_api:schema"))
)
codes = public_get(CodesView.as_view())
unknown_path = public_get(UnknownPathView.as_view())

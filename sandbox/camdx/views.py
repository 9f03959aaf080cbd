"""HTTP side of the CamDX security-server simulator: the r1 REST endpoint (any verb; the metaservices
listMethods, allowedMethods and getOpenAPI are service codes there, as in X-Road), listClients, and a page
listing the registry.

Machine-to-machine views: the caller is identified by its X-Road-Client header (a real security server
authenticates the information system by network or TLS client certificate; the simulator trusts the network).
"""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from esb.access import public
from sandbox.camdx import protocol, registry, services
from sandbox.camdx.models import SimXRoadAccessRight, SimXRoadMember, SimXRoadService

MOUNT = "/sandbox/camdx"


def error_response(error: protocol.XRoadError) -> JsonResponse:
    """An error the security server answers itself: X-Road-Error and {"type","message","detail"} (PR-REST
    §4.6); JSON whatever the Accept header asks (the simulator does not write the XML variant)."""
    response = JsonResponse(error.body(), status=error.status)
    response["X-Road-Error"] = error.error_type
    return response


def _raw_request_path(request: HttpRequest) -> tuple[str, bool]:
    """`/r1/...` as the client sent it (percent-encoded) when the server gives the raw URI (gunicorn's
    RAW_URI, REQUEST_URI), else Django's decoded path (then an encoded "/" inside an identifier is lost)."""
    raw = request.META.get("RAW_URI") or request.META.get("REQUEST_URI") or ""
    raw_path = raw.split("?", 1)[0]
    if raw_path.startswith(MOUNT + "/"):
        return raw_path.removeprefix(MOUNT), True
    return request.path.removeprefix(MOUNT), False


def _client_headers(request: HttpRequest) -> list[tuple[str, str]]:
    return list(request.headers.items())


def _json(payload: dict) -> JsonResponse:
    return JsonResponse(payload, json_dumps_params={"ensure_ascii": False})


def _metaservice(request: HttpRequest, target: protocol.RestTarget) -> HttpResponse:
    """listMethods, allowedMethods, getOpenAPI on `/r1/{provider}/{name}`: GET, from a registered client."""
    if request.method != "GET":
        raise protocol.XRoadError(
            protocol.BAD_REQUEST, f"Metaservice {target.service.service_code} takes GET"
        )
    client = registry.registered_client(request.headers.get("X-Road-Client"))
    provider = target.service.client
    name = target.service.service_code
    if name == "getOpenAPI":
        document = services.openapi_document(provider, request.GET.get("serviceCode", ""))
        return HttpResponse(document.content, content_type=document.content_type)
    subsystem = registry.provider_subsystem(provider)
    if name == "listMethods":
        return _json(registry.list_methods(subsystem))
    return _json(registry.allowed_methods(subsystem, client))


@public  # machine-to-machine: the X-Road-Client header names the caller, checked against the registry
@csrf_exempt
def rest(request: HttpRequest, rest_path: str) -> HttpResponse:
    request_path, encoded = _raw_request_path(request)
    try:
        target = protocol.parse_request_path(request_path, encoded=encoded)
        if target.service.service_code in registry.METASERVICES and not target.service_path:
            return _metaservice(request, target)
        try:
            body = request.body
        except RequestDataTooBig:
            raise protocol.XRoadError(protocol.BAD_REQUEST, "The request body is too large") from None
        forwarded = services.forward(
            method=protocol.check_verb(request.method or ""),
            target=target,
            client_header=request.headers.get("X-Road-Client"),
            headers=_client_headers(request),
            query=request.META.get("QUERY_STRING", ""),
            body=body,
            path_encoded=encoded,
        )
    except protocol.XRoadError as error:
        return error_response(error)
    response = StreamingHttpResponse(forwarded.body, status=forwarded.status)
    if "content-type" not in {name.lower() for name, _value in forwarded.headers}:
        del response["Content-Type"]  # the provider's answer had none: add none
    for name, value in forwarded.headers:
        response[name] = value
    for name, value in forwarded.xroad_headers.items():
        response[name] = value
    return response


rest.esb_raw_body = True  # the body is forwarded byte for byte: no middleware may parse it as a form


@public  # machine-to-machine metaservice: lists the registry's members, as X-Road's global configuration
@require_GET
def list_clients(request: HttpRequest) -> JsonResponse:
    return _json(registry.list_clients(request.GET.get("xRoadInstance", "")))


@public  # a sandbox page describing the simulated registry; no personal data
@require_GET
def registry_page(request: HttpRequest) -> HttpResponse:
    context = {
        "title": _("CamDX security server (sandbox)"),
        "members": SimXRoadMember.objects.prefetch_related("subsystems"),
        "services": SimXRoadService.objects.select_related("provider__member"),
        "rights": SimXRoadAccessRight.objects.select_related("client__member", "service__provider__member"),
    }
    return render(request, "sandbox/camdx/registry.html", context)

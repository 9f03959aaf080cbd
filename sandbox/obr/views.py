"""The OBR provider API, as its information system answers behind its CamDX security server.

It refuses a request that did not come through a security server (no `X-Road-Client`) or carries no
organization token (`Authorization: Bearer …`); the token's validity is the real provider's business
(CamDigiKey's token-status API) and is not simulated here. Errors are JSON `{"error", "message"}`.
"""

from __future__ import annotations

import re

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from esb.access import public
from sandbox.obr import registry

_SINGLE_ID = re.compile(r"[0-9A-Za-z-]{1,32}")


def _error(status: int, error: str, message: str) -> JsonResponse:
    return JsonResponse({"error": error, "message": message}, status=status)


@public  # machine-to-machine: reached through a CamDX security server, with an organization token
@require_GET
def business(request: HttpRequest, single_id: str) -> JsonResponse:
    if not request.headers.get("X-Road-Client"):
        return _error(400, "xroad_client_missing", "This API is only served through CamDX (X-Road-Client).")
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return _error(401, "token_missing", "A CamDigiKey organization token is required (Bearer).")
    if not _SINGLE_ID.fullmatch(single_id):
        return _error(400, "invalid_single_id", "The Single ID is malformed.")
    found = registry.company(single_id)
    if found is None:
        return _error(404, "not_found", "No business is registered with this Single ID.")
    return JsonResponse(found, json_dumps_params={"ensure_ascii": False})

"""The response envelopes of spec/part5-api.md, and the error bodies of the door.

Two envelopes: endpoint 1 (`applications_info`) answers `{"status", "message", "data", "pagination"}` with
status 1 success · 0 not found (or any other error) · -1 invalid access token; every other endpoint answers
`{"code", "message", "data"}` with code 0 success · 400 not found or bad request · 500 invalid access token,
and 403 / 429 / 503 / 500 for the refusals the spec does not name (the HTTP status says the same).

Messages are English and never translated: they are part of an API contract read by programs and by the
developers of other ministries' systems, not shown to applicants (docs/api-access.md).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse
from rest_framework.response import Response

from camdx_api import errors as api_errors

CODE = "code"
STATUS = "status"
ENVELOPES = (CODE, STATUS)
SUCCESS_MESSAGE = "Success"
BEARER_REALM = 'Bearer realm="ESB Portal API"'

# "code" envelope: the body code of each refusal (the spec's 400 for not found and bad request, 500 for an
# invalid access token; the HTTP status for the others).
_BODY_CODE = {
    api_errors.NotFound: 400,
    api_errors.BadRequest: 400,
    api_errors.InvalidAccessToken: 500,
}


def body_code(error: api_errors.ApiError) -> int:
    for kind, code in _BODY_CODE.items():
        if isinstance(error, kind):
            return code
    return int(error.status_code)


def body_status(error: api_errors.ApiError) -> int:
    return -1 if isinstance(error, api_errors.InvalidAccessToken) else 0


def ok(data: Any, *, envelope: str = CODE, message: str = SUCCESS_MESSAGE) -> Response:
    """HTTP 200 `{"code": 0, "message": "Success", "data": data}` (or the status envelope, without
    pagination: use `list_ok` for endpoint 1)."""
    if envelope == STATUS:
        return Response({"status": 1, "message": message, "data": data, "pagination": None})
    return Response({"code": 0, "message": message, "data": data})


def list_ok(data: list, pagination: dict, *, message: str = SUCCESS_MESSAGE) -> Response:
    """HTTP 200 `{"status": 1, "message": "Success", "data": [...], "pagination": {page, size,
    total_counts, total_page}}` (endpoint 1)."""
    return Response({"status": 1, "message": message, "data": list(data), "pagination": pagination})


def error_response(error: api_errors.ApiError, *, envelope: str = CODE) -> Response:
    """The documented body and headers of a refusal."""
    if envelope == STATUS:
        body: dict[str, Any] = {
            "status": body_status(error),
            "message": error.message,
            "data": [],
            "pagination": None,
        }
    else:
        body = {"code": body_code(error), "message": error.message, "data": None}
    if error.errors is not None:
        body["errors"] = error.errors
    response = Response(body, status=error.status_code)
    if isinstance(error, api_errors.InvalidAccessToken):
        if isinstance(error, api_errors.MissingToken):
            response["WWW-Authenticate"] = BEARER_REALM  # RFC 6750 §3: no error code without a token
        else:
            response["WWW-Authenticate"] = (
                f'{BEARER_REALM}, error="invalid_token", error_description="{error.reason}"'
            )
    if isinstance(error, api_errors.RateLimited):
        response["Retry-After"] = str(error.wait)
    if isinstance(error, api_errors.IdentityServiceUnavailable):
        response["Retry-After"] = str(error.retry_after)
    response["Cache-Control"] = "no-store"
    return response


def not_found(message: str = "Not found.", *, envelope: str = CODE) -> Response:
    """HTTP 404, body code 400 (status 0 in the status envelope)."""
    return error_response(api_errors.NotFound(message), envelope=envelope)


def bad_request(
    message: str = "Bad request.", errors: dict | list | None = None, *, envelope: str = CODE
) -> Response:
    """HTTP 400, body code 400 (status 0), with `errors` (field -> messages) when given."""
    return error_response(api_errors.BadRequest(message, errors=errors), envelope=envelope)


# The errors raised before a Part 5 view runs (esb.views.register_error_renderer): the "code" envelope, since
# no endpoint is known yet to choose the status envelope.
_EARLY_ERRORS: dict[int, api_errors.ApiError] = {
    400: api_errors.BadRequest("Bad request: the URL or the request is malformed."),
    403: api_errors.Forbidden("Forbidden: the request was refused before reaching an endpoint."),
    404: api_errors.NotFound("Not found: no such API path."),
    500: api_errors.InternalError("Internal error."),
}


def early_error(request: HttpRequest, status: int) -> JsonResponse:
    """The documented body of an error met before the API's own views (by Django's URL resolver, its CSRF
    check or the NUL-byte middleware), as a plain Django response: no DRF renderer has run."""
    error = _EARLY_ERRORS.get(status) or api_errors.ApiError()
    response = JsonResponse(
        {"code": body_code(error), "message": error.message, "data": None},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )
    response["Cache-Control"] = "no-store"
    return response

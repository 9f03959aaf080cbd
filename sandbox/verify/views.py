"""HTTP side of the verify.gov.kh simulator: the issuer API (bearer API key, JSON) and the public pages a
QR code opens (the record's page, its original document, and the "is my copy the original?" check).

Public pages answer an unknown id, a missing, malformed or wrong key alike: the same 404 page, having done
the same work (`services.open_record`), so neither the page nor its timing says whether an id exists.
"""

from __future__ import annotations

import json

from csp.decorators import csp_replace
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from esb.access import public
from esb.throttle import throttle
from esb.uploads import OversizedUpload
from sandbox.verify import services
from sandbox.verify.models import SimVerifyRecord


def _error(error: services.Invalid) -> JsonResponse:
    return JsonResponse({"error": {"code": error.code, "message": error.message}}, status=error.status)


def _issuer(request: HttpRequest) -> str:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return ""
    return services.issuer_for(header.removeprefix("Bearer ").strip())


_UNAUTHORIZED = services.Invalid(401, "unauthorized", "a valid issuer API key is required")


def _answer(request: HttpRequest, method: str, run) -> JsonResponse:
    """Check the method, authenticate the issuer, run the call; its state or the documented JSON error."""
    if request.method != method:
        response = _error(services.Invalid(405, "method_not_allowed", f"use {method}"))
        response["Allow"] = method
        return response
    issuer = _issuer(request)
    if not issuer:
        response = _error(_UNAUTHORIZED)
        response["WWW-Authenticate"] = 'Bearer realm="verify-sandbox"'
        return response
    try:
        return run(issuer)
    except services.Invalid as invalid:
        return _error(invalid)


def _json_object(request: HttpRequest) -> dict:
    """The request body as a JSON object, or the API's 400."""
    try:
        body = json.loads(request.body)
    except (ValueError, RecursionError, RequestDataTooBig):
        raise services.Invalid(400, "invalid_request", "the body is not JSON") from None
    if not isinstance(body, dict):
        raise services.Invalid(400, "invalid_request", "the body must be a JSON object")
    return body


@public  # machine-to-machine: authenticated by the issuer's bearer API key
@csrf_exempt
def register(request: HttpRequest) -> JsonResponse:
    def run(issuer: str) -> JsonResponse:
        body = _json_object(request)
        done = services.register(issuer, request.headers.get("Idempotency-Key", ""), body)
        answer = {
            **services.state(done.record),
            "key": done.key,
            "verify_url": services.public_url(done.record, done.key),
        }
        return JsonResponse(answer, status=201 if done.created else 200)

    return _answer(request, "POST", run)


@public  # machine-to-machine: authenticated by the issuer's bearer API key
@csrf_exempt
def record(request: HttpRequest, record_id: str) -> JsonResponse:
    return _answer(
        request, "GET", lambda issuer: JsonResponse(services.state(services.issuer_record(issuer, record_id)))
    )


@public  # machine-to-machine: authenticated by the issuer's bearer API key
@csrf_exempt
def record_document(request: HttpRequest, record_id: str) -> JsonResponse:
    def run(issuer: str) -> JsonResponse:
        if request.content_type != "application/pdf":
            raise services.Invalid(415, "unsupported_media_type", "the body must be application/pdf")
        # Read from the stream, at most one byte over the limit (request.body would refuse any body over
        # DATA_UPLOAD_MAX_MEMORY_SIZE, which is sized for forms, not documents).
        document = request.read(services.MAX_DOCUMENT_BYTES + 1)
        declared = request.headers.get("X-Content-SHA256", "")
        return JsonResponse(services.state(services.publish(issuer, record_id, document, declared)))

    return _answer(request, "PUT", run)


@public  # machine-to-machine: authenticated by the issuer's bearer API key
@csrf_exempt
def record_status(request: HttpRequest, record_id: str) -> JsonResponse:
    def run(issuer: str) -> JsonResponse:
        body = _json_object(request)
        changed = services.set_status(issuer, record_id, body.get("status"), body.get("reason", ""))
        return JsonResponse(services.state(changed))

    return _answer(request, "PUT", run)


def _opened(request: HttpRequest, record_id: str) -> tuple[SimVerifyRecord, str]:
    key = request.GET.get("key", "")
    found = services.open_record(record_id, key)
    if found is None:
        raise Http404
    return found, key.lower()


def _no_leak(response: HttpResponse) -> HttpResponse:
    # The key is in the URL: no page of the record may hand it to another site (Referer) or keep it
    # (caches). "same-origin", not "no-referrer": browsers then send `Origin: null` with the check form,
    # which Django's CSRF check rightly refuses.
    response["Referrer-Policy"] = "same-origin"
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


def _page(request: HttpRequest, found: SimVerifyRecord, key: str, check: str = "", status: int = 200):
    khmer = (get_language() or "").startswith("km")
    query = f"?key={key}"
    context = {
        "record": found,
        "document_type": found.document_type_km if khmer else found.document_type_en,
        "issuer": found.issuer_km if khmer else found.issuer_en,
        "holder": found.holder_km if khmer else found.holder_en,
        "document_url": reverse("sandbox-verify:document", args=[found.record_id]) + query,
        "check_url": reverse("sandbox-verify:check", args=[found.record_id]) + query,
        "check": check,
        "max_check_mb": services.MAX_CHECK_BYTES // (1024 * 1024),
    }
    return _no_leak(render(request, "sandbox/verify/record.html", context, status=status))


@public  # what a QR code opens: anyone holding the document (id and key) may see its record
@never_cache
@throttle("verify-page")
@require_GET
def verify_page(request: HttpRequest, record_id: str) -> HttpResponse:
    found, key = _opened(request, record_id)
    return _page(request, found, key)


@public  # the original document, to whoever holds its id and key
@never_cache
@throttle("verify-page")
@xframe_options_sameorigin  # shown inside the record's page
# The browser's PDF viewer is a plugin inside the document: the portal's object-src 'none' would blank it.
@csp_replace({"frame-ancestors": ["'self'"], "object-src": ["'self'"]})
@require_GET
def verify_document(request: HttpRequest, record_id: str) -> HttpResponse:
    found, key = _opened(request, record_id)
    content = services.document(found, key)
    if content is None:
        raise Http404
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{found.record_id}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    return _no_leak(response)


# The check form keeps Django's CSRF protection: it is posted from the record's own page, which sets the
# token, so exempting it gains nothing, and the token stops other sites from making visitors' browsers
# upload files here.
@public  # anyone holding the record's id and key may check a copy against it
@never_cache
@throttle("verify-check")
@require_POST
def verify_check(request: HttpRequest, record_id: str) -> HttpResponse:
    found, key = _opened(request, record_id)
    upload = request.FILES.get("document")
    if upload is None:
        return _page(request, found, key, check="missing", status=400)
    if isinstance(upload, OversizedUpload) or upload.size > services.MAX_CHECK_BYTES:
        return _page(request, found, key, check="too_large", status=413)
    return _page(request, found, key, check="matches" if services.matches(found, upload) else "differs")

"""The Part 5 endpoints (spec/part5-api.md), one view each: validate the query and the path, read through
`camdx_api.selectors`, serialize with `camdx_api.serializers`, record the disclosure, answer in the
endpoint's envelope. Authentication, the service-code permission, throttling, the call log and the error
bodies are the door's (`camdx_api.base.Part5View`, `camdx_api.envelopes`).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable

from django.http import HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, OpenApiTypes, extend_schema
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.request import Request
from rest_framework.response import Response

from applications.models import Status
from applications.uploads import FORMAT_NAMES as UPLOAD_FORMATS
from applications.uploads import clean_name as clean_file_name
from camdx_api import detail_cache, selectors
from camdx_api import serializers as api
from camdx_api.base import Part5View
from camdx_api.detail_cache import body_etag
from camdx_api.envelopes import STATUS
from camdx_api.errors import BadRequest
from camdx_api.openapi import code_envelope, status_envelope
from camdx_api.schema import error_responses
from camdx_api.service_codes import ServiceCode
from esb.uploads import stored_file_response
from licensing.models.catalog import SAFE_MIME_TYPES
from registry.selectors import owner_statistics

# Built once: drf-spectacular wants one identity per component name (each call makes a new serializer class).
CODE_ERRORS = error_responses()
STATUS_ERRORS = error_responses(STATUS)
REQUEST_NO_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,31}$")
DOCUMENT_CODE_PATTERN = re.compile(r"^[A-Z][A-Z0-9_]{0,39}$")
NATIONALITY_PATTERN = re.compile(r"^[A-Za-z]{2}$")
SERVED_TYPES = frozenset(mime for mime, _ in SAFE_MIME_TYPES)
BINARY = "application/octet-stream"
DETAIL_NOT_FOUND = "No application with this request number for this Single ID."

SINGLE_ID = OpenApiParameter(
    "single_id", str, OpenApiParameter.PATH, description="Single ID (enterprise identification number)"
)
REQUEST_NO = OpenApiParameter(
    "request_no", str, OpenApiParameter.PATH, description="request (application) number"
)
DOCUMENT_CODE = OpenApiParameter(
    "document_code", str, OpenApiParameter.PATH, description="document type code (GET /api/v1/codes)"
)
# Conditional GET (detail and timeline): the validators answered, and the request headers that use them.
CONDITIONAL = [
    OpenApiParameter(
        "ETag", str, OpenApiParameter.HEADER, response=[200, 304], description="a hash of the body"
    ),
    OpenApiParameter(
        "Last-Modified", str, OpenApiParameter.HEADER, response=[200, 304], description="HTTP date"
    ),
    OpenApiParameter("If-None-Match", str, OpenApiParameter.HEADER, description="an ETag answered before"),
    OpenApiParameter("If-Modified-Since", str, OpenApiParameter.HEADER, description="a Last-Modified"),
]


class _Part5Endpoint(Part5View):
    """The shared check of the endpoints' path segments (the door checks the query parameters)."""

    # The door refuses any other query parameter with 400 (after authentication): none unless named.
    allowed_query_params: tuple[str, ...] = ()

    def refuse_bad_path(
        self, single_id: str, request_no: str | None = None, document_code: str | None = None
    ) -> Response | None:
        errors: dict[str, list[str]] = {}
        if not selectors.is_single_id(single_id):
            errors["single_id"] = ["A Single ID has up to 20 digits, capital letters and dashes."]
        if request_no is not None and not REQUEST_NO_PATTERN.match(request_no):
            errors["request_no"] = ["A request number has up to 32 capital letters, digits and dashes."]
        if document_code is not None and not DOCUMENT_CODE_PATTERN.match(document_code):
            errors["document_code"] = ["A document code has capital letters, digits and underscores."]
        return self.bad_request("Bad request: invalid path.", errors) if errors else None

    def initial(self, request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        # A parameter given twice is ambiguous (a proxy or a log may read the first, Django the last): refused
        # like an unknown one, after authentication.
        repeated = sorted(name for name, values in request.query_params.lists() if len(values) > 1)
        if repeated:
            raise BadRequest(
                "Bad request: repeated query parameters.",
                errors={name: ["Give this query parameter once."] for name in repeated},
            )

    def finalize_response(self, request, response, *args, **kwargs):
        # What the API answers concerns businesses and people: never stored by a shared cache; the detail
        # and the timeline say `private, no-cache` themselves (the caller may keep a copy and revalidate it).
        if not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True, no_store=True)
        return super().finalize_response(request, response, *args, **kwargs)


def conditional(request: Request, data: dict, last_modified: datetime.datetime, build: Callable) -> Response:
    """ETag (a hash of the body) and Last-Modified on the answer; 304 Not Modified, without a body, when the
    caller's copy is current by its ETag (If-None-Match). If-Modified-Since alone is answered in full: some
    of what the body shows has no modification time (the filer's account, gazetteer and country names), so
    the date could call a changed copy current; the hash cannot."""
    return validated(request, body_etag(data), int(last_modified.timestamp()), build)


def validated(request: Request, etag: str, timestamp: int, build: Callable) -> Response:
    """`conditional` with the body's ETag and Last-Modified (a Unix time) already known."""
    response = get_conditional_response(request._request, etag=etag)
    if response is None:
        response = build()
    response["ETag"] = etag
    response["Last-Modified"] = http_date(timestamp)
    # Personal data: the caller may keep a copy and revalidate it, no shared cache (a proxy, a security
    # server) may store it.
    patch_cache_control(response, private=True, no_cache=True)
    return response


# --- 1 ------------------------------------------------------------------------------------------------------


class LicensesView(_Part5Endpoint):
    """Applications of every business, newest first, filtered by Single ID or company name (Khmer or
    English), licence type and status, a page at a time. Through CamDX: service code `applications_info`.
    Answers in the `status` envelope: 1 success, 0 nothing matched (or the page is past the end; HTTP 200
    with the real pagination), -1 invalid access token."""

    service_code = ServiceCode.APPLICATIONS_INFO
    envelope = STATUS
    allowed_query_params = ("search_term", "license_type", "license_status", "page", "size")

    @extend_schema(
        operation_id="applications_info",
        summary="1. Get all applications (applications_info)",
        tags=["applications"],
        parameters=[
            OpenApiParameter(
                "search_term", str, description="Single ID (exact) or company name, Khmer or English (part)"
            ),
            OpenApiParameter("license_type", str, description="licence type code (GET /api/v1/codes)"),
            OpenApiParameter("license_status", str, enum=Status.values, description="status code"),
            OpenApiParameter("page", int, description="page number, from 1 (default 1)"),
            OpenApiParameter(
                "size",
                int,
                description=f"records per page, 1 to {selectors.MAX_PAGE_SIZE} "
                f"(default {selectors.DEFAULT_PAGE_SIZE})",
            ),
        ],
        responses={
            200: status_envelope(api.ApplicationListItemSerializer(many=True), "ApplicationsInfoResponse"),
            **STATUS_ERRORS,
        },
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        params = request.query_params
        license_status = params.get("license_status", "").strip()
        if license_status and license_status not in Status.values:
            return self.bad_request(
                "Unknown license_status.", {"license_status": [f"Use one of: {', '.join(Status.values)}."]}
            )
        try:
            page, size = selectors.parse_page(params.get("page"), params.get("size"))
            result = selectors.search_applications(
                search_term=params.get("search_term", ""),
                license_type=params.get("license_type", "").strip(),
                license_status=license_status,
                page=page,
                size=size,
            )
        except selectors.InvalidQuery as exc:
            return self.bad_request(exc.message, {exc.field: [exc.message]})
        if not result.items:
            # The spec's status 0, "not found": nothing matched, or the page is past the end. A valid query
            # is still answered 200, with the real pagination (total_counts tells which case it is).
            response = self.list_ok([], result.pagination, message="Not found.")
            response.data["status"] = 0
            return response
        self.disclose(request, applications=result.items)
        data = api.list_items(result.items)
        return self.list_ok(data, result.pagination)


# --- 2 ------------------------------------------------------------------------------------------------------


class BusinessLicensesView(_Part5Endpoint):
    """The business and every application of it, with its licence type, services and status. Service code
    `application_info`. Unknown Single ID: HTTP 404, code 400."""

    service_code = ServiceCode.APPLICATION_INFO

    @extend_schema(
        operation_id="application_info",
        summary="2. Get applications by Single ID (application_info)",
        tags=["applications"],
        parameters=[SINGLE_ID],
        responses={
            200: code_envelope(api.BusinessLicensesSerializer(), "ApplicationInfoResponse"),
            **CODE_ERRORS,
        },
    )
    def get(self, request: Request, single_id: str, *args, **kwargs) -> Response:
        refused = self.refuse_bad_path(single_id=single_id)
        if refused is not None:
            return refused
        business = selectors.business_with_applications(single_id)
        if business is None:
            return self.not_found("No business with this Single ID.")
        self.disclose(request, applications=business.exposed)
        return self.ok(api.represent(api.BusinessLicensesSerializer, business))


# --- 3 ------------------------------------------------------------------------------------------------------


class ApplicationDetailView(_Part5Endpoint):
    """Company, owner, supporting documents, licence data and the person who filed. Service code
    `application_detail`. The request number must belong to that Single ID (else HTTP 404, code 400).
    Conditional GET: `ETag` / `Last-Modified`, answered 304 when the caller's copy is current."""

    service_code = ServiceCode.APPLICATION_DETAIL

    @extend_schema(
        operation_id="application_detail",
        summary="3. Get application detail (application_detail)",
        tags=["applications"],
        parameters=[SINGLE_ID, REQUEST_NO, *CONDITIONAL],
        responses={
            200: code_envelope(api.ApplicationDetailSerializer(), "ApplicationDetailResponse"),
            304: OpenApiResponse(description="Not modified (If-None-Match / If-Modified-Since)."),
            **CODE_ERRORS,
        },
    )
    def get(self, request: Request, single_id: str, request_no: str, *args, **kwargs) -> Response:
        refused = self.refuse_bad_path(single_id=single_id, request_no=request_no)
        if refused is not None:
            return refused
        entry = detail_cache.detail(single_id, request_no)
        if entry is None:
            return self.not_found(DETAIL_NOT_FOUND)

        def build() -> Response:
            # the entry has the application's applicant_id, business_id and reference, the people their pk
            self.disclose(request, applications=[entry], people=entry.people)
            return self.ok(entry.data)

        return validated(request, entry.etag, entry.last_modified, build)


# --- 4 ------------------------------------------------------------------------------------------------------


class IgnoreAcceptHeader(BaseContentNegotiation):
    """The document answers with the file's own type whatever the caller accepts (its error bodies are JSON):
    a client asking for `application/pdf` must not be refused 406 before the file is looked up."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type

    def select_parser(self, request, parsers):
        return parsers[0]


class DocumentView(_Part5Endpoint):
    """The current file of that document type in the application, as a byte stream with its own
    Content-Type and a Content-Disposition naming the original file. Service code `application_document`.
    No such file in that application: HTTP 404 (code 400 body); a malformed path: HTTP 400."""

    service_code = ServiceCode.APPLICATION_DOCUMENT
    content_negotiation_class = IgnoreAcceptHeader

    @extend_schema(
        operation_id="application_document",
        summary="4. Get application supporting document (application_document)",
        tags=["applications"],
        parameters=[SINGLE_ID, REQUEST_NO, DOCUMENT_CODE],
        responses={
            # every stored upload is one of these formats (applications/uploads.py checks the content)
            **{
                (200, mime): OpenApiResponse(
                    OpenApiTypes.BINARY,
                    description="The file itself, with its own Content-Type (PDF, JPEG or PNG) and "
                    "Content-Disposition: attachment; filename=…",
                )
                for mime in UPLOAD_FORMATS
            },
            **CODE_ERRORS,
        },
    )
    def get(
        self, request: Request, single_id: str, request_no: str, document_code: str, *args, **kwargs
    ) -> HttpResponse:
        refused = self.refuse_bad_path(
            single_id=single_id, request_no=request_no, document_code=document_code
        )
        if refused is not None:
            return refused
        document = selectors.document(single_id, request_no, document_code)
        if document is None:
            return self.not_found("File not found.")
        # The stored type and name are the upload check's (applications.uploads); served defensively anyway:
        # only a type an upload may have, and the name without folders or control characters.
        content_type = document.content_type if document.content_type in SERVED_TYPES else BINARY
        response = stored_file_response(
            document.file,
            filename=clean_file_name(document.original_name),
            content_type=content_type,
            as_attachment=True,
        )
        self.disclose(request, applications=[document.application], people=document.disclosed_users)
        return response


# --- 5 ------------------------------------------------------------------------------------------------------


class TimelineView(_Part5Endpoint):
    """The application's history, oldest first, each line titled and described in English and Khmer, with
    its time (ISO 8601, +07:00). Service code `application_timeline`. Conditional GET as for the detail."""

    service_code = ServiceCode.APPLICATION_TIMELINE

    @extend_schema(
        operation_id="application_timeline",
        summary="5. Get application timeline (application_timeline)",
        tags=["applications"],
        parameters=[SINGLE_ID, REQUEST_NO, *CONDITIONAL],
        responses={
            200: code_envelope(api.TimelineSerializer(), "ApplicationTimelineResponse"),
            304: OpenApiResponse(description="Not modified (If-None-Match / If-Modified-Since)."),
            **CODE_ERRORS,
        },
    )
    def get(self, request: Request, single_id: str, request_no: str, *args, **kwargs) -> Response:
        refused = self.refuse_bad_path(single_id=single_id, request_no=request_no)
        if refused is not None:
            return refused
        application = selectors.timeline(single_id, request_no)
        if application is None:
            return self.not_found("No application with this request number for this Single ID.")
        data = api.represent(api.TimelineSerializer, application)

        def build() -> Response:
            self.disclose(request, applications=[application])
            return self.ok(data)

        return conditional(request, data, application.last_modified, build)


# --- 7 ------------------------------------------------------------------------------------------------------


class OwnerStatisticView(_Part5Endpoint):
    """People holding an active owner role, by nationality and gender. Service code `owner_statistic`.
    A country without owners answers one row of zeros; a code that is not an ISO 3166-1 alpha-2 country is
    a 400."""

    service_code = ServiceCode.OWNER_STATISTIC
    allowed_query_params = ("nationality_code",)

    @extend_schema(
        operation_id="owner_statistic",
        summary="7. Get business owner statistic by nationality (owner_statistic)",
        tags=["statistics"],
        parameters=[
            OpenApiParameter(
                "nationality_code",
                str,
                description="ISO 3166-1 alpha-2 (KH, US, …); without it: every nationality",
            )
        ],
        responses={
            200: code_envelope(api.OwnerStatisticSerializer(many=True), "OwnerStatisticResponse"),
            **CODE_ERRORS,
        },
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        code = request.query_params.get("nationality_code", "").strip()
        if code and not (NATIONALITY_PATTERN.match(code) and selectors.is_country(code)):
            return self.bad_request(
                "Unknown nationality_code.",
                {"nationality_code": ["Use an ISO 3166-1 alpha-2 country code, e.g. KH."]},
            )
        rows = owner_statistics(code or None)
        if code and not rows:
            # A country with no owners is a count of zero, not an absence of data.
            rows = [
                {
                    "nationality_code": code.upper(),
                    "number_of_female_biz_owner": 0,
                    "number_of_male_biz_owner": 0,
                    "total_number_of_owner": 0,
                }
            ]
        return self.ok(api.represent_many(api.OwnerStatisticSerializer, rows))

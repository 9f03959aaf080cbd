"""`Part5View`: the base of every Part 5 endpoint. A subclass names its service code and envelope and writes
`get()`; the door does the rest:

    class ApplicationDetail(Part5View):
        service_code = ServiceCode.APPLICATION_DETAIL

        def get(self, request, version, single_id, request_no):
            application = selectors.application(single_id, request_no)
            if application is None:
                return self.not_found("Application not found.")
            self.disclose(request, applications=[application])
            return self.ok(serialize(application))

- authentication: the CamDigiKey organization token (authentication.py), X-Road client check included;
- permission: the service code must be in the consumer's access list (permissions.py);
- throttling: the consumer's rate per minute (throttling.py);
- every refusal and every unexpected error becomes the documented envelope (envelopes.py): never a 500 page,
  never a stack trace (the trace goes to the server log with the request id);
- every call, answered or refused, is appended to the call log (ApiCall) with its duration; the data-access
  lines of what the answer disclosed are written with it, in one statement (one commit, camdx_api.calllog),
  before the answer leaves: an answer whose disclosure could not be logged is replaced by the 500 envelope.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from typing import Any, ClassVar

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils import translation
from django.utils.cache import patch_cache_control
from rest_framework import exceptions
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView, set_rollback

from camdx_api import envelopes, errors, services
from camdx_api.authentication import OrganizationTokenAuthentication
from camdx_api.permissions import ServiceCodeAllowed
from camdx_api.throttling import ConsumerRateThrottle
from esb import request_context
from esb.access import ORGANIZATION_TOKEN

logger = logging.getLogger(__name__)

API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'"


def as_api_error(exc: BaseException) -> errors.ApiError:
    """The documented refusal for any exception a view raised (an unexpected one is logged with its trace)."""
    if isinstance(exc, errors.ApiError):
        return exc
    if isinstance(exc, Http404 | exceptions.NotFound):
        return errors.NotFound()
    if isinstance(exc, exceptions.ValidationError):
        return errors.BadRequest("Bad request: invalid parameters.", errors=exc.detail)
    if isinstance(exc, exceptions.ParseError):
        return errors.BadRequest()
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        return errors.InvalidAccessToken()
    if isinstance(exc, exceptions.PermissionDenied | DjangoPermissionDenied):
        return errors.Forbidden()
    if isinstance(exc, exceptions.Throttled):
        return errors.RateLimited(int(exc.wait or 60))
    if isinstance(exc, exceptions.MethodNotAllowed):
        return errors.MethodNotAllowed()
    if isinstance(exc, exceptions.NotAcceptable):
        return errors.NotAcceptable()
    if isinstance(exc, exceptions.APIException) and 400 <= exc.status_code < 500:
        error = errors.ApiError("Request refused.")
        error.status_code = exc.status_code
        error.reason = "refused"
        return error
    request_id = request_context.current().request_id
    logger.error("unexpected error in the Part 5 API (request %s)", request_id, exc_info=exc)
    return errors.InternalError(f"Internal error. Quote request id {request_id} to the portal's operators.")


class JsonNegotiation(DefaultContentNegotiation):
    """DRF's negotiation, without parsing the usual Accept headers of a JSON client on every call (another
    header still gets DRF's answer: 406 when JSON is not acceptable)."""

    USUAL = frozenset({"", "*/*", "application/json", "application/json, */*", "application/json;q=1.0, */*"})

    def select_renderer(self, request, renderers, format_suffix=None):
        accept = request.META.get("HTTP_ACCEPT", "").strip()
        if (
            format_suffix is None
            and accept in self.USUAL
            and not request.query_params.get(self.settings.URL_FORMAT_OVERRIDE)
        ):
            return renderers[0], renderers[0].media_type
        return super().select_renderer(request, renderers, format_suffix)


class Part5View(APIView):
    service_code: ClassVar[str] = ""
    envelope: ClassVar[str] = envelopes.CODE
    # The query parameters the endpoint reads; any other is refused with 400 (DESIGN.md §7: a misspelt filter
    # must not silently return everything). None: not checked.
    allowed_query_params: ClassVar[tuple[str, ...] | None] = None

    authentication_classes = [OrganizationTokenAuthentication]
    permission_classes = [ServiceCodeAllowed]
    throttle_classes = [ConsumerRateThrottle]
    renderer_classes = [JSONRenderer]  # no browsable HTML API: the door speaks JSON only
    content_negotiation_class = JsonNegotiation
    parser_classes = [JSONParser]
    http_method_names = ["get", "head"]

    @classmethod
    def as_view(cls, **initkwargs):
        if cls.envelope not in envelopes.ENVELOPES:
            raise TypeError(f"{cls.__name__}.envelope must be one of {envelopes.ENVELOPES}")
        # The marker set below promises the door: a subclass that drops or widens it (no authentication, a
        # session authentication tried first, no access list, no rate limit) would be open while it claims
        # ORGANIZATION_TOKEN, and tests/esb/test_view_access.py would accept it.
        if (
            list(cls.authentication_classes) != [OrganizationTokenAuthentication]
            or ServiceCodeAllowed not in cls.permission_classes
            or ConsumerRateThrottle not in cls.throttle_classes
        ):
            raise TypeError(f"{cls.__name__} must keep the door's authentication, access list and rate limit")
        view = super().as_view(**initkwargs)
        view.esb_access = ORGANIZATION_TOKEN
        view.esb_refuses_nul = True  # esb.middleware.RejectNulBytesMiddleware leaves the 400 to initial()
        return view

    # --- the endpoint writer's helpers -----------------------------------------------------------------

    def ok(self, data: Any, message: str = envelopes.SUCCESS_MESSAGE) -> Response:
        return envelopes.ok(data, envelope=self.envelope, message=message)

    def list_ok(self, data: list, pagination: dict, message: str = envelopes.SUCCESS_MESSAGE) -> Response:
        return envelopes.list_ok(data, pagination, message=message)

    def not_found(self, message: str = "Not found.") -> Response:
        self._outcome = errors.NotFound.reason
        return envelopes.not_found(message, envelope=self.envelope)

    def bad_request(self, message: str = "Bad request.", errors: dict | list | None = None) -> Response:
        self._outcome = "bad_request"
        return envelopes.bad_request(message, errors, envelope=self.envelope)

    def disclose(self, request, *, applications: Iterable = (), people: Iterable = ()) -> None:
        """Log in the data-access log of each person concerned that the caller read their data: written with
        the call's log line when the answer is finalized (one statement), before it is sent."""
        self._disclosures.append((list(applications), list(people)))

    # --- the door ----------------------------------------------------------------------------------------

    def dispatch(self, request, *args, **kwargs):
        # The API speaks English whatever the Accept-Language or the portal's default (Khmer): validation
        # messages of serializers are part of the contract too (docs/api-access.md).
        with translation.override("en"):
            return super().dispatch(request, *args, **kwargs)

    def initialize_request(self, request, *args, **kwargs):
        self._started = time.monotonic()
        self._outcome = "ok"
        self._disclosures: list[tuple[list, list]] = []
        return super().initialize_request(request, *args, **kwargs)

    def initial(self, request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)  # authentication, access list, rate limit
        # PostgreSQL text cannot hold NUL: refused here with the documented body, never reaching a query
        with_nul = sorted(
            name
            for name, value in [*kwargs.items(), *request.query_params.lists()]
            if "\x00" in name or "\x00" in (value if isinstance(value, str) else "".join(map(str, value)))
        )
        if with_nul:
            raise errors.BadRequest(
                "Bad request: a NUL character in the request.",
                errors={
                    name.replace("\x00", "\\0"): ["A NUL character is not allowed."] for name in with_nul
                },
            )
        if self.allowed_query_params is not None:
            unknown = sorted(set(request.query_params) - set(self.allowed_query_params))
            if unknown:
                raise errors.BadRequest(
                    "Bad request: unknown query parameters.",
                    errors={name: ["Unknown query parameter."] for name in unknown},
                )

    def get_exception_handler(self):
        return self._handle_api_exception

    def _handle_api_exception(self, exc: Exception, context: dict) -> Response:
        error = as_api_error(exc)
        self._outcome = error.reason
        set_rollback()
        return envelopes.error_response(error, envelope=self.envelope)

    def handle_exception(self, exc: Exception) -> Response:
        # DRF's own handling turns a 401 without an authenticate header into 403 and re-raises what its
        # handler does not know; here every exception has a documented answer.
        response = self._handle_api_exception(exc, self.get_exception_handler_context())
        response.exception = True
        return response

    def finalize_response(self, request, response, *args, **kwargs):
        response = self._finalize(request, response, *args, **kwargs)
        # JSON or a file for another system, never a page: nothing may load, run or frame it (OWASP's REST
        # guidance), and the site's per-request policy is not built for it (esb.middleware.CSPMiddleware).
        response["Content-Security-Policy"] = API_CONTENT_SECURITY_POLICY
        return response

    def _finalize(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["API-Version"] = getattr(request, "version", None) or "v1"
        disclosures = getattr(self, "_disclosures", [])
        self._disclosures = []
        if disclosures and response.status_code < 400:
            try:
                # the disclosure and the call's line: one statement, one commit (camdx_api.calllog)
                accesses = [
                    access
                    for applications, people in disclosures
                    for access in services.disclosures(applications=applications, people=people)
                ]
                self._record(request, response, accesses=accesses, raise_errors=True)
                return response
            except Exception as exc:
                # nothing disclosed without its data-access line: the answer becomes the 500 envelope
                response = self._handle_api_exception(exc, {})
                response.exception = True
                patch_cache_control(response, private=True, no_store=True)
                response = super().finalize_response(request, response, *args, **kwargs)
                response["API-Version"] = getattr(request, "version", None) or "v1"
        self._record(request, response)
        return response

    def _record(self, request, response, *, accesses: list = (), raise_errors: bool = False) -> None:
        caller = getattr(request, "_auth", None)
        consumer = caller.consumer if isinstance(caller, services.Caller) else None
        duration_ms = int((time.monotonic() - getattr(self, "_started", time.monotonic())) * 1000)
        try:
            services.record_call(
                consumer=consumer,
                service_code=self.service_code,
                method=request.method,
                path=request.path,
                status_code=response.status_code,
                duration_ms=duration_ms,
                outcome=getattr(self, "_outcome", "") if response.status_code >= 400 else "ok",
                xroad=caller.xroad
                if isinstance(caller, services.Caller)
                else services.XRoadHeaders.from_meta(request.META),
                ip=request_context.client_ip(request._request),
                accesses=accesses,
            )
        except Exception:  # the answer must not fail because its log line could not be written
            if raise_errors:
                raise
            logger.exception("the API call could not be logged")

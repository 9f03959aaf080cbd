"""Request-wide middleware: a request id for logs and audit, and the acting user for the audit trail."""

from __future__ import annotations

import functools
import re
import uuid

from csp import middleware as csp_middleware
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve, reverse
from django.utils.cache import add_never_cache_headers

from esb import request_context

_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


_CONTROL_CHARACTERS = dict.fromkeys([*range(32), 127])


def _header_for_logs(request: HttpRequest, name: str) -> str:
    """A header value as the audit trail keeps it: no control characters (PostgreSQL refuses NUL, which would
    make the audited action fail) and cut to the column."""
    return str(request.META.get(name, "") or "").translate(_CONTROL_CHARACTERS).strip()[:255]


class RequestContextMiddleware:
    """Gives every request an id (kept from `X-Request-ID` when well-formed) and echoes it back."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if _REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = request_context.set_context(
            request_context.RequestContext(
                request_id=request_id,
                ip=request_context.client_ip(request),
                xroad_client=_header_for_logs(request, "HTTP_X_ROAD_CLIENT"),
                xroad_id=_header_for_logs(request, "HTTP_X_ROAD_ID"),
            )
        )
        try:
            response = self.get_response(request)
        finally:
            request_context.reset_context(token)
        response["X-Request-ID"] = request_id
        return response


class AuditActorMiddleware:
    """Records the authenticated user in the request context (after AuthenticationMiddleware), and makes
    every response to an authenticated user personal: `Cache-Control: no-store, private`.

    "Personal ⇒ not cacheable" is the default rather than a decorator to remember: any page a logged-in
    person sees may carry their name, their notifications or their documents, and a shared cache (a proxy,
    a kiosk browser) must never keep it. Public pages seen by anonymous visitors keep their own caching.
    The user is checked again after the view, so the response of a login is covered too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        authenticated = user is not None and user.is_authenticated
        if authenticated:
            request_context.update_context(actor_id=user.pk, actor_label=user.get_username())
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if authenticated or (user is not None and user.is_authenticated):
            mark_personal(response)
        return response


def mark_personal(response: HttpResponse) -> HttpResponse:
    """No cache may store or reuse this response (`public` and any max-age a view set are replaced)."""
    add_never_cache_headers(response)  # no-store, no-cache, must-revalidate, private, max-age=0
    _drop_cache_directive(response, "s-maxage")
    return response


def _drop_cache_directive(response: HttpResponse, name: str) -> None:
    header = response.get("Cache-Control", "")
    kept = [part.strip() for part in header.split(",") if part.strip().split("=")[0].lower() != name]
    if header:
        response["Cache-Control"] = ", ".join(kept)


class CSPMiddleware(csp_middleware.CSPMiddleware):
    """django-csp's middleware, with one exception for the back-office.

    django-unfold drives its UI with the standard Alpine.js build, which evaluates its `x-data`
    expressions with `new AsyncFunction(...)`: under `script-src 'self'` every dropdown, the sidebar
    and the language menu of the back-office stop working. Only pages under the admin URL get
    `'unsafe-eval'`; inline scripts stay forbidden there too, and the public pages keep the strict policy.
    """

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        # A response that set its own policy keeps it, without building the site's (the Part 5 API's JSON
        # answers carry the fixed `default-src 'none'` of camdx_api.base: built per request, the site's
        # policy cost more CPU than some endpoints' own work).
        if csp_middleware.HEADER in response:
            return response
        return super().process_response(request, response)

    def get_policy_parts(self, request: HttpRequest, response: HttpResponse, report_only: bool = False):
        parts = super().get_policy_parts(request, response, report_only)
        if request.path_info.startswith(_backoffice_prefix()):
            update = dict(parts.update or {})
            script_src = update.get("script-src") or []
            if isinstance(script_src, str):
                script_src = [script_src]
            update["script-src"] = [*script_src, "'unsafe-eval'"]
            parts.update = update
        return parts


@functools.cache
def _backoffice_prefix() -> str:
    return reverse("admin:index")


def _fields_have_nul(fields) -> bool:
    return any("\x00" in key or any("\x00" in v for v in values) for key, values in fields.lists())


class RejectNulBytesMiddleware:
    """Answers 400 to a NUL character in the path, the query string or form fields.

    PostgreSQL text cannot hold NUL, so such input would otherwise surface as a database error (a 500) in
    whichever query first meets it — search boxes, autocompletes, filters."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._has_nul(request) and not self._view_refuses_nul_itself(request):
            from esb.views import bad_request

            return bad_request(request)
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> HttpResponse | None:
        # Form fields only once the view is known: a view marked `esb_raw_body` (a proxy forwarding the body
        # byte for byte, like the CamDX simulator) needs request.body, which parsing multipart would consume.
        if getattr(view_func, "esb_raw_body", False) or not self._form_has_nul(request):
            return None
        from esb.views import bad_request

        return bad_request(request)

    @staticmethod
    def _view_refuses_nul_itself(request: HttpRequest) -> bool:
        """A view marked `esb_refuses_nul` (the JSON API) answers its own documented 400 body: an HTML page
        would break the contract of a program calling it."""
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return False
        return getattr(match.func, "esb_refuses_nul", False)

    @staticmethod
    def _has_nul(request: HttpRequest) -> bool:
        if "\x00" in request.path:
            return True
        return _fields_have_nul(request.GET)

    @staticmethod
    def _form_has_nul(request: HttpRequest) -> bool:
        if request.method == "POST" and request.content_type in {
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        }:
            return _fields_have_nul(request.POST)
        return False

"""The shell's branding stylesheet and the friendly error pages (no stack trace ever reaches a user).

The home page, which previews the catalog, is `licensing.views.home`: `esb` imports no domain app.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.template.loader import render_to_string
from django.views import csrf
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from esb.access import public
from esb.branding import palette

logger = logging.getLogger(__name__)


# Public: a stylesheet of colours from settings, no data.
@public
@require_safe
@cache_control(public=True, max_age=60 * 60 * 24)
def branding_css(request: HttpRequest) -> HttpResponse:
    """The institution's colours as CSS custom properties.

    A stylesheet from our own origin instead of an inline `<style>`: the Content Security Policy can stay
    `style-src 'self'`-compatible, and the colour stays a setting rather than a build step. Pages link it
    with `?v=<palette hash>`, so the one-day cache never serves an old colour after a change.
    Needs neither the database nor a session.
    """
    css = render_to_string("esb/branding.css", {"palette": palette()})
    return HttpResponse(css, content_type="text/css; charset=utf-8")


# A door whose callers are programs (the Part 5 API under /api/) answers the errors raised before its views
# run (CSRF refusal, NUL in the URL, an error page's own failure) in its documented body, not as an HTML page.
# Doors register a renderer for their URL prefix; esb knows none of them.
ErrorRenderer = Callable[[HttpRequest, int], HttpResponse]
_error_renderers: dict[str, ErrorRenderer] = {}


def register_error_renderer(path_prefix: str, renderer: ErrorRenderer) -> None:
    _error_renderers[path_prefix] = renderer


def _renderer_for(request: HttpRequest) -> ErrorRenderer | None:
    path = request.path_info
    for prefix, renderer in _error_renderers.items():
        if path.startswith(prefix):
            return renderer
    return None


def _error(request: HttpRequest, status: int, template: str) -> HttpResponse:
    renderer = _renderer_for(request)
    if renderer is not None:
        return renderer(request, status)
    return render(request, template, status=status)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: the registered error body under a program's prefix, else Django's page (our
    templates/403_csrf.html, which never shows the technical reason)."""
    renderer = _renderer_for(request)
    if renderer is not None:
        return renderer(request, 403)
    return csrf.csrf_failure(request, reason)


def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    return _error(request, 400, "errors/400.html")


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    return _error(request, 403, "errors/403.html")


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    return _error(request, 404, "errors/404.html")


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 page, rendered without the request's context processors.

    Whatever broke (database, session store, a context processor) may break again: this template gets
    only the request id, and if even that rendering fails the user still gets a plain page.
    """
    renderer = _renderer_for(request)
    if renderer is not None:
        try:
            return renderer(request, 500)
        except Exception:  # fall through to the plain page
            logger.exception("the registered error renderer failed")
    context = {"request_id": getattr(request, "request_id", "")}
    try:
        body = loader.get_template("errors/500.html").render(context)
    except Exception:  # a last resort must not raise
        logger.exception("the 500 page itself failed to render")
        body = "<!doctype html><title>Server error</title><h1>Server error (500)</h1>"
    return HttpResponseServerError(body)

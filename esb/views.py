"""The shell's branding stylesheet and the friendly error pages (no stack trace ever reaches a user).

The home page, which previews the catalog, is `licensing.views.home`: `esb` imports no domain app.
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.template.loader import render_to_string
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


def _error(request: HttpRequest, status: int, template: str) -> HttpResponse:
    return render(request, template, status=status)


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
    context = {"request_id": getattr(request, "request_id", "")}
    try:
        body = loader.get_template("errors/500.html").render(context)
    except Exception:  # a last resort must not raise
        logger.exception("the 500 page itself failed to render")
        body = "<!doctype html><title>Server error</title><h1>Server error (500)</h1>"
    return HttpResponseServerError(body)

"""Who may open a view, said explicitly on every view.

Every URL of the portal resolves to a view carrying `esb_access` (tests/esb/test_view_access.py walks the
URL configuration and fails on a view without it):

- `@public` — anyone, logged in or not (catalog, help, feedback, login callbacks);
- `@applicant_required` — a logged-in person; querysets inside are scoped to that person and the business
  they act for (selectors take the user and answer 404 for anything else);
- back-office views are the admin site's, protected by its own permission checks;
- `@officer_required` — a back-office page outside the admin's own views (the review queue and screen): the
  admin site's login and staff check, never cached; the view checks its permission and scopes what it reads;
- `@signed_request` — a machine-to-machine callback (the payment gateway's webhook, Telegram's webhook): no
  session, so no CSRF token; the view verifies a signature over the raw body, or a shared secret header,
  before anything changes;
- `ORGANIZATION_TOKEN` — the Part 5 API (camdx_api.base.Part5View sets it): another institution's system with
  a CamDigiKey organization token checked on every call, never a session (so no CSRF), GET only.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

PUBLIC = "public"
APPLICANT = "applicant"
OFFICER = "officer"
SIGNED = "signed"
ORGANIZATION_TOKEN = "organization-token"  # noqa: S105 (an access marker)


def public(view: Callable) -> Callable:
    """Mark a view as open to anyone (a deliberate choice, visible in the code)."""
    view.esb_access = PUBLIC
    return view


def applicant_required(view: Callable) -> Callable:
    """Logged-in users only; anyone else is sent to the login page and brought back afterwards.

    Every response of such a view is personal and never cacheable (`Cache-Control: no-store, private`),
    whatever the view itself set; esb.middleware.AuditActorMiddleware does the same for any response to a
    logged-in user."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            response = redirect_to_login(request.get_full_path())
        else:
            response = view(request, *args, **kwargs)
        add_never_cache_headers(response)  # no-store, no-cache, private, max-age=0
        return response

    wrapper.esb_access = APPLICANT
    return wrapper


def officer_required(view: Callable) -> Callable:
    """Back-office staff only, through the admin site's own gate (`admin_view`: anyone else is sent to the
    back-office login; responses are never cached; CSRF-protected). The view still checks the permission it
    needs and answers 404 for what lies outside the officer's scope."""
    from django.contrib import admin

    wrapper = admin.site.admin_view(view)
    wrapper.esb_access = OFFICER
    return wrapper


def signed_request(view: Callable) -> Callable:
    """A callback from a partner system, authenticated by what the view checks before anything changes — a
    signature over the raw body (the payment gateway) or a shared secret header compared in constant time
    (Telegram's webhook) — never by a cookie: exempt from CSRF, which protects sessions, and only such a view
    is."""
    from django.views.decorators.csrf import csrf_exempt

    wrapper = csrf_exempt(view)
    wrapper.esb_access = SIGNED
    return wrapper

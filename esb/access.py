"""Who may open a view, said explicitly on every view.

Every URL of the portal resolves to a view carrying `esb_access` (tests/esb/test_view_access.py walks the
URL configuration and fails on a view without it):

- `@public` — anyone, logged in or not (catalog, help, feedback, login callbacks);
- `@applicant_required` — a logged-in person; querysets inside are scoped to that person and the business
  they act for (selectors take the user and answer 404 for anything else);
- back-office views are the admin site's, protected by its own permission checks.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse

PUBLIC = "public"
APPLICANT = "applicant"


def public(view: Callable) -> Callable:
    """Mark a view as open to anyone (a deliberate choice, visible in the code)."""
    view.esb_access = PUBLIC
    return view


def applicant_required(view: Callable) -> Callable:
    """Logged-in users only; anyone else is sent to the login page and brought back afterwards."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    wrapper.esb_access = APPLICANT
    return wrapper

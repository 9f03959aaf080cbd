"""Session policy for logged-in users, and the business they act for in the audit trail."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import auth, messages
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from accounts.selectors import ACTING_FOR_SESSION_KEY, acting_business
from accounts.services import LOGIN_AT_KEY
from esb import request_context


class AccountSessionMiddleware:
    """Place after AuthenticationMiddleware and MessageMiddleware.

    - A login lasts at most SESSION_COOKIE_AGE seconds from the moment it happened, however active the
      session is (Django alone would extend it every time the session is saved).
    - While an applicant acts for a business, audit events record it as `on_behalf_of`.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            login_at = request.session.get(LOGIN_AT_KEY)
            if isinstance(login_at, int | float) and time.time() - login_at > settings.SESSION_COOKIE_AGE:
                auth.logout(request)
                messages.info(request, _("Your session has expired. Please log in again."))
            elif request.session.get(ACTING_FOR_SESSION_KEY) is not None:
                business = acting_business(request)
                if business is not None:
                    request_context.update_context(on_behalf_of=business.single_id)
        return self.get_response(request)

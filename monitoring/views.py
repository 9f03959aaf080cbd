"""The public status page `/status/`: off (404) unless ESB_PUBLIC_STATUS_PAGE is on. Names, state and
uptime only: no URL, owner, contact, latency or error text of any system."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from esb.access import public
from monitoring import selectors


@public
@require_safe
def status(request: HttpRequest) -> HttpResponse:
    if not settings.ESB_PUBLIC_STATUS_PAGE:
        raise Http404
    return render(
        request,
        "monitoring/public_status.html",
        {"statuses": selectors.statuses(selectors.public_systems()), "days": selectors.DAYS},
    )

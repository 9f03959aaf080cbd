"""The back-office status page ("System status", inside the admin shell): each member system the officer
may see with its state, latency, 90 days of uptime and its incidents. Needs `monitoring.view_status`
(403 otherwise); an officer sees the systems of their institutions, a national administrator all."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from esb.access import officer_required
from monitoring import selectors

PERMISSION = "monitoring.view_status"


@officer_required
@require_safe
def status(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied
    systems = selectors.systems_for_officer(request.user)
    context = {
        **admin.site.each_context(request),
        "title": _("System status"),
        "statuses": selectors.statuses(systems),
        "open_incidents": selectors.incidents_for(systems, open_only=True),
        "past_incidents": selectors.incidents_for(systems),
        "days": selectors.DAYS,
    }
    return TemplateResponse(request, "monitoring/backoffice/status.html", context)

"""The applicant's notifications page and marking them read. Thin: reads in selectors, writes in services."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from esb.access import applicant_required
from esb.ids import parse_ids
from notifications import selectors, services

PAGE_SIZE = 20


@require_safe
@applicant_required
def notification_list(request: HttpRequest) -> HttpResponse:
    paginator = Paginator(selectors.for_user(request.user), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/list.html",
        {
            "page_obj": page,
            "unread_count": selectors.unread_count(request.user),
            "breadcrumbs": [(_("Home"), reverse("home")), (_("Notifications"), "")],
        },
    )


@require_POST
@applicant_required
def mark_read(request: HttpRequest) -> HttpResponse:
    ids = None
    raw = request.POST.getlist("id")
    if raw:
        # Unknown, foreign or malformed ids ("²", "-1", 30 digits) are simply ignored: the update is scoped
        # to the user's own rows, and esb.ids is the one parser of ids from requests.
        ids = parse_ids(raw)
    services.mark_read(request.user, ids)
    target = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ) or not target.startswith("/"):
        target = reverse("notifications:list")
    return HttpResponseRedirect(target)

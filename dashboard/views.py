"""The dashboard page (inside the back-office shell). Thin: the figures are dashboard.selectors'. It needs
`dashboard.view_dashboard` (403 otherwise) and shows only the officer's scope; an institution outside it is
answered 404 (the form's choices are the officer's institutions); a bad period 400 with the reason."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib import admin
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from dashboard import presentation, selectors
from dashboard.forms import DashboardFilterForm, default_period
from esb.access import officer_required

PERMISSION = "dashboard.view_dashboard"
# A bound only: a new fold (each minute) makes a new key. 0 (settings.DASHBOARD_FIGURES_SECONDS) draws every
# request afresh (bench/dashboard.py --uncached measures that path).
FIGURES_SECONDS = 5 * 60
# "Overdue now" reads the current review tasks live (one join per overdue application: ~0.6 s at 119,000
# overdue in bench/dashboard.py), so it is kept apart, per scope, institution and day, for longer than a
# fold. 0 (settings.DASHBOARD_OVERDUE_SECONDS) reads it every time the figures are drawn.
OVERDUE_SECONDS = 10 * 60


@officer_required
@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied
    today = timezone.localdate()
    start, end = default_period(today)
    data = request.GET if request.GET else None
    form = DashboardFilterForm(data, user=request.user, initial={"start": start, "end": end})
    status = 200
    institution = None
    if form.is_bound:
        if form.is_valid():
            start, end = form.cleaned_data["start"], form.cleaned_data["end"]
            institution = form.cleaned_data.get("institution")
        elif "institution" in form.errors and request.GET.get("institution"):
            raise Http404  # an institution outside the officer's scope is answered as if it did not exist
        else:
            status = 400
    filters = selectors.Filters(
        start=start, end=end, today=today, institution_id=institution.pk if institution else None
    )
    context = {
        **admin.site.each_context(request),
        "title": _("Statistics dashboard"),
        "form": form,
        "filters": filters,
        "figures_html": _figures_html(request, filters),
    }
    return TemplateResponse(request, "dashboard/dashboard.html", context, status=status)


def _figures_html(request: HttpRequest, filters: selectors.Filters) -> str:
    """The figures drawn, kept until the next fold for every officer with the same scope, language and
    filters (the fold changes the generation each minute, so nothing is older than what the tables say)."""
    seconds = getattr(settings, "DASHBOARD_FIGURES_SECONDS", FIGURES_SECONDS)
    generation = selectors.fold_generation() if seconds else None
    key = None
    if generation is not None:
        parts = (get_language(), selectors.scope_key(request.user), filters, generation)
        key = "dashboard:figures:" + hashlib.sha256(repr(parts).encode()).hexdigest()
        found = cache.get(key)
        if found is not None:
            return mark_safe(found)  # noqa: S308 (our own rendering, stored by the branch below)
    figures = selectors.dashboard(request.user, filters, overdue=_overdue_now(request, filters))
    html = render_to_string(
        "dashboard/figures.html", {"figures": figures, **presentation.page(figures)}, request=request
    )
    if key is not None:
        cache.set(key, html, seconds)
    return mark_safe(html)  # noqa: S308 (rendered by the template engine, escaped there)


def _overdue_now(request: HttpRequest, filters: selectors.Filters) -> int:
    """The officer's "overdue now", at most OVERDUE_SECONDS old (the same for every language and period)."""
    seconds = getattr(settings, "DASHBOARD_OVERDUE_SECONDS", OVERDUE_SECONDS)
    if not seconds:
        return selectors.overdue_now(request.user, filters)
    parts = (selectors.scope_key(request.user), filters.institution_id, filters.today)
    key = "dashboard:overdue:" + hashlib.sha256(repr(parts).encode()).hexdigest()
    found = cache.get(key)
    if found is None:
        found = selectors.overdue_now(request.user, filters)
        cache.set(key, found, seconds)
    return int(found)

"""The back-office licence register (inside the admin shell): the officer's licences, searchable and filtered,
and one licence with its full history and the suspend / reinstate / revoke forms.

Seeing the register needs `issuance.view_licence` (403 otherwise); an officer sees only the licences of their
institutions (anything else is a 404; a national administrator sees all). Changing a status needs
`issuance.change_licence_status`, checked again by `issuance.services.lifecycle`. Each form carries the status
the officer saw: when another officer acted first, the page is shown again with what happened (409).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from esb.access import officer_required
from issuance import selectors
from issuance.models import LicenceStatus
from issuance.services import lifecycle
from issuance.services.history import LicenceError

VIEW_PERMISSION = "issuance.view_licence"
PAGE_SIZE = 25
CONFLICTS = frozenset({"stale", "transition"})  # someone else acted first: 409


class RegisterForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Search"),
        required=False,
        max_length=100,
        help_text=gettext_lazy("Licence number, Single ID, or the holder's name in Khmer or English."),
    )
    licence_type = forms.TypedChoiceField(
        label=gettext_lazy("Licence type"), required=False, coerce=int, empty_value=None
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("All statuses")), *LicenceStatus.choices],
    )
    expiry = forms.ChoiceField(
        label=gettext_lazy("Expiry"),
        required=False,
        choices=[
            ("", gettext_lazy("Any")),
            ("30", gettext_lazy("Expiring within 30 days")),
            ("60", gettext_lazy("Expiring within 60 days")),
            ("90", gettext_lazy("Expiring within 90 days")),
            ("expired", gettext_lazy("Past their expiry date")),
        ],
    )

    def __init__(self, *args, licence_types=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["licence_type"].choices = [
            ("", _("All licence types")),
            *((t.pk, f"{t.code} — {t.name}") for t in licence_types),
        ]

    def filters(self) -> selectors.RegisterFilters:
        # One bad field drops only its own filter: Django keeps the valid fields in `cleaned_data`, and the
        # results page shows the bad field's error.
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return selectors.RegisterFilters(
            q=data.get("q") or "",
            licence_type=data.get("licence_type"),
            status=data.get("status") or "",
            expiry=data.get("expiry") or "",
        )


class StatusForm(forms.Form):
    action = forms.ChoiceField(choices=[(a, a) for a in lifecycle.OFFICER_ACTIONS], widget=forms.HiddenInput)
    seen_status = forms.ChoiceField(choices=LicenceStatus.choices, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        min_length=lifecycle.REASON_MIN,
        max_length=lifecycle.REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "class": "rv-input"}),
        help_text=gettext_lazy(
            "Only the holder and officers see this reason; it is kept in the licence's history. The "
            "public verification page shows only that the issuing institution suspended or revoked it."
        ),
    )


def _page(request: HttpRequest, template: str, context: dict, status: int = 200) -> TemplateResponse:
    return TemplateResponse(request, template, {**admin.site.each_context(request), **context}, status=status)


def _may_view(request: HttpRequest) -> None:
    if not request.user.has_perm(VIEW_PERMISSION):
        raise PermissionDenied


@officer_required
@require_safe
def register(request: HttpRequest) -> HttpResponse:
    _may_view(request)
    form = RegisterForm(request.GET or None, licence_types=selectors.licence_types_for_officer(request.user))
    filters = form.filters() if request.GET else selectors.RegisterFilters()
    page = Paginator(selectors.register(request.user, filters), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "title": _("Licence register"),
        "form": form,
        "page": page,
        "licences": page.object_list,
        "query": query.urlencode(),
    }
    template = (
        "issuance/backoffice/register_results.html" if request.htmx else "issuance/backoffice/register.html"
    )
    return _page(request, template, context)


def _detail_context(request: HttpRequest, licence, form: StatusForm | None = None) -> dict:
    may_change = request.user.has_perm(lifecycle.STATUS_PERMISSION)
    actions = lifecycle.ALLOWED_ACTIONS.get(licence.status, ()) if may_change else ()
    return {
        "title": str(licence),
        "licence": licence,
        "events": selectors.officer_events(licence),
        "actions": actions,
        "form": form,
        "verification_lags": bool(licence.verification_id) and licence.verification_status != licence.status,
        "may_retry": may_change and licence.status == LicenceStatus.PENDING,
    }


def _licence(request: HttpRequest, public_id):
    licence = selectors.licence_for_officer(request.user, public_id)
    if licence is None:
        raise Http404
    return licence


@officer_required
@require_safe
def detail(request: HttpRequest, public_id) -> HttpResponse:
    _may_view(request)
    licence = _licence(request, public_id)
    return _page(request, "issuance/backoffice/detail.html", _detail_context(request, licence))


_DONE = {
    "suspend": gettext_lazy("Licence %(number)s is suspended."),
    "reinstate": gettext_lazy("Licence %(number)s is valid again."),
    "revoke": gettext_lazy("Licence %(number)s is revoked."),
}


@officer_required
@require_POST
def change_status(request: HttpRequest, public_id) -> HttpResponse:
    _may_view(request)
    licence = _licence(request, public_id)
    if not request.user.has_perm(lifecycle.STATUS_PERMISSION):
        raise PermissionDenied
    form = StatusForm(request.POST)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            lifecycle.change_status(
                licence, request.user, data["action"], data["reason"], seen_status=data["seen_status"]
            )
        except LicenceError as refused:
            form.add_error(None, refused.message)
            status = 409 if refused.code in CONFLICTS else 400
            licence.refresh_from_db()
        else:
            messages.success(request, _DONE[data["action"]] % {"number": licence.number})
            return HttpResponseRedirect(
                reverse("issuance-backoffice:detail", kwargs={"public_id": public_id})
            )
    return _page(request, "issuance/backoffice/detail.html", _detail_context(request, licence, form), status)


@officer_required
@require_POST
def retry_issuance(request: HttpRequest, public_id) -> HttpResponse:
    """ "Try issuing again" for a licence whose issuance stopped: the chain starts again from the step it
    reached (each step is skipped when done). A licence issued meanwhile gets the page with why (409)."""
    _may_view(request)
    licence = _licence(request, public_id)
    if not request.user.has_perm(lifecycle.STATUS_PERMISSION):
        raise PermissionDenied
    try:
        lifecycle.retry_issuance(licence, request.user)
    except LicenceError as refused:
        licence.refresh_from_db()
        context = {**_detail_context(request, licence), "retry_error": refused.message}
        return _page(request, "issuance/backoffice/detail.html", context, 409)
    messages.success(
        request, _("The licence is being issued again. This page shows the result in a few minutes.")
    )
    return HttpResponseRedirect(reverse("issuance-backoffice:detail", kwargs={"public_id": public_id}))

"""The holder's licence pages on the portal: "My licences", one licence (status, validity, what happened
to it, renew and amend), and the PDF download. Thin: reads are `issuance.selectors` (scoped to the licences
of the applications the person may see: anything else is a 404), writes `issuance.services.lifecycle`."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from accounts.selectors import all_business_ids
from esb.access import applicant_required
from esb.uploads import stored_file_response
from issuance import selectors
from issuance.services import lifecycle
from issuance.services.history import LicenceError
from licensing.models import LicenceService

PAGE_SIZE = 20


def _licence(request: HttpRequest, public_id):
    licence = selectors.licence_for_holder(request.user, public_id, all_business_ids(request))
    if licence is None:
        raise Http404
    return licence


@applicant_required
@require_safe
def licence_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.licences_of(request.user, all_business_ids(request)), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "issuance/list.html", {"page": page, "licences": page.object_list})


@applicant_required
@require_safe
def detail(request: HttpRequest, public_id) -> HttpResponse:
    licence = _licence(request, public_id)
    change = lifecycle.open_change(licence)
    context = {
        "licence": licence,
        "events": selectors.holder_events(licence),
        "downloadable": selectors.is_downloadable(licence),
        "open_change": change,
        # Offered only where the licence type has the service (the service refuses clearly otherwise).
        "may_renew": change is None
        and lifecycle.may_renew(licence)
        and lifecycle.change_service(licence, LicenceService.Kind.RENEWAL) is not None,
        "may_amend": change is None
        and lifecycle.may_amend(licence)
        and lifecycle.change_service(licence, LicenceService.Kind.AMENDMENT) is not None,
    }
    return render(request, "issuance/detail.html", context)


@applicant_required
@require_safe
def download(request: HttpRequest, public_id) -> HttpResponse:
    licence = _licence(request, public_id)
    if not selectors.is_downloadable(licence):  # PENDING (being issued), REVOKED, or no stored PDF
        raise Http404
    filename = f"{licence.number or 'licence'}-v{licence.version}.pdf"
    return stored_file_response(
        licence.pdf, filename=filename, content_type="application/pdf", as_attachment=True
    )


def _start(request: HttpRequest, public_id, start) -> HttpResponse:
    licence = _licence(request, public_id)
    try:
        started = start(licence, request.user)
    except LicenceError as refused:
        if refused.code == "consent":
            return HttpResponseRedirect(reverse("privacy:consent"))
        messages.error(request, refused.message)
        return HttpResponseRedirect(reverse("issuance:detail", kwargs={"public_id": licence.public_id}))
    return HttpResponseRedirect(
        reverse("applications:tasks", kwargs={"public_id": started.application.public_id})
    )


@applicant_required
@require_POST
def renew(request: HttpRequest, public_id) -> HttpResponse:
    return _start(request, public_id, lifecycle.start_renewal)


@applicant_required
@require_POST
def amend(request: HttpRequest, public_id) -> HttpResponse:
    return _start(request, public_id, lifecycle.start_amendment)

"""The public service catalog (Part 6 page 1): the list with search and filters, and one service's page.

Thin: reads come from `licensing.selectors`; this module only cleans the query string and shapes what the
templates show (fees, durations, formats) in the reader's language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers

from esb.access import public
from licensing import selectors
from licensing.formatting import format_fee, format_validity, format_working_days
from licensing.models import LicenceService, LicenceType
from licensing.models.catalog import CATALOG_CODE_VALIDATOR, SAFE_MIME_TYPES

PAGE_SIZE = 20
# The home page lists services as a way in, not the whole catalog: the catalog page has the rest.
HOME_SERVICES_SHOWN = 24
# A search longer than this is not a search a person typed; cutting it keeps the query plan small.
MAX_SEARCH_LENGTH = 100
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CODE = re.compile(CATALOG_CODE_VALIDATOR.regex.pattern)
_FORMAT_LABELS = dict(SAFE_MIME_TYPES)


def _clean_text(value: str | None, limit: int) -> str:
    # PostgreSQL refuses NUL in a string literal: control characters must go before any query.
    return " ".join(_CONTROL.sub(" ", value or "")[: limit * 2].split())[:limit]


@dataclass(frozen=True)
class ServiceCard:
    licence_type: LicenceType
    fee: str
    processing_time: str


@dataclass(frozen=True)
class ServiceOption:
    """One kind of request (new, renewal…) with its own fee and apply link."""

    service: LicenceService
    fee: str
    apply_url: str


@dataclass(frozen=True)
class DocumentRow:
    name: str
    mandatory: bool
    formats: str
    max_size_mb: int
    help: str


def _card(licence_type: LicenceType) -> ServiceCard:
    return ServiceCard(
        licence_type=licence_type,
        fee=format_fee(licence_type.fee_amount, licence_type.fee_currency),
        processing_time=format_working_days(licence_type.processing_days),
    )


def _chosen(value: str, options: list) -> object | None:
    """The option whose code matches (case-insensitive); anything else means "no filter"."""
    wanted = _clean_text(value, 40).casefold()
    if not wanted:
        return None
    return next((option for option in options if option.code.casefold() == wanted), None)


@public
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """The portal's landing page (`/`, esb/home.html): a preview of the catalog as the way in.

    Served from here rather than from `esb`, which imports no domain app. The preview is one query
    (no prefetch): names and institutions are all it shows.
    """
    services = list(selectors.catalog_services().prefetch_related(None)[:HOME_SERVICES_SHOWN])
    return render(request, "esb/home.html", {"catalog_preview": services})


@public
@require_safe
@vary_on_headers("HX-Request")
def service_list(request: HttpRequest) -> HttpResponse:
    query = _clean_text(request.GET.get("q"), MAX_SEARCH_LENGTH)
    institutions = list(selectors.catalog_institutions())
    sectors = list(selectors.sectors())
    institution = _chosen(request.GET.get("institution"), institutions)
    sector = _chosen(request.GET.get("sector"), sectors)
    # Instances, not the raw codes: a digits-only value would otherwise be read as a primary key.
    services = selectors.catalog_services(query, institution=institution, sector=sector)
    page = Paginator(services, PAGE_SIZE).get_page(_clean_text(request.GET.get("page"), 10))
    context = {
        "query": query,
        "institutions": institutions,
        "sectors": sectors,
        "institution": institution,
        "sector": sector,
        "filtered": bool(query or institution or sector),
        "page": page,
        "cards": [_card(licence_type) for licence_type in page.object_list],
        "breadcrumbs": [(_("Home"), reverse("home")), (_("Services"), "")],
    }
    htmx = getattr(request, "htmx", None)
    # A history restore (back button after htmx pushed the address) needs the whole page, not the results.
    if htmx and not htmx.boosted and not htmx.history_restore_request:
        return render(request, "licensing/_results.html", {**context, "partial": True})
    return render(request, "licensing/service_list.html", context)


@public
@require_safe
def service_detail(request: HttpRequest, code: str) -> HttpResponse:
    if len(code) > 40 or not _CODE.match(code):
        raise Http404
    licence_type = selectors.catalog_service(code)
    if licence_type is None:
        raise Http404
    form = selectors.published_form(licence_type)
    workflow = selectors.published_workflow(licence_type)
    services = list(licence_type.services.all())
    start_url = reverse("applications:start", kwargs={"code": licence_type.code})
    several = len(services) > 1
    options = [
        ServiceOption(
            service=service,
            fee=format_fee(service.fee_amount, service.fee_currency),
            apply_url=f"{start_url}?service={service.code}" if several else start_url,
        )
        for service in services
    ]
    documents = [
        DocumentRow(
            name=requirement.document_type.name,
            mandatory=requirement.mandatory,
            formats=", ".join(_FORMAT_LABELS.get(f, f) for f in requirement.accepted_formats or []),
            max_size_mb=requirement.max_size_mb,
            help=requirement.help,
        )
        for requirement in licence_type.document_requirements.all()
    ]
    context = {
        "licence_type": licence_type,
        # With one kind of request its fee (which may override the licence type's) is the fee.
        "fee": options[0].fee
        if len(options) == 1
        else format_fee(licence_type.fee_amount, licence_type.fee_currency),
        "has_fee": any(s.fee_amount for s in services) if services else not licence_type.is_free,
        "processing_time": format_working_days(licence_type.processing_days),
        "validity": format_validity(licence_type.validity_months),
        "options": options,
        "several_options": several,
        "documents": documents,
        "form_steps": list(form.steps.all()) if form else [],
        "review_steps": list(workflow.steps.all()) if workflow else [],
        "breadcrumbs": [
            (_("Home"), reverse("home")),
            (_("Services"), reverse("catalog:list")),
            (licence_type.name, ""),
        ],
    }
    return render(request, "licensing/service_detail.html", context)

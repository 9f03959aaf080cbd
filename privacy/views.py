"""Applicant pages: the consent form, "my data" (consents, profile, access log) and withdrawal."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.selectors import businesses_of
from esb import request_context
from esb.access import applicant_required
from privacy import selectors, services
from privacy.forms import ConsentForm
from privacy.models import Consent, ConsentPurpose, ConsentText

ACCESS_LOG_PAGE_SIZE = 20


def _safe_next(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("privacy:my-data")


def _breadcrumbs(*pages: tuple[str, str]) -> list[tuple[str, str]]:
    return [(_("Home"), reverse("home")), *pages]


def mask_phone(phone: str) -> str:
    """Every digit hidden except the last three (spaces and a leading + kept, so the shape is familiar)."""
    if not phone:
        return ""
    digits = sum(ch.isdigit() for ch in phone)
    seen, out = 0, []
    for ch in phone:
        if ch.isdigit():
            seen += 1
            out.append(ch if seen > digits - 3 else "•")
        else:
            out.append(ch)
    return "".join(out)


@applicant_required
@require_http_methods(["GET", "HEAD", "POST"])
def consent(request: HttpRequest) -> HttpResponse:
    camdx_text = selectors.current_text(ConsentPurpose.CAMDX_CLUSTER)
    outside_text = selectors.current_text(ConsentPurpose.OUTSIDE_CLUSTER)
    next_url = _safe_next(request)
    has_required = selectors.has_consent(request.user, ConsentPurpose.CAMDX_CLUSTER)
    has_outside = selectors.has_consent(request.user, ConsentPurpose.OUTSIDE_CLUSTER)

    if request.method == "POST":
        form = ConsentForm(request.POST, camdx_text=camdx_text, outside_text=outside_text)
        if form.is_valid():
            ctx = request_context.current()
            user_agent = request.META.get("HTTP_USER_AGENT", "")
            try:
                with transaction.atomic():  # both consents or neither
                    services.give_consent(
                        request.user,
                        ConsentPurpose.CAMDX_CLUSTER,
                        camdx_text,
                        ip=ctx.ip,
                        user_agent=user_agent,
                    )
                    if form.cleaned_data["agree_outside"] and outside_text is not None:
                        services.give_consent(
                            request.user,
                            ConsentPurpose.OUTSIDE_CLUSTER,
                            outside_text,
                            ip=ctx.ip,
                            user_agent=user_agent,
                        )
            except services.ConsentTextNotCurrent as refused:
                # Published between the form check and the write: ask the person to read the new text.
                form.add_error(None, forms.ValidationError(str(refused.message), code="text_changed"))
            else:
                messages.success(request, _("Thank you. Your consent has been recorded."))
                return HttpResponseRedirect(next_url)
        status = 200
        text_changed = form.has_error(NON_FIELD_ERRORS, "text_changed")
    else:
        text_changed = False
        if has_required and "next" in request.GET:
            return HttpResponseRedirect(next_url)
        form = ConsentForm(
            initial={"agree_camdx": has_required, "agree_outside": has_outside},
            camdx_text=camdx_text,
            outside_text=outside_text,
        )
        status = 200 if camdx_text is not None else 503
    return render(
        request,
        "privacy/consent.html",
        {
            "form": form,
            "camdx_text": camdx_text,
            "outside_text": outside_text,
            "has_required": has_required,
            "has_outside": has_outside,
            "text_changed": text_changed,
            "next_url": next_url,
            "breadcrumbs": _breadcrumbs(
                (_("My data"), reverse("privacy:my-data")), (_("Consent to data sharing"), "")
            ),
        },
        status=status,
    )


def _consent_rows(user) -> list[dict]:
    rows = []
    for item in selectors.consents_of(user):
        if item.withdrawn_at is not None:
            state = "withdrawn"
        elif item.text.status == ConsentText.Status.PUBLISHED:
            state = "active"
        else:
            state = "superseded"
        rows.append({"consent": item, "state": state})
    return rows


@applicant_required
@require_safe
def my_data(request: HttpRequest) -> HttpResponse:
    user = request.user
    businesses = list(businesses_of(user))
    log = selectors.access_log_for(user, [b.pk for b in businesses])
    page = Paginator(log, ACCESS_LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "privacy/my_data.html",
        {
            "consent_rows": _consent_rows(user),
            "has_required": selectors.has_consent(user, ConsentPurpose.CAMDX_CLUSTER),
            "profile": {
                "full_name_km": user.full_name_km,
                "full_name_en": user.full_name_en,
                "email": user.email,
                "phone": mask_phone(user.mobile_phone or ""),
                "date_of_birth": user.date_of_birth,
            },
            "businesses": businesses,
            "page": page,
            "breadcrumbs": _breadcrumbs((_("My data"), "")),
        },
    )


@applicant_required
@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.withdraw_consent(request.user, pk)
    except Consent.DoesNotExist:
        raise Http404 from None
    messages.success(
        request,
        _("Your consent is withdrawn. You can consent again at any time if you want to apply online again."),
    )
    return HttpResponseRedirect(reverse("privacy:my-data"))

"""Page 6 (payment) and receipts. Thin: the work is in `payments.services`; every page is scoped to the
applications the person may see as an applicant (anything else is a 404)."""

from __future__ import annotations

import base64
import io

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from applications import services as applications
from esb.access import applicant_required
from esb.throttle import throttle
from payments import selectors, services
from payments.contrib.gateway.plugin import KEY as GATEWAY
from payments.models import Status
from payments.providers import get_provider
from payments.receipts import receipt_context, receipt_pdf


def _application(request: HttpRequest, public_id):
    application = applications.application_for_payment(request.user, public_id)
    if application is None:
        raise Http404
    return application


def _pay_url(application) -> str:
    return reverse("payments:pay", kwargs={"public_id": application.public_id})


def qr_data_url(text: str) -> str:
    """The KHQR as an SVG image made on the server (no script, no third-party host)."""
    image = qrcode.make(
        text,
        image_factory=qrcode.image.svg.SvgPathImage,
        box_size=10,
        border=2,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
    )
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _state(application) -> dict:
    """What the page and its status fragment show: the paid attempt and its receipt, or the live attempt."""
    paid = selectors.paid_payment(application)
    offers = services.offered(application)
    khqr_offer = next((o for o in offers if o.provider == "khqr"), None)
    attempt = services.live_attempt(application, "khqr") if khqr_offer and not paid else None
    gateway_offer = next((o for o in offers if o.provider == GATEWAY), None)
    return {
        "gateway_offer": gateway_offer,
        "gateway_attempt": services.live_attempt(application, GATEWAY)
        if gateway_offer and not paid
        else None,
        "application": application,
        "paid": paid,
        "receipt": getattr(paid, "receipt", None) if paid else None,
        "offers": offers,
        "khqr_offer": khqr_offer,
        "attempt": attempt,
        "awaiting": services.awaits_payment(application),
    }


@applicant_required
@require_safe
@never_cache
def pay(request: HttpRequest, public_id) -> HttpResponse:
    application = _application(request, public_id)
    state = _state(application)
    if not state["paid"] and not state["awaiting"]:
        return HttpResponseRedirect(
            reverse("applications:detail", kwargs={"public_id": application.public_id})
        )
    problem = ""
    if state["awaiting"] and state["khqr_offer"] and state["attempt"] is None:
        # The first visit (or a code that expired): a code of its own. One live code at a time, so
        # reloading the page never makes another.
        try:
            state["attempt"] = services.start_payment(application, "khqr", actor=request.user)
        except services.PaymentUnavailable as error:
            problem = error.message
    attempt = state["attempt"]
    checkout = get_provider(attempt.provider).checkout(attempt) if attempt else None
    return render(
        request,
        "payments/pay.html",
        {
            **state,
            "problem": problem,
            "checkout": checkout,
            "qr_image": qr_data_url(checkout.qr) if checkout and checkout.qr else "",
            "seconds_left": max(0, int((attempt.expires_at - timezone.now()).total_seconds()))
            if attempt
            else 0,
        },
    )


@applicant_required
@require_POST
@throttle("payment-new-code")
def new_code(request: HttpRequest, public_id) -> HttpResponse:
    application = _application(request, public_id)
    try:
        services.start_payment(application, "khqr", actor=request.user)
    except services.PaymentUnavailable as error:
        messages.error(request, error.message)
    return HttpResponseRedirect(_pay_url(application))


@applicant_required
@require_POST
@throttle("payment-checkout")
def pay_by_gateway(request: HttpRequest, public_id) -> HttpResponse:
    """ "Pay by card or bank transfer": a checkout session at the member gateway, and the payer sent there."""
    application = _application(request, public_id)
    try:
        payment = services.start_payment(application, GATEWAY, actor=request.user)
    except services.PaymentUnavailable as error:
        messages.error(request, error.message)
        return HttpResponseRedirect(_pay_url(application))
    return HttpResponseRedirect(get_provider(GATEWAY).checkout(payment).redirect_url)


@applicant_required
@require_safe
@never_cache
def status(request: HttpRequest, public_id) -> HttpResponse:
    """The status panel alone (htmx polls it every few seconds); without htmx, the whole page."""
    application = _application(request, public_id)
    if not request.htmx:
        return HttpResponseRedirect(_pay_url(application))
    state = _state(application)
    return render(request, "payments/includes/status.html", {**state, "oob": True})


@applicant_required
@require_safe
@never_cache
def receipt(request: HttpRequest, number: str) -> HttpResponse:
    found = selectors.receipt_for(request.user, number[:40])
    if found is None or found.payment.status not in (Status.PAID, Status.REFUNDED):
        raise Http404
    return render(request, "payments/receipt.html", receipt_context(found))


@applicant_required
@require_safe
@never_cache
def receipt_download(request: HttpRequest, number: str) -> HttpResponse:
    found = selectors.receipt_for(request.user, number[:40])
    if found is None or found.payment.status not in (Status.PAID, Status.REFUNDED):
        raise Http404
    response = HttpResponse(receipt_pdf(found, request), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{found.number}.pdf"'
    return response

"""Back-office pages for fees (inside the admin shell): the fees an officer may waive and the refunds due,
the waiver form and the refund form. Thin: the work is `payments.services.waive_fee` / `record_refund`.
Each page needs its permission (403 otherwise) and sees only the officer's institutions (404 otherwise)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from esb.access import officer_required
from payments import selectors, services
from payments.models import Status

LIST_LIMIT = 200


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        min_length=5,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "border rounded-md p-2 w-full"}),
        help_text=gettext_lazy("Kept in the payment's history and the audit trail."),
    )


def _may(request: HttpRequest, *permissions: str) -> None:
    if not any(request.user.has_perm(p) for p in permissions):
        raise PermissionDenied


def _page(request: HttpRequest, template: str, context: dict, status: int = 200) -> TemplateResponse:
    return TemplateResponse(request, template, {**admin.site.each_context(request), **context}, status=status)


@officer_required
@require_safe
def fees(request: HttpRequest) -> HttpResponse:
    _may(request, services.WAIVE_PERMISSION, services.REFUND_PERMISSION)
    may_waive = request.user.has_perm(services.WAIVE_PERMISSION)
    may_refund = request.user.has_perm(services.REFUND_PERMISSION)
    awaiting = selectors.awaiting_fee_for_officer(request.user)[:LIST_LIMIT] if may_waive else []
    refunds = selectors.refunds_due_for_officer(request.user)[:LIST_LIMIT] if may_refund else []
    return _page(
        request,
        "payments/backoffice/fees.html",
        {"title": _("Fees: waivers and refunds"), "awaiting": awaiting, "refunds": refunds},
    )


@officer_required
@require_http_methods(["GET", "POST"])
def waive(request: HttpRequest, public_id) -> HttpResponse:
    _may(request, services.WAIVE_PERMISSION)
    application = selectors.awaiting_fee_application(request.user, public_id)
    if application is None:
        raise Http404
    form = ReasonForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.waive_fee(application, officer=request.user, reason=form.cleaned_data["reason"])
            except services.OfficerActionRefused as refused:
                form.add_error(None, refused.message)
                status = 409 if refused.code == "not_awaiting_payment" else 400
            else:
                messages.success(
                    request, _("The fee of %(reference)s is waived.") % {"reference": application.reference}
                )
                return HttpResponseRedirect(reverse("payments-backoffice:fees"))
    context = {"title": _("Waive the fee"), "application": application, "form": form}
    return _page(request, "payments/backoffice/waive.html", context, status)


@officer_required
@require_http_methods(["GET", "POST"])
def refund(request: HttpRequest, public_id) -> HttpResponse:
    _may(request, services.REFUND_PERMISSION)
    payment = selectors.payment_for_officer(request.user, public_id)
    if payment is None or payment.status not in (Status.PAID, Status.FAILED, Status.REFUNDED):
        raise Http404
    form = ReasonForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.record_refund(payment, officer=request.user, reason=form.cleaned_data["reason"])
            except services.OfficerActionRefused as refused:
                form.add_error(None, refused.message)
                status = 409 if refused.code == "already_refunded" else 400
            else:
                messages.success(request, _("The refund is recorded."))
                return HttpResponseRedirect(reverse("payments-backoffice:fees"))
    context = {"title": _("Record a refund"), "payment": payment, "form": form}
    return _page(request, "payments/backoffice/refund.html", context, status)

"""HTTP side of the member-gateway simulator: the API (`/v1/checkout/sessions`, `/v1/transactions`, bearer
API key) and the hosted checkout page, which sends the signed webhook and returns the payer to the
merchant."""

from __future__ import annotations

import datetime
import json

from django.contrib import messages
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from esb.access import public
from sandbox.gateway import services
from sandbox.gateway.models import SimCheckoutSession


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message}}, status=status)


def _authorized(request: HttpRequest) -> bool:
    header = request.headers.get("Authorization", "")
    return header.removeprefix("Bearer ").strip() == services.SANDBOX_API_KEY and header.startswith("Bearer ")


def _checkout_url(request: HttpRequest, session: SimCheckoutSession) -> str:
    return request.build_absolute_uri(reverse("sandbox-gateway:checkout", args=[session.session_id]))


@public  # machine-to-machine: authenticated by the bearer API key, like the real gateway
@csrf_exempt
@require_POST
def create_session(request: HttpRequest) -> JsonResponse:
    if not _authorized(request):
        return _error(401, "unauthorized", "a valid API key is required")
    try:
        body = json.loads(request.body)
        session = services.create_session(body if isinstance(body, dict) else {})
    except (ValueError, RecursionError, RequestDataTooBig):
        return _error(400, "invalid_request", "the body is not JSON")
    except services.Invalid as invalid:
        return _error(400, "invalid_request", str(invalid))
    return JsonResponse(services.session_data(session, _checkout_url(request, session)), status=201)


@public  # machine-to-machine: authenticated by the bearer API key
@require_GET
def list_transactions(request: HttpRequest) -> JsonResponse:
    if not _authorized(request):
        return _error(401, "unauthorized", "a valid API key is required")
    try:
        day = datetime.date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        return _error(400, "invalid_request", "date=YYYY-MM-DD is required")
    return JsonResponse({"data": services.transactions(day)})


# How the webhook was sent, as the message after a checkout says it (whole phrases: no code word spliced in).
# Lazy: translated in the language of the request that shows it.
_SENT = {
    "normal": gettext_lazy("webhook sent"),
    "twice": gettext_lazy("webhook sent twice"),
    "late": gettext_lazy("webhook sent late (stale timestamp)"),
    "tampered": gettext_lazy("webhook sent tampered (bad signature)"),
    "resend": gettext_lazy("webhook sent again"),
}


def _summary(deliveries: list[services.Delivery]) -> str:
    return ", ".join(f"{d.status or '—'} {d.code}" for d in deliveries)


@public  # the gateway's hosted checkout page: anyone with the session's link pays there
@never_cache
@require_http_methods(["GET", "POST"])
def checkout(request: HttpRequest, session_id: str) -> HttpResponse:
    session = SimCheckoutSession.objects.filter(session_id=session_id[:40]).first()
    if session is None:
        raise Http404
    problem = ""
    if request.method == "POST":
        action = request.POST.get("action", "")
        mode = action if action in services.DELIVERIES else "normal"
        try:
            if action != "resend":
                session = services.complete(
                    session.session_id,
                    paid=action != "fail",
                    method=request.POST.get("method", "card"),
                    card_number=request.POST.get("card_number", ""),
                )
            deliveries = services.deliver(session, mode)
        except services.Invalid as invalid:
            problem = str(invalid)
        else:
            messages.info(
                request,
                _("Gateway sandbox: %(sent)s; the portal answered: %(answers)s")
                % {"sent": _SENT[mode if action != "resend" else "resend"], "answers": _summary(deliveries)},
            )
            return HttpResponseRedirect(session.return_url)
    return render(
        request,
        "sandbox/gateway/checkout.html",
        {
            "session": session,
            "problem": problem,
            "test_cards": services.TEST_CARDS,
            "declined": services.DECLINED,
            "title": _("Payment gateway sandbox"),
        },
        status=400 if problem else 200,
    )

"""HTTP side of the Bakong simulator: the Open API under /v1/ (bearer token, the real envelope), a
test-control endpoint `/_sim/pay`, and the "bank app" page where a developer pays a KHQR."""

from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import quote

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from esb.access import public
from payments import khqr
from sandbox.bakong import services
from sandbox.bakong.models import SimTransaction

MAX_BATCH = 50


def _envelope(data, message: str = "Getting transaction successfully.", status: int = 200) -> JsonResponse:
    return JsonResponse(
        {"responseCode": 0, "responseMessage": message, "errorCode": None, "data": data}, status=status
    )


def _error(code: int, message: str, status: int) -> JsonResponse:
    return JsonResponse(
        {"responseCode": 1, "responseMessage": message, "errorCode": code, "data": None}, status=status
    )


def _authorized(request: HttpRequest) -> bool:
    header = request.headers.get("Authorization", "")
    return header.startswith("Bearer ") and header.removeprefix("Bearer ").strip() == services.SANDBOX_TOKEN


def _text(body: dict, name: str, length: int | None = None) -> str:
    value = body.get(name) if isinstance(body, dict) else None
    if not isinstance(value, str) or not value or (length and len(value) != length):
        raise services.Refused(services.MISSING_FIELDS, 400)
    return value


def _md5(request: HttpRequest, body) -> dict:
    return services.check_md5(_text(body, "md5", 32))


def _md5_list(request: HttpRequest, body) -> list:
    if not isinstance(body, list) or not body or len(body) > MAX_BATCH:
        raise services.Refused(services.MISSING_FIELDS, 400)
    if not all(isinstance(m, str) and len(m) == 32 for m in body):
        raise services.Refused(services.MISSING_FIELDS, 400)
    return services.check_md5_list(body)


def _hash(request: HttpRequest, body) -> dict:
    return services.check_hash(_text(body, "hash", 64))


def _deeplink(request: HttpRequest, body) -> dict:
    qr = _text(body, "qr")
    try:
        services.dynamic_fields(qr)
    except services.CannotPay:
        raise services.Refused(services.STATIC_QR, 400) from None
    found = services.register(qr)
    app = request.build_absolute_uri(reverse("sandbox-bakong:app"))
    return {"shortLink": f"{app}?md5={quote(found.md5)}"}


OPERATIONS: dict[str, tuple[Callable, str]] = {
    "check_transaction_by_md5": (_md5, "Getting transaction successfully."),
    "check_transaction_by_md5_list": (_md5_list, "Getting transaction successfully."),
    "check_transaction_by_hash": (_hash, "Getting transaction successfully."),
    "generate_deeplink_by_qr": (_deeplink, "Getting Deep Link successfully."),
}


@public  # machine-to-machine: authenticated by the bearer token, like the real API
@csrf_exempt
@require_POST
def api(request: HttpRequest, operation: str) -> JsonResponse:
    if not _authorized(request):
        return _error(*services.UNAUTHORIZED, status=401)
    try:
        body = json.loads(request.body)
    except (ValueError, RecursionError, RequestDataTooBig):
        return _error(*services.MISSING_FIELDS, status=400)
    handler, message = OPERATIONS[operation]
    try:
        data = handler(request, body)
    except services.Refused as refused:
        return _error(refused.code, refused.message, refused.status)
    return _envelope(data, message)


@public  # test control (sandbox only): pay or fail a QR the simulator knows, without the bank app page
@csrf_exempt
@require_POST
def sim_pay(request: HttpRequest) -> JsonResponse:
    try:
        body = json.loads(request.body)
        md5 = _text(body, "md5", 32)
        found = services.pay_md5(
            md5,
            from_account=str(body.get("fromAccountId") or services.DEMO_PAYER),
            fail=bool(body.get("fail")),
        )
    except (ValueError, RecursionError):
        return _error(*services.MISSING_FIELDS, status=400)
    except services.Refused as refused:
        return _error(refused.code, refused.message, refused.status)
    except services.CannotPay as problem:
        return _error(services.STATIC_QR[0], str(problem), 400)
    return _envelope({"md5": found.md5, "state": found.state, "hash": found.hash}, "Simulated.")


# --- the bank app (what a payer's phone would show) -----------------------------------------------------


@public  # a stand-in for the payer's bank app: anyone with a KHQR can pay it
@never_cache
@require_http_methods(["GET", "POST"])
def bank_app(request: HttpRequest) -> HttpResponse:
    source = request.POST if request.method == "POST" else request.GET
    qr = (source.get("qr") or "").strip()
    if not qr and source.get("md5"):
        known = SimTransaction.objects.filter(md5=str(source.get("md5"))[:32]).first()
        qr = known.qr if known else ""
    qr = qr[:1000]
    fields, problem, done = None, "", None
    if qr:
        try:
            fields = services.dynamic_fields(qr)
        except services.CannotPay as cannot:
            problem = str(cannot)
    if request.method == "POST" and fields and request.POST.get("action") in ("pay", "fail"):
        done = services.pay(
            qr,
            from_account=request.POST.get("from_account") or services.DEMO_PAYER,
            fail=request.POST.get("action") == "fail",
        )
    if fields:
        fields["currency"] = services.CURRENCIES.get(fields.get("transactionCurrency") or "", "")
    return render(
        request,
        "sandbox/bakong/bank_app.html",
        {
            "qr": qr,
            "fields": fields,
            "problem": problem,
            "done": done,
            "md5": khqr.md5(qr) if qr else "",
            "payer": services.DEMO_PAYER,
            "title": _("Bakong sandbox bank app"),
        },
        status=400 if problem and request.method == "POST" else 200,
    )

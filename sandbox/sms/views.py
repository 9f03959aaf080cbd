"""HTTP side of the SMS simulator: Twilio's create-message endpoint, a page and a JSON list of messages."""

from __future__ import annotations

import base64
import binascii

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from esb.access import public
from sandbox.sms import services
from sandbox.sms.models import SimSmsMessage


def _basic_auth(request: HttpRequest) -> tuple[str, str]:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Basic "):
        return "", ""
    try:
        user, _sep, password = base64.b64decode(header[6:]).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return "", ""
    return user, password


@public  # machine-to-machine: HTTP Basic auth with the account SID and auth token, like Twilio
@csrf_exempt
@require_POST
def create_message(request: HttpRequest, account_sid: str) -> JsonResponse:
    try:
        services.authenticate(account_sid, *_basic_auth(request))
        message = services.create_message(account_sid, request.POST)
    except services.ApiError as error:
        return JsonResponse(error.body(), status=error.status)
    return JsonResponse(services.message_data(message), status=201)


@public  # the simulator's inspection page (development and test only)
@never_cache
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "sandbox/sms/index.html",
        {
            "title": _("SMS sandbox"),
            "sms_messages": SimSmsMessage.objects.all()[:200],
            "magic": (services.INVALID_NUMBER, services.RATE_LIMITED_NUMBER, services.FAILING_NUMBER),
        },
    )


@public  # JSON list of the messages received, for tests and demos
@require_GET
def listing(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"messages": [services.message_data(m) for m in SimSmsMessage.objects.all()[:200]]})

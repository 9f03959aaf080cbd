"""The gateway's webhook endpoint: thin, the verification is `webhook.receive`'s."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_POST

from esb.access import signed_request
from esb.throttle import throttle
from payments.contrib.gateway import signing
from payments.contrib.gateway.webhook import WebhookRefused, receive


@signed_request
@throttle("payment-webhook")
@require_POST
def webhook(request: HttpRequest) -> JsonResponse:
    try:
        accepted = receive(request.body, request.headers.get(signing.HEADER))
    except WebhookRefused as refused:
        return JsonResponse(refused.body(), status=refused.status)
    return JsonResponse(accepted.body(), status=200)

"""HTTP side of the Telegram Bot API simulator: `/bot<token>/<method>` in Telegram's envelope, a page listing
chats and messages (with failure injection and the deep-link Start button), and the same as JSON."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from esb.access import public
from sandbox.telegram import services
from sandbox.telegram.models import SimTelegramChat


def _params(request: HttpRequest) -> dict:
    """Telegram takes parameters as a query string, a form or a JSON body."""
    if request.method == "POST" and request.content_type == "application/json":
        body = json.loads(request.body or b"{}")
        if not isinstance(body, dict):
            raise ValueError("not an object")
        return body
    source = request.POST if request.method == "POST" else request.GET
    return {key: source.get(key) for key in source}


@public  # machine-to-machine: authenticated by the bot token in the path, like the real Bot API
@csrf_exempt
@require_http_methods(["GET", "POST"])
def api(request: HttpRequest, token: str, method: str) -> JsonResponse:
    try:
        bot = services.bot_for(token)
        try:
            params = _params(request)
        except (ValueError, RecursionError, RequestDataTooBig):
            raise services.ApiError(400, "Bad Request: can't parse JSON body") from None
        if method == "getMe":
            result: object = services.get_me(bot)
        elif method == "sendMessage":
            result = services.send_message(bot, params)
        elif method == "setWebhook":
            result = services.set_webhook(bot, params)
        elif method == "deleteWebhook":
            result = services.set_webhook(bot, {})
        elif method == "getWebhookInfo":
            result = services.webhook_info(bot)
        else:
            raise services.ApiError(404, "Not Found")
    except services.ApiError as error:
        return JsonResponse(error.envelope(), status=error.code)
    return JsonResponse({"ok": True, "result": result})


@public  # the simulator's inspection page (development and test only)
@never_cache
@require_http_methods(["GET", "POST"])
def index(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        chat = SimTelegramChat.objects.filter(pk=request.POST.get("chat", "")).first()
        failure = request.POST.get("fail_with", "")
        if chat is not None and failure in SimTelegramChat.Failure.values:
            chat.fail_with = failure
            chat.fail_times = 0
            chat.save(update_fields=["fail_with", "fail_times"])
            messages.info(request, _("Telegram sandbox: the chat's answers were changed."))
        return HttpResponseRedirect(reverse("sandbox-telegram:index"))
    listing = services.listing()
    bot = services.bot_for(services.SANDBOX_TOKEN)
    return render(
        request,
        "sandbox/telegram/index.html",
        {
            "title": _("Telegram sandbox"),
            "bot": bot,
            "chats": SimTelegramChat.objects.prefetch_related("messages"),
            "listing": listing,
            "failures": SimTelegramChat.Failure.choices,
        },
    )


@public  # JSON listing of chats and messages, for tests and demos
@require_GET
def listing(request: HttpRequest) -> JsonResponse:
    return JsonResponse(services.listing())


@public  # the page t.me/<bot>?start=<payload> opens: press Start as a sandbox person
@never_cache
@require_http_methods(["GET", "POST"])
def deep_link(request: HttpRequest, bot_username: str) -> HttpResponse:
    payload = (request.GET.get("start") or request.POST.get("start") or "")[:64]
    if request.method == "POST":
        try:
            chat_id = int(request.POST.get("chat_id", ""))
        except ValueError:
            chat_id = 0
        name = (request.POST.get("name") or "").strip()[:128]
        if chat_id <= 0 or not name:
            messages.error(request, _("Give a positive chat id and a name."))
        else:
            delivery = services.press_start(payload, chat_id=chat_id, name=name)
            if delivery.status == -1:
                messages.error(request, _("The bot has no webhook: nothing was delivered."))
            elif 200 <= delivery.status < 300:
                messages.info(
                    request,
                    _("Start was sent to the bot; the portal answered %(status)s.")
                    % {"status": delivery.status},
                )
            else:
                messages.error(
                    request, _("The portal's webhook answered %(status)s.") % {"status": delivery.status}
                )
            return HttpResponseRedirect(reverse("sandbox-telegram:index"))
    return render(
        request,
        "sandbox/telegram/deep_link.html",
        {
            "title": _("Telegram sandbox"),
            "bot_username": bot_username[:64],
            "payload": payload,
            "suggested_chat": 100000001,
        },
    )

"""The applicant's notifications page and marking them read. Thin: reads in selectors, writes in services."""

from __future__ import annotations

import hmac
import json

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import RequestDataTooBig
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from esb.access import applicant_required, signed_request
from esb.ids import parse_ids
from esb.throttle import throttle
from notifications import optin, phones, selectors, services, webhooks
from notifications.forms import CodeForm, PhoneForm

PAGE_SIZE = 20
# The Telegram deep link made by the last POST, shown by the settings page until it is used or expires
# (POST/redirect/GET: reloading the page neither asks to resubmit nor loses the link).
PENDING_TELEGRAM_LINK = "notifications.telegram_link"


@require_safe
@applicant_required
def notification_list(request: HttpRequest) -> HttpResponse:
    paginator = Paginator(selectors.for_user(request.user), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/list.html",
        {
            "page_obj": page,
            "unread_count": selectors.unread_count(request.user),
            "breadcrumbs": [(_("Home"), reverse("home")), (_("Notifications"), "")],
        },
    )


@require_POST
@applicant_required
def mark_read(request: HttpRequest) -> HttpResponse:
    ids = None
    raw = request.POST.getlist("id")
    if raw:
        # Unknown, foreign or malformed ids ("²", "-1", 30 digits) are simply ignored: the update is scoped
        # to the user's own rows, and esb.ids is the one parser of ids from requests.
        ids = parse_ids(raw)
    services.mark_read(request.user, ids)
    target = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ) or not target.startswith("/"):
        target = reverse("notifications:list")
    return HttpResponseRedirect(target)


def _settings_page(request: HttpRequest, *, status: int = 200, **extra) -> HttpResponse:
    state = selectors.channel_settings(request.user)
    verification = state["verification"]
    context = {
        **state,
        "sms_available": optin.channel_available("sms"),
        "telegram_available": optin.channel_available("telegram"),
        "sms_mask": phones.mask(state["sms"].destination) if state["sms"] else "",
        "verification_mask": phones.mask(verification.phone) if verification else "",
        "phone_form": PhoneForm(),
        "code_form": CodeForm(),
        "breadcrumbs": [
            (_("Home"), reverse("home")),
            (_("Notifications"), reverse("notifications:list")),
            (_("Notification settings"), ""),
        ],
        **extra,
    }
    return render(request, "notifications/settings.html", context, status=status)


def _back() -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("notifications:settings"))


@require_safe
@applicant_required
def channel_settings(request: HttpRequest) -> HttpResponse:
    deep_link = optin.pending_telegram_link(request.user, request.session.get(PENDING_TELEGRAM_LINK))
    if not deep_link:
        request.session.pop(PENDING_TELEGRAM_LINK, None)
    return _settings_page(request, telegram_deep_link=deep_link)


@require_POST
@applicant_required
@throttle("channel-code", successes_only=True)
def send_code(request: HttpRequest) -> HttpResponse:
    if not optin.channel_available("sms"):
        raise Http404
    form = PhoneForm(request.POST)
    if not form.is_valid():
        return _settings_page(request, status=400, phone_form=form)
    optin.start_phone_verification(request.user, form.cleaned_data["phone"])
    messages.info(request, _("We sent a code by SMS. Enter it below."))
    return _back()


@require_POST
@applicant_required
@throttle("channel-code-check")
def confirm_code(request: HttpRequest) -> HttpResponse:
    form = CodeForm(request.POST)
    if not form.is_valid():
        return _settings_page(request, status=400, code_form=form)
    try:
        optin.confirm_phone(request.user, form.cleaned_data["code"])
    except optin.OptInError as refusal:
        form.add_error("code", str(refusal))
        return _settings_page(request, status=400, code_form=form)
    messages.success(request, _("Your phone is verified: you will also receive notifications by SMS."))
    return _back()


@require_POST
@applicant_required
@throttle("channel-link")
def telegram_link(request: HttpRequest) -> HttpResponse:
    if not optin.channel_available("telegram"):
        raise Http404
    # The payload is stored hashed in the database; in clear only in the person's own session, until it is
    # used or expires (the settings page drops it then).
    request.session[PENDING_TELEGRAM_LINK] = optin.start_telegram_link(request.user)
    return _back()


@require_POST
@applicant_required
def toggle_channel(request: HttpRequest, channel: str) -> HttpResponse:
    if channel not in ("sms", "telegram"):
        raise Http404
    enabled = request.POST.get("enabled") == "1"
    if not optin.set_enabled(request.user, channel, enabled):
        raise Http404
    if enabled:
        messages.success(request, _("The channel is on again."))
    else:
        messages.success(request, _("The channel is off: you will not receive notifications on it."))
    return _back()


@require_POST
@applicant_required
def forget_channels(request: HttpRequest) -> HttpResponse:
    optin.forget_channels(request.user)
    request.session.pop(PENDING_TELEGRAM_LINK, None)
    messages.success(request, _("Your Telegram and SMS details are erased."))
    return _back()


@signed_request  # Telegram's servers: authenticated by the secret token header set with setWebhook
@require_POST
@throttle("telegram-webhook")
def telegram_webhook(request: HttpRequest) -> HttpResponse:
    expected = str((getattr(settings, "TELEGRAM", None) or {}).get("WEBHOOK_SECRET") or "")
    given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
    if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
        return JsonResponse({"ok": False}, status=403)
    try:
        update = json.loads(request.body)
    except (ValueError, RecursionError, RequestDataTooBig):
        return JsonResponse({"ok": False}, status=400)
    webhooks.handle_update(update if isinstance(update, dict) else {})
    # 200 for every authentic update, even one we ignore: otherwise Telegram sends it again and again.
    return JsonResponse({"ok": True})

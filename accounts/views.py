"""Login pages (page A3 for applicants, B1 for officers), the CamDigiKey callbacks, logout, and choosing the
business an applicant acts for. Thin: the work is in `accounts.services`."""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import services
from esb.access import applicant_required, public
from esb.ids import parse_id

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _clean_text(value: str, limit: int) -> str:
    """Text from a query string, safe to show as text: no control characters, bounded length (templates
    escape it; it is never marked safe)."""
    return _CONTROL.sub(" ", value or "").strip()[:limit]


# Public: the login page itself (anyone may ask to log in).
@public
@require_http_methods(["GET", "POST"])
@csrf_protect
@never_cache
def login_page(request: HttpRequest) -> HttpResponse:
    audience = request.POST.get("audience") or request.GET.get("audience") or services.APPLICANT
    if audience not in services.AUDIENCES:
        audience = services.APPLICANT
    next_url = services.safe_next(request, request.POST.get("next") or request.GET.get("next"), audience)
    if request.method == "POST":
        try:
            login_url = services.start_login(request, next_url, audience)
        except services.LoginRefused as exc:
            messages.error(request, exc.message)
            return render(
                request, "accounts/login.html", {"next": next_url, "audience": audience}, status=503
            )
        return HttpResponseRedirect(login_url)
    return render(request, "accounts/login.html", {"next": next_url, "audience": audience})


# Public: CamDigiKey sends the browser here; the `state` it echoes back is checked against the session.
@public
@require_GET
@never_cache
def camdigikey_callback(request: HttpRequest) -> HttpResponse:
    try:
        result = services.complete_login(
            request, request.GET.get("authToken", ""), request.GET.get("state", "")
        )
    except services.LoginRefused as exc:
        return render(
            request,
            "accounts/login_failed.html",
            {"message": exc.message, "retry_url": reverse("accounts:login")},
            status=400,
        )
    messages.success(request, _("You are logged in as %(name)s.") % {"name": result.user.display_name})
    return HttpResponseRedirect(result.next_url)


# Public: CamDigiKey's error callback (the person cancelled, or the login failed on CamDigiKey's side).
@public
@require_GET
@never_cache
def camdigikey_error(request: HttpRequest) -> HttpResponse:
    code = _clean_text(request.GET.get("errorCode", ""), 40)
    detail = _clean_text(request.GET.get("errorMessage", ""), 200)
    services.record_error_callback(request, code, detail)
    return render(
        request,
        "accounts/login_failed.html",
        {
            "message": _("CamDigiKey did not complete the login."),
            "error_code": code,
            "error_detail": detail,
            "retry_url": reverse("accounts:login"),
        },
        status=400,
    )


@applicant_required
@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    audience = request.session.get(services.AUDIENCE_KEY, services.APPLICANT)
    services.logout(request)
    messages.success(request, _("You have logged out."))
    target = reverse("admin:login") if audience == services.OFFICER else reverse("home")
    return HttpResponseRedirect(target)


@applicant_required
@require_POST
def acting_for(request: HttpRequest) -> HttpResponse:
    raw = request.POST.get("business", "").strip()
    next_url = services.safe_next(request, request.POST.get("next"))
    if raw in ("", "self"):
        services.set_acting_for(request, None)
        messages.info(request, _("You are now acting for yourself."))
        return HttpResponseRedirect(next_url)
    business_id = parse_id(raw)
    if business_id is None:
        raise Http404
    try:
        business = services.set_acting_for(request, business_id)
    except LookupError:
        # Not one of this person's businesses (or no longer): indistinguishable from a missing one.
        raise Http404 from None
    messages.info(request, _("You are now acting for %(business)s") % {"business": business})
    return HttpResponseRedirect(next_url)


def backoffice_login(
    admin_site, request: HttpRequest, extra_context: dict | None, password_login
) -> HttpResponse:
    """The back-office login page (B1): "Log in with CamDigiKey" always; the username/password form only
    when ESB_BREAK_GLASS_LOGIN is on (otherwise a password POST is refused before any authentication).
    `password_login` is the admin site's own login view (template: accounts/backoffice_login.html)."""
    break_glass = settings.ESB_BREAK_GLASS_LOGIN
    next_url = services.safe_next(
        request, request.POST.get("next") or request.GET.get("next"), services.OFFICER
    )
    context = {
        **(extra_context or {}),
        "break_glass_enabled": break_glass,
        "camdigikey_next": next_url,
    }
    if request.method == "POST" and not break_glass:
        services.record_refused_password_login(request.POST.get("username", ""))
        messages.error(request, _("Password login is disabled. Log in with CamDigiKey."))
        context.update(admin_site.each_context(request))
        context.update({"title": _("Log in"), "app_path": request.get_full_path(), "form": None})
        return render(request, "accounts/backoffice_login.html", context, status=403)
    return password_login(request, extra_context=context)

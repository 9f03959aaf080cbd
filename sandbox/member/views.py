"""HTTP side of the simulated member systems, mounted at /sandbox/member/: a Part 5 `/health` per system
(`<code>/health`), the page that switches them, and the same switch as a POST for tests
(`<code>/state`, form or JSON: {"state": "down"} or {"state": "slow", "slow_ms": 2500})."""

from __future__ import annotations

import json
import time

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from esb.access import public
from sandbox.member import services


@public  # like the Part 5 /health it stands for: no token
@never_cache
@require_safe
def health(request: HttpRequest, code: str) -> JsonResponse:
    try:
        current = services.get_state(code)
    except services.UnknownSystem:
        raise Http404 from None
    if current["state"] == services.DOWN:
        body = {"code": 503, "message": "Service Unavailable", "components": {"database": "fail"}}
        return JsonResponse({**body, "failed": ["database"]}, status=503)
    if current["state"] == services.SLOW:
        time.sleep(current["slow_ms"] / 1000)
    return JsonResponse({"code": 200, "message": "OK", "components": {"database": "ok"}})


def _rows() -> list[dict]:
    khmer = (get_language() or "").startswith("km")
    return [
        {"code": code, "name": km if khmer else en, **services.get_state(code)}
        for code, (en, km) in services.SYSTEMS.items()
    ]


@public  # the sandbox's control page (development and tests only)
@never_cache
@require_http_methods(["GET", "POST"])
def page(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            services.set_state(request.POST.get("code", ""), request.POST.get("state", ""))
        except (services.UnknownSystem, ValueError):
            return render(
                request, "sandbox/member/page.html", {"systems": _rows(), "error": True}, status=400
            )
        return HttpResponseRedirect(reverse("sandbox-member:page"))
    return render(request, "sandbox/member/page.html", {"systems": _rows()})


@public  # test control (sandbox only), like the Bakong simulator's _sim/pay
@csrf_exempt
@require_POST
def state(request: HttpRequest, code: str) -> JsonResponse:
    try:
        body = json.loads(request.body) if request.content_type == "application/json" else request.POST
        if not hasattr(body, "get"):
            raise ValueError("the body must be a JSON object")
        slow_ms = body.get("slow_ms")
        current = services.set_state(
            code, str(body.get("state", "")), None if slow_ms in (None, "") else slow_ms
        )
    except services.UnknownSystem:
        return JsonResponse({"error": "unknown system"}, status=404)
    except (ValueError, TypeError, RecursionError) as error:
        return JsonResponse({"error": str(error)}, status=400)
    return JsonResponse({"code": code, **current})


@public  # a cheap probe address for the other simulators (what the heartbeat watches in development)
@never_cache
@require_safe
def simulator_health(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"code": 200, "message": "OK"})

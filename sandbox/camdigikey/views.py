"""HTTP side of the CamDigiKey simulator: the v3 API (envelope in, envelope out), the signer-certificate
endpoint and the login page a `loginUrl` points to."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Callable
from urllib.parse import quote

import qrcode
import qrcode.image.svg
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from esb.access import public
from sandbox.camdigikey import crypto, services
from sandbox.camdigikey.keys import signing_material
from sandbox.camdigikey.models import ClientApp, DemoIdentity, LoginToken

logger = logging.getLogger(__name__)

Handler = Callable[[HttpRequest, ClientApp, dict], dict]


def _plain_error(code: int, message: str, status: int) -> JsonResponse:
    """An error the server cannot encrypt (the caller is unknown or sent no usable envelope)."""
    return JsonResponse({"error": code, "message": message, "data": None}, status=status)


def _sealed(client: ClientApp, answer: dict, status: int = 200) -> JsonResponse:
    return JsonResponse(
        crypto.seal_response(answer, client.hmac_key, client.aes_secret_key, client.aes_iv), status=status
    )


def _login_token(request: HttpRequest, client: ClientApp, payload: dict) -> dict:
    token = services.create_login_token(client, payload)
    login_url = request.build_absolute_uri(reverse("sandbox-camdigikey:login")) + "?token=" + quote(token)
    return {"loginToken": token, "loginUrl": login_url}


HANDLERS: dict[str, Handler] = {
    "login-token": _login_token,
    "access-token": lambda request, client, payload: services.exchange_auth_token(client, payload),
    "access-token-status": lambda request, client, payload: services.token_status(client, payload),
    "refresh-access-token": lambda request, client, payload: services.refresh(client, payload),
    "organization-access-token": lambda request, client, payload: services.organization_token(
        client, payload
    ),
    "access-token-logout": lambda request, client, payload: services.logout(client, payload),
    "lookup": lambda request, client, payload: services.lookup(client, payload),
    "lookup-user-profile": lambda request, client, payload: services.verify_account(client, payload),
}


@public
@csrf_exempt  # machine-to-machine: authenticated by the envelope's HMAC, not by a browser session
@require_POST
def api(request: HttpRequest, operation: str) -> JsonResponse:
    handler = HANDLERS[operation]
    try:
        body = json.loads(request.body)
    except (ValueError, RecursionError, RequestDataTooBig):
        return _plain_error(services.BAD_REQUEST, "the request body must be a JSON envelope", 400)
    if not isinstance(body, dict) or not all(
        isinstance(body.get(k), str) and "\x00" not in body[k] for k in ("clientId", "params", "signature")
    ):
        return _plain_error(services.BAD_REQUEST, "clientId, params and signature are required", 400)
    client = ClientApp.objects.filter(client_id=body["clientId"], is_active=True).first()
    if client is None:
        return _plain_error(services.UNKNOWN_CLIENT, "unknown client", 401)
    try:
        payload = crypto.open_request(body, client.hmac_key, client.aes_secret_key, client.aes_iv)
    except crypto.EnvelopeError:
        return _sealed(
            client,
            {"error": services.DECRYPT_PAYLOAD_ERROR, "message": "cannot decrypt the payload", "data": None},
            status=400,
        )
    try:
        if payload.get("clientId") != client.client_id:
            raise services.ProtocolError(services.BAD_REQUEST, "clientId does not match the envelope")
        data = handler(request, client, payload)
    except services.ProtocolError as exc:
        answer = {"error": exc.code, "message": exc.message, "data": None}
        return _sealed(client, answer, status=exc.http_status)
    return _sealed(client, {"error": 0, "message": "Successfully", "data": data})


@public
@require_GET
def certificates(request: HttpRequest) -> JsonResponse:
    """The token signer's chain, leaf first (a plain GET: certificates are public)."""
    return JsonResponse({"data": signing_material().chain_pems()})


# --- the login page (what the person sees after the portal redirects to loginUrl) ---------------------------

PROBLEM_STATUS = {"invalid": 400, "expired": 410, "used": 410}


def _qr_data_url(text: str) -> str:
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    svg = image.to_string(encoding="unicode")
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _problem(request: HttpRequest, code: str) -> HttpResponse:
    messages = {
        "invalid": _("This login link is not valid. Go back to the portal and start the login again."),
        "expired": _("This login link has expired. Go back to the portal and start the login again."),
        "used": _("This login link has already been used. Go back to the portal and start the login again."),
    }
    return render(
        request,
        "sandbox/camdigikey/problem.html",
        {"problem": code, "message": messages[code]},
        status=PROBLEM_STATUS[code],
    )


# Public: reached by the person's browser from the loginUrl; the login token is the credential.
@public
@never_cache
@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    source = request.POST if request.method == "POST" else request.GET
    token = source.get("token") or source.get("loginToken") or ""
    found = services.login_for_token(token)
    if isinstance(found, services.LoginProblem):
        return _problem(request, found.code)
    error = ""
    if request.method == "POST":
        # Each identity row has its own Approve button (name="identity"): the identity alone means approve.
        action = request.POST.get("action") or ("approve" if request.POST.get("identity") else "")
        if action == "cancel":
            outcome = services.cancel_login(found.pk)
        elif action == "approve":
            identity = DemoIdentity.objects.filter(personal_code=request.POST.get("identity") or "").first()
            if identity is None:
                error = _("Choose the person who is logging in.")
                outcome = None
            else:
                outcome = services.approve_login(found.pk, identity)
        else:
            error = _("Choose Approve or Cancel.")
            outcome = None
        if isinstance(outcome, services.LoginProblem):
            return _problem(request, outcome.code)
        if outcome:
            return HttpResponseRedirect(outcome)
    return _login_page(request, found, token, error)


def _search_text(identity: DemoIdentity) -> str:
    """What the search matches (every word typed, in any order): names in both scripts, the personal code,
    the description (an officer's post, the businesses a person owns or represents)."""
    parts = [
        identity.last_name_km,
        identity.first_name_km,
        identity.last_name_en,
        identity.first_name_en,
        identity.personal_code,
        identity.description_en,
        identity.description_km,
    ]
    return " ".join(p for p in parts if p).casefold()


def _matches(text: str, query: str) -> bool:
    return all(word in text for word in query.casefold().split())


def _login_page(request: HttpRequest, login_token: LoginToken, token: str, error: str) -> HttpResponse:
    # The search works without JavaScript (GET ?q=): rows that do not match are rendered `hidden`, so the
    # page's script can show them again when the search changes, without a reload.
    query = (request.POST.get("q") if request.method == "POST" else request.GET.get("q")) or ""
    query = query.strip()[:100]
    identities = []
    for identity in DemoIdentity.objects.all():
        identity.search_text = _search_text(identity)
        identity.matches = _matches(identity.search_text, query)
        identities.append(identity)
    officers = [i for i in identities if i.kind == DemoIdentity.Kind.OFFICER]
    people = [i for i in identities if i.kind == DemoIdentity.Kind.PERSON]
    return render(
        request,
        "sandbox/camdigikey/login.html",
        {
            "client": login_token.client,
            "token": token,
            "expires_at": login_token.expires_at,
            "qr_data_url": _qr_data_url(f"camdigikey://login?token={quote(token)}"),
            "officers": officers,
            "people": people,
            "officers_shown": any(i.matches for i in officers),
            "people_shown": any(i.matches for i in people),
            "shown": sum(i.matches for i in identities),
            "total": len(identities),
            "q": query,
            "error": error,
        },
        status=400 if error else 200,
    )

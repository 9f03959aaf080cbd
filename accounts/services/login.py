"""Login and logout: CamDigiKey (through the identity-provider registry) and the audit of password
(break-glass) attempts.

CamDigiKey login (dpi-protocols.md §2.3, Web-to-Web): `start_login` asks the provider for a login token with a
random `state` echoed back to our callback and kept in the session; `complete_login` checks that state (the
callback's CSRF protection, single use), exchanges the auth token for an access token, validates it, finds or
creates the local user and only then logs them in. A failure at any step changes nothing but the audit trail.
"""

from __future__ import annotations

import datetime
import logging
import secrets
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import auth
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from accounts.camdigikey import errors as cdk_errors
from accounts.camdigikey.client import UserProfile
from accounts.identity_providers import CAMDIGIKEY, IdentityClient, identity_providers
from accounts.models import User
from accounts.selectors import ACTING_FOR_SESSION_KEY, user_by_personal_code
from esb import audit

log = logging.getLogger(__name__)

APPLICANT = "applicant"
OFFICER = "officer"
AUDIENCES = (APPLICANT, OFFICER)

# Session keys.
PENDING_LOGIN_KEY = "esb_camdigikey_pending"
ACCESS_TOKEN_KEY = "esb_camdigikey_access_token"  # noqa: S105 (a session key name)
LOGIN_AT_KEY = "esb_login_at"
AUDIENCE_KEY = "esb_login_audience"

# A CamDigiKey login (scan the QR code, confirm in the app) takes a minute or two; a callback arriving
# much later than that is not the answer to this login.
PENDING_LOGIN_MAX_AGE = 15 * 60
# Django's auth.login needs a backend it can reload the user with on later requests (ModelBackend's rule,
# without compiling its query on every request).
SESSION_BACKEND = "accounts.backends.SessionUserBackend"
# Set on the user by complete_login, so that the `user_logged_in` handler (accounts.signals) leaves the
# auditing of that login to complete_login.
CAMDIGIKEY_LOGIN_FLAG = "_esb_camdigikey_login"


class LoginRefused(Exception):
    """The login did not happen. `code` goes to the audit trail, `message` (translated) to the person."""

    def __init__(self, code: str, message):
        super().__init__(code)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class LoginResult:
    user: User
    next_url: str
    created: bool


def default_next(audience: str) -> str:
    return reverse("admin:index") if audience == OFFICER else reverse("applications:dashboard")


def safe_next(request: HttpRequest, candidate: str | None, audience: str = APPLICANT) -> str:
    """`candidate` if it is a local URL of this site, else the audience's home."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default_next(audience)


def _callback_url() -> str:
    return settings.ESB_PUBLIC_BASE_URL.rstrip("/") + reverse("accounts:camdigikey-callback")


def error_message(exc: Exception):
    """What to tell the person when CamDigiKey's part failed (no internals, nothing to echo)."""
    if isinstance(exc, cdk_errors.TransportError):
        return _("CamDigiKey could not be reached. Please try again in a few minutes.")
    if isinstance(exc, cdk_errors.ExpiredAccessToken | cdk_errors.DisabledAccessToken):
        return _("Your CamDigiKey login has expired or was cancelled. Please log in again.")
    if isinstance(exc, cdk_errors.ServerError):
        return _("CamDigiKey refused the login. Please log in again; if it keeps failing, contact support.")
    return _(
        "CamDigiKey's answer could not be verified, so you were not logged in. Please try again; "
        "if it happens again, contact support."
    )


def _error_code(exc: Exception) -> str:
    code = getattr(exc, "code", "")
    return f"{type(exc).__name__}:{code}" if code not in ("", None) else type(exc).__name__


def identity_client(provider: str = CAMDIGIKEY) -> IdentityClient:
    """A provider's client, from the registry (tests swap it with `identity_providers.override`)."""
    return identity_providers.get(provider).client()


# --- the audit of every login door (CamDigiKey here, passwords through accounts.signals) ----------------


def audit_login_success(user: User, **details: object) -> None:
    audit.record("login.success", user, actor_id=user.pk, actor_label=user.get_username(), after=details)


def audit_login_failure(
    *, user: User | None = None, attempted: str = "", reason: str = "", **details: object
) -> None:
    """A refused login. Without a known account the row names the attempted user name (if any)."""
    audit.record(
        "login.failed",
        user,
        object_type="accounts.user" if user is None else "",
        object_repr=attempted if user is None else "",
        actor_label="" if attempted else None,
        after=details,
        reason=reason[:500],
    )


def begin_session(request: HttpRequest, user: User, audience: str) -> None:
    """Session rules of a fresh login, whichever door it came through: a login lasts at most
    SESSION_COOKIE_AGE (accounts.middleware), and an officer's session ends with the browser.

    The rules follow the account, not the door: an officer who logs in through the applicant door carries
    back-office rights all the same, so they get the officer session there too."""
    request.session.pop(ACTING_FOR_SESSION_KEY, None)
    request.session[LOGIN_AT_KEY] = int(time.time())
    request.session[AUDIENCE_KEY] = audience
    if audience == OFFICER or user.is_staff or user.is_superuser:
        # Officers use shared office computers.
        request.session.set_expiry(0)


def _audit_failure(code: str, detail: str = "", *, user: User | None = None, audience: str = "") -> None:
    audit_login_failure(user=user, reason=detail, method="camdigikey", code=code, audience=audience)


def _refused(code: str, message, *, audience: str, detail: str = "") -> LoginRefused:
    """Audit a refused CamDigiKey login and return the exception to raise."""
    _audit_failure(code, detail, audience=audience)
    return LoginRefused(code, message)


def _provider_refused(exc: cdk_errors.CamDigiKeyError, audience: str) -> LoginRefused:
    log.warning("CamDigiKey refused or failed: %s", _error_code(exc))
    return _refused(
        _error_code(exc), error_message(exc), audience=audience, detail=getattr(exc, "message", "")
    )


# --- login --------------------------------------------------------------------------------------------------


def start_login(request: HttpRequest, next_url: str | None, audience: str = APPLICANT) -> str:
    """Ask CamDigiKey for a login page for this browser; returns the URL to redirect it to.

    Raises LoginRefused when CamDigiKey cannot be reached or answers an error."""
    if audience not in AUDIENCES:
        audience = APPLICANT
    state = secrets.token_urlsafe(32)
    try:
        token = identity_client().get_login_token(
            callback_vars={"state": state}, success_return_url=_callback_url()
        )
    except cdk_errors.CamDigiKeyError as exc:
        raise _provider_refused(exc, audience) from exc
    parts = urlsplit(token.login_url or "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise _refused("bad_login_url", error_message(ValueError()), audience=audience)
    request.session[PENDING_LOGIN_KEY] = {
        "state": state,
        # the login this browser started: the callback's authToken must name it (complete_login)
        "login_id": token.login_id,
        "next": safe_next(request, next_url, audience),
        "audience": audience,
        "started": int(time.time()),
    }
    return token.login_url


def complete_login(request: HttpRequest, auth_token: str, state: str) -> LoginResult:
    """Finish a login from CamDigiKey's success callback. Raises LoginRefused (nothing logged in, the session
    untouched apart from the consumed pending login) on any problem."""
    # Single use: a replayed callback, or one from another browser, finds nothing to match.
    pending = request.session.pop(PENDING_LOGIN_KEY, None)
    audience = (pending or {}).get("audience", APPLICANT)
    not_here = _("This login was not started here, or was already used.")
    if not isinstance(pending, dict) or not pending.get("state"):
        raise _refused(
            "state_missing", not_here, audience=audience, detail="no login in progress in this browser"
        )
    if not state or not constant_time_compare(str(pending["state"]), str(state)):
        raise _refused("state_mismatch", not_here, audience=audience)
    if time.time() - int(pending.get("started", 0)) > PENDING_LOGIN_MAX_AGE:
        raise _refused("state_expired", _("The login took too long. Please start again."), audience=audience)
    if not auth_token:
        message = _("CamDigiKey did not send a login token. Please try again.")
        raise _refused("auth_token_missing", message, audience=audience)

    client = identity_client()
    try:
        # The state proves this browser started *a* login; the authToken must answer *that* login, or a
        # victim's unused token could be replayed here with the attacker's own state.
        bound_to = client.auth_token_login_id(auth_token)
        if not pending.get("login_id") or not constant_time_compare(str(pending["login_id"]), bound_to):
            detail = "the authToken answers another login"
            raise _refused("auth_token_foreign", not_here, audience=audience, detail=detail)
        access_token = client.get_user_access_token(auth_token)
        profile = client.validate_user_token(access_token)
    except cdk_errors.CamDigiKeyError as exc:
        raise _provider_refused(exc, audience) from exc
    if not profile.camdigikey_id or not profile.personal_code:
        _revoke_quietly(access_token)
        raise _refused("profile_incomplete", error_message(ValueError()), audience=audience)

    refused: LoginRefused | None = None
    user = None
    try:
        with transaction.atomic():
            user, created = _user_for_profile(profile, audience)
            if user is not None and not user.is_active:
                raise LoginRefused(
                    "account_disabled", _("This account is disabled. Contact the portal's support.")
                )
            if user is None or (audience == OFFICER and not user.is_staff):
                raise LoginRefused(
                    "not_an_officer",
                    _(
                        "Your CamDigiKey account is not registered as an officer of this portal. "
                        "Ask your system administrator to register your personal code."
                    ),
                )
            _refresh_profile(user, profile)
    except LoginRefused as exc:
        refused = exc
    if refused is not None:
        _revoke_quietly(access_token)
        _audit_failure(refused.code, user=user if user is not None and user.pk else None, audience=audience)
        raise refused

    with transaction.atomic():
        # auth.login rotates the session key (no fixation) and keeps the session's other data.
        setattr(user, CAMDIGIKEY_LOGIN_FLAG, True)  # audited below, not by the password-login handler
        auth.login(request, user, backend=SESSION_BACKEND)
        request.session[ACCESS_TOKEN_KEY] = access_token
        begin_session(request, user, audience)
        audit_login_success(user, method="camdigikey", audience=audience, created=created)
    return LoginResult(user=user, next_url=pending.get("next") or default_next(audience), created=created)


def _user_for_profile(profile: UserProfile, audience: str) -> tuple[User | None, bool]:
    user = User.objects.select_for_update().filter(camdigikey_id=profile.camdigikey_id).first()
    if user is not None:
        return user, False
    by_code = user_by_personal_code(profile.personal_code)
    if by_code is not None:
        user = User.objects.select_for_update().get(pk=by_code.pk)
        if user.camdigikey_id and user.camdigikey_id != profile.camdigikey_id:
            # Same ID card, new CamDigiKey account (e.g. re-enrolled on a new phone): CamDigiKey vouches
            # for the personal code, so the account follows the person.
            audit.record(
                "account.camdigikey_id_changed",
                user,
                actor_id=user.pk,
                actor_label=user.get_username(),
                before={"camdigikey_id": user.camdigikey_id},
                after={"camdigikey_id": profile.camdigikey_id},
            )
        user.camdigikey_id = profile.camdigikey_id
        return user, False
    if audience == OFFICER:
        return None, False  # the officer door only opens for registered officers
    user = User(username=f"cdk-{profile.camdigikey_id}"[:150], camdigikey_id=profile.camdigikey_id)
    user.set_unusable_password()
    return user, True


def _full_name(last: str, first: str) -> str:
    # Cambodian usage: family name first, in both scripts.
    return f"{last.strip()} {first.strip()}".strip()


_SECRET_FIELDS = ("personal_code", "mobile_phone", "date_of_birth")


def _refresh_profile(user: User, profile: UserProfile) -> None:
    """Copy CamDigiKey's view of the person onto the account (every login: names or phone may change)."""
    created = user.pk is None
    before = None if created else audit.snapshot(user, exclude=("password", "last_login"))
    # The audit trail masks identifiers ("***"): compare the plaintexts to record that one changed.
    secret_before = {name: getattr(user, name) for name in _SECRET_FIELDS}
    user.personal_code = profile.personal_code
    user.first_name = profile.first_name_en[:150]
    user.last_name = profile.last_name_en[:150]
    user.full_name_en = _full_name(profile.last_name_en, profile.first_name_en)[:200] or user.full_name_en
    user.full_name_km = _full_name(profile.last_name_kh, profile.first_name_kh)[:200] or user.full_name_km
    user.gender = profile.gender if profile.gender in User.Gender.values else ""
    user.nationality = (profile.nationality or "")[:64]
    user.mobile_phone = profile.mobile_phone or ""
    user.date_of_birth = _parse_date(profile.dob)
    if profile.email:
        user.email = profile.email[:254]
    user.last_camdigikey_login = timezone.now()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:
        # Another account already holds this personal code (it can only be a stale duplicate).
        raise LoginRefused(
            "personal_code_conflict", _("Your account could not be matched. Contact the portal's support.")
        ) from exc
    after = audit.snapshot(user, exclude=("password", "last_login", "last_camdigikey_login"))
    if created:
        audit.record("account.create", user, actor_id=user.pk, actor_label=user.get_username(), after=after)
    else:
        before.pop("last_camdigikey_login", None)
        b, a = audit.changed_fields(before, after)
        for name, value in secret_before.items():
            if getattr(user, name) != value:
                b[name], a[name] = "***", "*** (changed)"
        if b or a:
            audit.record(
                "account.profile_refresh",
                user,
                actor_id=user.pk,
                actor_label=user.get_username(),
                before=b,
                after=a,
            )


def _parse_date(value: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _revoke_quietly(access_token: str) -> None:
    try:
        identity_client().logout_access_token(access_token)
    except cdk_errors.CamDigiKeyError as exc:
        log.warning("CamDigiKey logout failed: %s", _error_code(exc))


def record_error_callback(request: HttpRequest, error_code: str, error_message: str) -> None:
    """CamDigiKey sent the person back with an error (cancelled, timed out): forget the pending login."""
    pending = request.session.pop(PENDING_LOGIN_KEY, None) or {}
    _audit_failure(
        f"camdigikey:{error_code[:40]}", error_message[:300], audience=pending.get("audience", APPLICANT)
    )


def record_refused_password_login(username: str) -> None:
    """A password was posted while break-glass login is off: refused without checking it, but audited."""
    username = str(username)[:150]
    audit_login_failure(attempted=username, method="password", username=username, code="break_glass_disabled")


def logout(request: HttpRequest) -> None:
    """End the CamDigiKey session (best effort: a failure is logged) and then, always, the local one."""
    end_camdigikey_session(request)
    auth.logout(request)


def end_camdigikey_session(request: HttpRequest) -> None:
    """Revoke the CamDigiKey access token of this session (best effort) and audit the logout; the caller
    then ends the local session (`auth.logout`)."""
    user = request.user if request.user.is_authenticated else None
    token = request.session.get(ACCESS_TOKEN_KEY)
    revoked = None
    if token:
        try:
            identity_client().logout_access_token(token)
            revoked = True
        except cdk_errors.CamDigiKeyError as exc:
            log.warning("CamDigiKey logout failed: %s", _error_code(exc))
            revoked = False
    if user is not None:
        audit.record(
            "logout",
            user,
            actor_id=user.pk,
            actor_label=user.get_username(),
            after={"camdigikey_token_revoked": revoked},
        )
    request.session.pop(ACCESS_TOKEN_KEY, None)

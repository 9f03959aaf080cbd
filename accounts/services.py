"""Writes about users: CamDigiKey login and logout, officer registration and role assignments.

Login (dpi-protocols.md §2.3, Web-to-Web): `start_login` asks CamDigiKey for a login token with a random
`state` echoed back to our callback and kept in the session; `complete_login` checks that state (the
callback's CSRF protection, single use), exchanges the auth token for an access token, validates it, finds or
creates the local user and only then logs them in. A failure at any step changes nothing but the audit trail.
"""

from __future__ import annotations

import datetime
import logging
import secrets
import time
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import auth
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from accounts.backends import forget_cached_permissions
from accounts.camdigikey import errors as cdk_errors
from accounts.camdigikey.client import UserProfile, get_client
from accounts.models import OfficerAssignment, Role, User
from accounts.selectors import ACTING_FOR_SESSION_KEY, user_by_personal_code
from accounts.signals import CAMDIGIKEY_LOGIN_FLAG
from esb import audit
from esb.crypto import lookup_hash

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
# Django's auth.login needs a backend it can reload the user with on later requests.
SESSION_BACKEND = "django.contrib.auth.backends.ModelBackend"


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


def _audit_failure(code: str, detail: str = "", *, user: User | None = None, audience: str = "") -> None:
    audit.record(
        "login.failed",
        user,
        object_type="accounts.user" if user is None else "",
        after={"method": "camdigikey", "code": code, "audience": audience},
        reason=detail[:500],
    )


# --- login --------------------------------------------------------------------------------------------------


def start_login(request: HttpRequest, next_url: str | None, audience: str = APPLICANT) -> str:
    """Ask CamDigiKey for a login page for this browser; returns the URL to redirect it to.

    Raises LoginRefused when CamDigiKey cannot be reached or answers an error."""
    if audience not in AUDIENCES:
        audience = APPLICANT
    state = secrets.token_urlsafe(32)
    try:
        token = get_client().get_login_token(
            callback_vars={"state": state}, success_return_url=_callback_url()
        )
    except cdk_errors.CamDigiKeyError as exc:
        log.warning("CamDigiKey login token refused: %s", _error_code(exc))
        _audit_failure(_error_code(exc), getattr(exc, "message", ""), audience=audience)
        raise LoginRefused(_error_code(exc), error_message(exc)) from exc
    parts = urlsplit(token.login_url or "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        _audit_failure("bad_login_url", audience=audience)
        raise LoginRefused("bad_login_url", error_message(ValueError()))
    request.session[PENDING_LOGIN_KEY] = {
        "state": state,
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
    if not isinstance(pending, dict) or not pending.get("state"):
        _audit_failure("state_missing", "no login in progress in this browser", audience=audience)
        raise LoginRefused("state_missing", _("This login was not started here, or was already used."))
    if not state or not constant_time_compare(str(pending["state"]), str(state)):
        _audit_failure("state_mismatch", audience=audience)
        raise LoginRefused("state_mismatch", _("This login was not started here, or was already used."))
    if time.time() - int(pending.get("started", 0)) > PENDING_LOGIN_MAX_AGE:
        _audit_failure("state_expired", audience=audience)
        raise LoginRefused("state_expired", _("The login took too long. Please start again."))
    if not auth_token:
        _audit_failure("auth_token_missing", audience=audience)
        raise LoginRefused(
            "auth_token_missing", _("CamDigiKey did not send a login token. Please try again.")
        )

    client = get_client()
    try:
        access_token = client.get_user_access_token(auth_token)
        profile = client.validate_user_token(access_token)
    except cdk_errors.CamDigiKeyError as exc:
        log.warning("CamDigiKey login refused: %s", _error_code(exc))
        _audit_failure(_error_code(exc), getattr(exc, "message", ""), audience=audience)
        raise LoginRefused(_error_code(exc), error_message(exc)) from exc
    if not profile.camdigikey_id or not profile.personal_code:
        _revoke_quietly(access_token)
        _audit_failure("profile_incomplete", audience=audience)
        raise LoginRefused("profile_incomplete", error_message(ValueError()))

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
        request.session.pop(ACTING_FOR_SESSION_KEY, None)
        request.session[ACCESS_TOKEN_KEY] = access_token
        request.session[LOGIN_AT_KEY] = int(time.time())
        request.session[AUDIENCE_KEY] = audience
        if audience == OFFICER:
            # Officers use shared office computers: the session ends with the browser (and after
            # SESSION_COOKIE_AGE at the latest, accounts.middleware).
            request.session.set_expiry(0)
        audit.record(
            "login.success",
            user,
            actor_id=user.pk,
            actor_label=user.get_username(),
            after={"method": "camdigikey", "audience": audience, "created": created},
        )
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
        get_client().logout_access_token(access_token)
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
    audit.record(
        "login.failed",
        object_type="accounts.user",
        object_repr=username,
        actor_label="",
        after={"method": "password", "username": username, "code": "break_glass_disabled"},
    )


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
            get_client().logout_access_token(token)
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


# --- officers -----------------------------------------------------------------------------------------------


def _username_for(full_name_en: str) -> str:
    base = slugify(full_name_en)[:40] or "officer"
    return f"{base}-{uuid.uuid4().hex[:6]}"


@transaction.atomic
def register_officer(
    personal_code: str,
    *,
    full_name_km: str = "",
    full_name_en: str = "",
    email: str = "",
    by: User | None,
    officer: User | None = None,
) -> User:
    """Register an officer before their first login: an account without password or CamDigiKey id, found at
    their first CamDigiKey login through the personal code. `officer`: an unsaved user the back-office form
    filled in (names, email), saved instead of a new one."""
    personal_code = (personal_code or "").strip()
    if not lookup_hash(personal_code):
        raise ValidationError(
            {"personal_code": _("Enter the officer's personal code (ID card or passport).")}
        )
    if User.objects.filter(personal_code_hash=lookup_hash(personal_code)).exists():
        raise ValidationError({"personal_code": _("An account with this personal code already exists.")})
    if not (full_name_km.strip() or full_name_en.strip()) and officer is None:
        raise ValidationError(_("Give the officer's name in Khmer or in English."))
    user = officer or User()
    user.personal_code = personal_code
    if officer is None:
        user.full_name_km = full_name_km.strip()
        user.full_name_en = full_name_en.strip()
        user.email = email.strip()
    if not user.username:
        user.username = _username_for(user.full_name_en or user.full_name_km)
    user.camdigikey_id = None
    user.is_staff = True
    user.is_superuser = False
    user.is_active = True
    user.set_unusable_password()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise ValidationError(
            {"personal_code": _("An account with this personal code already exists.")}
        ) from None
    audit.record(
        "officer.register",
        user,
        after=audit.snapshot(user, exclude=("password", "last_login")),
        **_actor(by),
    )
    return user


def _actor(by: User | None) -> dict:
    if by is None:
        return {}
    return {"actor_id": by.pk, "actor_label": by.get_username()}


def check_assignment(assignment: OfficerAssignment, by: User | None) -> None:
    """Raise ValidationError unless the assignment is valid and `by` may give it (forms call it too)."""
    from accounts.selectors import officer_scope

    assignment.full_clean(exclude=["created_by"])
    if not assignment.user.is_staff:
        raise ValidationError(_("Only officers (staff accounts) can be given roles."))
    if by is not None:
        scope = officer_scope(by)
        if not scope.is_national:
            # An administrator gives roles only where they work, and never national ones.
            if assignment.institution_id is None or assignment.institution_id not in scope.institution_ids:
                raise ValidationError({"institution": _("You can only give roles at your own institution.")})
            if assignment.role.code in OfficerAssignment.NATIONAL_ROLES:
                raise ValidationError({"role": _("Only a national system administrator can give this role.")})


_ASSIGNMENT_FIELDS = ("role", "institution", "department", "active")


def _assignment_snapshot(assignment: OfficerAssignment) -> dict:
    return audit.snapshot(assignment, exclude=("created_at",))


@transaction.atomic
def assign_role(
    user: User,
    role: Role | str,
    institution=None,
    department=None,
    *,
    by: User | None,
    active: bool = True,
) -> OfficerAssignment:
    """Give an officer a role at an institution (optionally one department of it)."""
    if isinstance(role, str):
        role = Role.objects.get(code=role)
    assignment = OfficerAssignment(
        user=user, role=role, institution=institution, department=department, active=active, created_by=by
    )
    check_assignment(assignment, by)
    assignment.save()
    audit.record(
        "officer_assignment.create", assignment, after=_assignment_snapshot(assignment), **_actor(by)
    )
    forget_cached_permissions(user)
    return assignment


@transaction.atomic
def change_assignment(assignment: OfficerAssignment, *, by: User | None, **changes) -> OfficerAssignment:
    """Change the role, institution, department or active flag of an assignment."""
    unknown = set(changes) - set(_ASSIGNMENT_FIELDS)
    if unknown:
        raise TypeError(f"not an assignment field: {', '.join(sorted(unknown))}")
    stored = OfficerAssignment.objects.select_for_update().get(pk=assignment.pk)
    before = _assignment_snapshot(stored)
    for name, value in changes.items():
        setattr(assignment, name, value)
    if by is not None:
        # The administrator must be allowed to touch the assignment as it was, not only as it becomes.
        check_assignment(stored, by)
    check_assignment(assignment, by)
    assignment.save()
    b, a = audit.changed_fields(before, _assignment_snapshot(assignment))
    if b or a:
        action = (
            "officer_assignment.deactivate"
            if set(a) == {"active"} and a["active"] is False
            else "officer_assignment.change"
        )
        audit.record(action, assignment, before=b, after=a, **_actor(by))
    forget_cached_permissions(assignment.user)
    return assignment


def deactivate_assignment(assignment: OfficerAssignment, *, by: User | None) -> OfficerAssignment:
    return change_assignment(assignment, by=by, active=False)


@transaction.atomic
def delete_assignment(assignment: OfficerAssignment, *, by: User | None) -> None:
    if by is not None:
        check_assignment(OfficerAssignment.objects.get(pk=assignment.pk), by)
    snapshot, pk = _assignment_snapshot(assignment), str(assignment.pk)
    assignment.delete()
    audit.record("officer_assignment.delete", assignment, object_id=pk, before=snapshot, **_actor(by))
    forget_cached_permissions(assignment.user)


# --- acting for a business ----------------------------------------------------------------------------------


def set_acting_for(request: HttpRequest, business_id: int | None):
    """Act for one of the person's businesses (or, with None, as themselves). Returns the business; raises
    LookupError when the person has no active role in it."""
    from accounts.selectors import businesses_of

    if business_id is None:
        request.session.pop(ACTING_FOR_SESSION_KEY, None)
        request._esb_acting_business = None
        return None
    business = businesses_of(request.user).filter(pk=business_id).first()
    if business is None:
        raise LookupError(business_id)
    if request.session.get(ACTING_FOR_SESSION_KEY) != business.pk:
        request.session[ACTING_FOR_SESSION_KEY] = business.pk
        audit.record("acting_for.select", business, on_behalf_of=business.single_id)
    request._esb_acting_business = business
    return business

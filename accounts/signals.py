"""Audit every password (break-glass) login attempt, successful or not.

CamDigiKey logins are audited by `accounts.services.complete_login` itself (it marks the user so the
`user_logged_in` handler below does not record them twice).
"""

from __future__ import annotations

import time

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from esb import audit

CAMDIGIKEY_LOGIN_FLAG = "_esb_camdigikey_login"


@receiver(user_logged_in, dispatch_uid="accounts.audit_password_login")
def audit_password_login(sender, request, user, **kwargs) -> None:
    if getattr(user, CAMDIGIKEY_LOGIN_FLAG, False):
        return
    if request is None or getattr(request, "method", None) != "POST":
        return  # not a submitted login form (e.g. a test client's force_login)
    if hasattr(request, "session"):
        # Same lifetime rules as CamDigiKey officer logins (accounts.middleware): absolute limit, and the
        # session ends with the browser.
        request.session["esb_login_at"] = int(time.time())
        request.session.set_expiry(0)
    audit.record(
        "login.success",
        user,
        actor_id=user.pk,
        actor_label=user.get_username(),
        after={"method": "password", "break_glass": True},
    )


@receiver(user_login_failed, dispatch_uid="accounts.audit_password_login_failed")
def audit_password_login_failed(sender, credentials, request=None, **kwargs) -> None:
    # Django has already replaced the password in `credentials` with a mask; only the user name is kept.
    username = str((credentials or {}).get("username", ""))[:150]
    locked = bool(request is not None and getattr(request, "axes_locked_out", False))
    audit.record(
        "login.failed",
        object_type="accounts.user",
        object_repr=username,
        actor_label="",
        after={"method": "password", "username": username, "locked_out": locked},
    )

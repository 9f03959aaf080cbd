"""Audit every password (break-glass) login attempt, successful or not, with the same functions and session
rules as CamDigiKey logins (accounts/services/login.py).

CamDigiKey logins are audited by `complete_login` itself (it marks the user so the `user_logged_in` handler
below does not record them twice).
"""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from accounts.services.login import (
    CAMDIGIKEY_LOGIN_FLAG,
    OFFICER,
    audit_login_failure,
    audit_login_success,
    begin_session,
)

__all__ = ["CAMDIGIKEY_LOGIN_FLAG", "audit_password_login", "audit_password_login_failed"]


@receiver(user_logged_in, dispatch_uid="accounts.audit_password_login")
def audit_password_login(sender, request, user, **kwargs) -> None:
    if getattr(user, CAMDIGIKEY_LOGIN_FLAG, False):
        return
    if request is None or getattr(request, "method", None) != "POST":
        return  # not a submitted login form (e.g. a test client's force_login)
    if hasattr(request, "session"):
        # The password form is the back-office's break-glass door: officer session rules.
        begin_session(request, user, OFFICER)
    audit_login_success(user, method="password", break_glass=True)


@receiver(user_login_failed, dispatch_uid="accounts.audit_password_login_failed")
def audit_password_login_failed(sender, credentials, request=None, **kwargs) -> None:
    # Django has already replaced the password in `credentials` with a mask; only the user name is kept.
    username = str((credentials or {}).get("username", ""))[:150]
    locked = bool(request is not None and getattr(request, "axes_locked_out", False))
    audit_login_failure(attempted=username, method="password", username=username, locked_out=locked)

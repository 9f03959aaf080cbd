"""Officers get their Django permissions from their roles, not from per-user grants."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import BaseBackend

from accounts import selectors
from esb.compiled import CompiledQuery

_CACHE = "_esb_role_perm_cache"


class RolePermissionBackend(BaseBackend):
    """Permissions = the union of the permissions of the roles of the user's active assignments.

    It authenticates nobody (CamDigiKey logins are completed by `accounts.services`, break-glass passwords
    by ModelBackend). The set is cached on the user object, which lives for one request.
    """

    def get_all_permissions(self, user_obj, obj=None) -> set[str]:
        # Object-level permissions are not role-based: scoping is done on querysets instead.
        if obj is not None or not user_obj.is_active or user_obj.is_anonymous:
            return set()
        cached = getattr(user_obj, _CACHE, None)
        if cached is None:
            cached = selectors.role_permissions(user_obj)
            setattr(user_obj, _CACHE, cached)
        return cached

    def get_group_permissions(self, user_obj, obj=None) -> set[str]:
        return self.get_all_permissions(user_obj, obj)

    def has_perm(self, user_obj, perm: str, obj=None) -> bool:
        return perm in self.get_all_permissions(user_obj, obj)

    def has_module_perms(self, user_obj, app_label: str) -> bool:
        prefix = f"{app_label}."
        return any(perm.startswith(prefix) for perm in self.get_all_permissions(user_obj))


class SessionUserBackend(BaseBackend):
    """Reloads the user of a session on every request, for the logins `accounts.services` completes (they
    record this backend in the session): the same row and rule as ModelBackend's (an inactive user is nobody),
    with the statement compiled once per process (esb.compiled) instead of on every request. It authenticates
    nobody and grants no permission. Sessions recorded with ModelBackend keep working through it."""

    def get_user(self, user_id):
        user = _USER.first(user_id)
        return user if user is not None and user.is_active else None


_USER = CompiledQuery(lambda pk: get_user_model()._default_manager.filter(pk=pk))


def forget_cached_permissions(user) -> None:
    """Drop the per-object caches after an assignment of this very object changed."""
    caches = (_CACHE, "_esb_officer_scope", "_esb_assignment_rows", "_perm_cache", "_user_perm_cache")
    for attr in (*caches, "_group_perm_cache"):
        if hasattr(user, attr):
            delattr(user, attr)

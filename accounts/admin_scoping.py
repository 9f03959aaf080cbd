"""Back-office scoping: an officer sees only the rows of their institution (and department).

    @admin.register(LicenceType)
    class LicenceTypeAdmin(ScopedAdminMixin, AuditedModelAdmin):
        scope_institution_path = "institution"          # how to reach the institution from a row
        scope_department_path = None                    # optional: how to reach its department

The mixin filters the change list, the change/delete/history pages and every custom page that takes an
object id (a row outside the scope is a 404, as if it did not exist), the choices of foreign keys to scoped
models (institutions, departments, and models whose admin uses this mixin), and autocomplete results. An
officer without an active assignment does not see the model at all. Rules: `accounts.selectors`.
"""

from __future__ import annotations

import functools

from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.urls import URLPattern

from accounts.selectors import officer_scope, scope_queryset


def scope_paths_for(model, admin_site) -> tuple[str, str | None] | None:
    """(institution path, department path) that scope rows of `model`, or None if it is not scoped."""
    label = model._meta.label_lower
    if label == "registry.institution":
        return "pk", None
    if label == "registry.department":
        return "institution", "pk"
    model_admin = admin_site._registry.get(model)
    if isinstance(model_admin, ScopedAdminMixin):
        return model_admin.scope_institution_path, model_admin.scope_department_path
    return None


class InServiceAdminMixin:
    """An officer without an active assignment does not see the model at all (no module, no pages).

    Used alone by admins that filter rows their own way (officers), and by ScopedAdminMixin."""

    def _in_service(self, request: HttpRequest) -> bool:
        return not officer_scope(request.user).is_empty

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._in_service(request) and super().has_module_permission(request)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._in_service(request) and super().has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest, *args) -> bool:
        return self._in_service(request) and super().has_add_permission(request, *args)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._in_service(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._in_service(request) and super().has_delete_permission(request, obj)


class ScopedAdminMixin(InServiceAdminMixin):
    scope_institution_path: str = "institution"
    scope_department_path: str | None = None

    # --- rows ---------------------------------------------------------------------------------------------

    def get_queryset(self, request: HttpRequest):
        return scope_queryset(
            super().get_queryset(request),
            request.user,
            self.scope_institution_path,
            self.scope_department_path,
        )

    def get_field_queryset(self, db, db_field, request: HttpRequest):
        queryset = super().get_field_queryset(db, db_field, request)
        related = db_field.remote_field.model
        paths = scope_paths_for(related, self.admin_site)
        if paths is None:
            return queryset
        if queryset is None:
            queryset = related._default_manager.using(db)
        return scope_queryset(queryset, request.user, *paths)

    # --- pages of one object --------------------------------------------------------------------------------

    def get_urls(self):
        return [self._scoped_pattern(p) if isinstance(p, URLPattern) else p for p in super().get_urls()]

    def _scoped_pattern(self, pattern: URLPattern) -> URLPattern:
        if "<path:object_id>" not in str(pattern.pattern):
            return pattern
        view = pattern.callback

        @functools.wraps(view)
        def scoped_view(request, *args, **kwargs):
            object_id = kwargs.get("object_id")
            # Anonymous visitors and non-officers are sent to the login page by the view itself.
            if (
                object_id is not None
                and self.admin_site.has_permission(request)
                and not self._object_in_scope(request, object_id)
            ):
                raise Http404
            return view(request, *args, **kwargs)

        return URLPattern(pattern.pattern, scoped_view, pattern.default_args, pattern.name)

    def _object_in_scope(self, request: HttpRequest, object_id: str) -> bool:
        try:
            pk = self.model._meta.pk.to_python(unquote(object_id))
        except ValidationError:
            return False
        return self.get_queryset(request).filter(pk=pk).exists()


class NationalOnlyMixin:
    """Rows that concern the whole portal: a national administrator's, never an institution officer's."""

    def _national(self, request: HttpRequest) -> bool:
        return officer_scope(request.user).is_national

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._national(request) and super().has_module_permission(request)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._national(request) and super().has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest, *args) -> bool:
        return self._national(request) and super().has_add_permission(request, *args)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._national(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group, Permission
from django.utils.translation import gettext_lazy as _
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm

from accounts.models import Role, User
from esb.admin import AuditedModelAdmin

# Django stores permission names in English in the database; build the label from translatable parts
# so the permission pickers read in the user's language.
_PERMISSION_ACTIONS = {
    "add": _("Can add %(model)s"),
    "change": _("Can change %(model)s"),
    "delete": _("Can delete %(model)s"),
    "view": _("Can view %(model)s"),
}


def permission_label(permission: Permission) -> str:
    action = permission.codename.split("_", 1)[0]
    model = permission.content_type.model_class()
    if action in _PERMISSION_ACTIONS and model is not None:
        app = model._meta.app_config.verbose_name
        return f"{app} | {_PERMISSION_ACTIONS[action] % {'model': model._meta.verbose_name}}"
    return _(permission.name)


class TranslatedPermissionsMixin:
    """Shows permission choices with translated labels, and loads their content types in one query."""

    permission_fields = ("permissions", "user_permissions")

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.name in self.permission_fields and field is not None:
            field.queryset = field.queryset.select_related("content_type")
            field.label_from_instance = permission_label
        return field


# Officer access is given through roles (accounts.Role), not through Django's bare groups.
admin.site.unregister(Group)


@admin.register(User)
class UserAdmin(TranslatedPermissionsMixin, DjangoUserAdmin, AuditedModelAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    change_password_form = AdminPasswordChangeForm
    audit_exclude = ("password", "last_login")
    list_display = ("username", "full_name_en", "full_name_km", "is_staff", "is_active", "last_login")
    list_filter = ("is_staff", "is_superuser", "is_active", "preferred_language")
    search_fields = ("username", "full_name_en", "full_name_km", "email", "camdigikey_id")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (
            _("Personal info"),
            {"fields": ("full_name_km", "full_name_en", "email", "preferred_language", "camdigikey_id")},
        ),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "user_permissions")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    readonly_fields = ("last_login", "date_joined")
    filter_horizontal = ("user_permissions",)


@admin.register(Role)
class RoleAdmin(TranslatedPermissionsMixin, AuditedModelAdmin):
    list_display = ("code", "name_en", "name_km", "sort_order")
    search_fields = ("code", "name_en", "name_km")
    readonly_fields = ("code",)
    filter_horizontal = ("permissions",)

    def has_add_permission(self, request) -> bool:
        # The set of roles is fixed by migration; only names and permissions are edited here.
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

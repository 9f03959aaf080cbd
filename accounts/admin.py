from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm

from accounts.models import Role, User
from esb.admin import AuditedModelAdmin

# Officer access is given through roles (accounts.Role), not through Django's bare groups.
admin.site.unregister(Group)


@admin.register(User)
class UserAdmin(DjangoUserAdmin, AuditedModelAdmin):
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
class RoleAdmin(AuditedModelAdmin):
    list_display = ("code", "name_en", "name_km", "sort_order")
    search_fields = ("code", "name_en", "name_km")
    readonly_fields = ("code",)
    filter_horizontal = ("permissions",)

    def has_add_permission(self, request) -> bool:
        # The set of roles is fixed by migration; only names and permissions are edited here.
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

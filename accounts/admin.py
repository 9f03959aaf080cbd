from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from unfold.admin import TabularInline
from unfold.decorators import display
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm
from unfold.widgets import UnfoldAdminTextInputWidget

from accounts import services
from accounts.admin_scoping import InServiceAdminMixin
from accounts.models import LockedLogin, Officer, OfficerAssignment, Role, User
from accounts.selectors import officer_scope, scope_queryset
from esb.admin import AuditedModelAdmin
from esb.crypto import lookup_hash
from registry.models.person import mask

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
            # django-axes' own models are managed through accounts.LockedLogin (its permissions are ours).
            field.queryset = field.queryset.exclude(content_type__app_label="axes").select_related(
                "content_type"
            )
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
        (
            _("From CamDigiKey"),
            {"fields": ("masked_personal_code", "gender", "nationality", "last_camdigikey_login")},
        ),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "user_permissions")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    readonly_fields = (
        "last_login",
        "date_joined",
        "masked_personal_code",
        "gender",
        "nationality",
        "last_camdigikey_login",
    )
    filter_horizontal = ("user_permissions",)

    @display(description=_("personal code"))
    def masked_personal_code(self, obj: User) -> str:
        return mask(obj.personal_code) or "—"


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


# --- officers (page B5: who may do what, where) ----------------------------------------------------------


class OfficerRegistrationForm(forms.ModelForm):
    """Register an officer before their first login: they are recognised at their first CamDigiKey login
    by this personal code."""

    personal_code = forms.CharField(
        label=_("personal code"),
        max_length=64,
        help_text=_("The number of the officer's national ID card or passport, as registered in CamDigiKey."),
        widget=UnfoldAdminTextInputWidget,
    )

    class Meta:
        model = Officer
        fields = ("full_name_km", "full_name_en", "email", "preferred_language")

    def clean_personal_code(self) -> str:
        code = self.cleaned_data["personal_code"].strip()
        digest = lookup_hash(code)
        if not digest:
            raise ValidationError(_("Enter the officer's personal code (ID card or passport)."))
        if User.objects.filter(personal_code_hash=digest).exists():
            raise ValidationError(_("An account with this personal code already exists."))
        return code

    def clean(self) -> dict:
        data = super().clean()
        if not (data.get("full_name_km", "").strip() or data.get("full_name_en", "").strip()):
            raise ValidationError(_("Give the officer's name in Khmer or in English."))
        return data


class OfficerAssignmentFormSet(forms.BaseInlineFormSet):
    """Checks each new or changed assignment with the same rules the services apply, so a refused one is a
    form error (the services would otherwise refuse it after the officer was saved)."""

    request: HttpRequest | None = None

    def clean(self) -> None:
        super().clean()
        by = self.request.user if self.request is not None else None
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or form in self.deleted_forms or not form.has_changed():
                continue
            if form.errors or not form.cleaned_data.get("role"):
                continue
            try:
                services.check_assignment(form.instance, by)
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for field, errors in exc.error_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    form.add_error(None, exc)


class OfficerAssignmentInline(TabularInline):
    model = OfficerAssignment
    fk_name = "user"
    formset = OfficerAssignmentFormSet
    extra = 0
    fields = ("role", "institution", "department", "active", "created_by", "created_at")
    readonly_fields = ("created_by", "created_at")
    verbose_name = _("role assignment")
    verbose_name_plural = _("role assignments")

    def get_queryset(self, request: HttpRequest):
        # An administrator sees (and edits) only the assignments at the institutions they work for.
        queryset = super().get_queryset(request).select_related("role", "institution", "department")
        return scope_queryset(queryset, request.user, "institution")

    def get_formset(self, request: HttpRequest, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        return type(formset.__name__, (formset,), {"request": request})

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        scope = officer_scope(request.user)
        if db_field.name == "role" and not scope.is_national:
            kwargs["queryset"] = Role.objects.exclude(code__in=OfficerAssignment.NATIONAL_ROLES)
        elif db_field.name == "institution":
            kwargs["queryset"] = scope_queryset(db_field.related_model.objects.all(), request.user, "pk")
        elif db_field.name == "department":
            # a department-limited administrator is offered only their own departments
            queryset = db_field.related_model.objects.select_related("institution")
            kwargs["queryset"] = scope_queryset(queryset, request.user, "institution", "pk")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


# Shown, never edited: set by registration and by CamDigiKey logins.
_ACCOUNT_FIELDS = (
    "username",
    "masked_personal_code",
    "camdigikey_id",
    "last_camdigikey_login",
    "last_login",
    "date_joined",
)


@admin.register(Officer)
class OfficerAdmin(InServiceAdminMixin, AuditedModelAdmin):
    """Officers: registered by personal code, given roles at institutions. Every assignment change goes
    through `accounts.services` (validated and audited there)."""

    add_form = OfficerRegistrationForm
    inlines = (OfficerAssignmentInline,)
    audit_exclude = ("password", "last_login")
    list_display = (
        "display_name",
        "username",
        "assignments_summary",
        "linked_to_camdigikey",
        "is_active",
        "last_camdigikey_login",
    )
    list_filter = ("is_active", "officer_assignments__institution", "officer_assignments__role")
    search_fields = ("username", "full_name_en", "full_name_km", "email")
    fieldsets = (
        (None, {"fields": ("full_name_km", "full_name_en", "email", "preferred_language", "is_active")}),
        (_("Account"), {"fields": _ACCOUNT_FIELDS}),
    )
    readonly_fields = _ACCOUNT_FIELDS

    def get_queryset(self, request: HttpRequest):
        queryset = (
            super()
            .get_queryset(request)
            .filter(is_staff=True)
            .prefetch_related("officer_assignments__role", "officer_assignments__institution")
            .prefetch_related("officer_assignments__department")
        )
        scope = officer_scope(request.user)
        if scope.is_national:
            return queryset
        if scope.is_empty:
            return queryset.none()
        # Officers of the administrator's institutions, and officers not yet given any role (just registered).
        assignments = OfficerAssignment.objects.filter(user=OuterRef("pk"))
        return queryset.filter(is_superuser=False).filter(
            Exists(assignments.filter(institution_id__in=scope.institution_ids)) | ~Exists(assignments)
        )

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # deactivate instead: the audit trail refers to the account

    def get_form(self, request: HttpRequest, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = self.add_form
        return super().get_form(request, obj, **kwargs)

    def get_fieldsets(self, request: HttpRequest, obj=None):
        if obj is None:
            return (
                (
                    None,
                    {
                        "fields": (
                            "personal_code",
                            "full_name_km",
                            "full_name_en",
                            "email",
                            "preferred_language",
                        )
                    },
                ),
            )
        return super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        return () if obj is None else super().get_readonly_fields(request, obj)

    def get_inline_instances(self, request: HttpRequest, obj=None):
        # Roles are given once the officer exists (the add page only registers the personal code).
        return [] if obj is None else super().get_inline_instances(request, obj)

    def save_model(self, request: HttpRequest, obj: Officer, form, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        services.register_officer(form.cleaned_data["personal_code"], by=request.user, officer=obj)

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        form.save_m2m()
        for formset in formsets:
            if formset.model is OfficerAssignment:
                self._save_assignments(request, formset, form.instance)
            else:  # pragma: no cover - no other inline today
                self.save_formset(request, form, formset, change)

    def _save_assignments(self, request: HttpRequest, formset, officer: User) -> None:
        by = request.user
        # The admin's change message reads these lists (normally filled by formset.save()).
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for form in formset.deleted_forms:
            if form.instance.pk:
                services.delete_assignment(form.instance, by=by)
                formset.deleted_objects.append(form.instance)
        for form in formset.forms:
            if form in formset.deleted_forms or not form.has_changed() or not form.cleaned_data:
                continue
            data = form.cleaned_data
            values = {
                "role": data["role"],
                "institution": data.get("institution"),
                "department": data.get("department"),
                "active": data.get("active", False),
            }
            if form.instance.pk:
                services.change_assignment(form.instance, by=by, **values)
                formset.changed_objects.append((form.instance, form.changed_data))
            else:
                formset.new_objects.append(
                    services.assign_role(
                        officer,
                        values["role"],
                        values["institution"],
                        values["department"],
                        active=values["active"],
                        by=by,
                    )
                )

    @display(description=_("name"))
    def display_name(self, obj: User) -> str:
        return obj.display_name

    @display(description=_("personal code"))
    def masked_personal_code(self, obj: User) -> str:
        return mask(obj.personal_code) or "—"

    @display(description=_("linked to CamDigiKey"), boolean=True)
    def linked_to_camdigikey(self, obj: User) -> bool:
        return bool(obj.camdigikey_id)

    @display(description=_("roles"))
    def assignments_summary(self, obj: User) -> str:
        rows = [str(a) for a in obj.officer_assignments.all() if a.active]
        return "; ".join(rows) or "—"


# --- break-glass lockouts (django-axes) ---------------------------------------------------------------------


@admin.register(LockedLogin)
class LockedLoginAdmin(AuditedModelAdmin):
    """Failed break-glass password logins counted by django-axes. Deleting a row unlocks that user name and
    address (audited)."""

    list_display = ("username", "ip_address", "failures_since_start", "attempt_time")
    search_fields = ("username", "ip_address")
    ordering = ("-attempt_time",)
    readonly_fields = ("username", "ip_address", "user_agent", "failures_since_start", "attempt_time")
    fields = readonly_fields
    audit_exclude = ("get_data", "post_data", "http_accept", "path_info")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

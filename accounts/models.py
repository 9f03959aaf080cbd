"""Users and roles. Users log in with CamDigiKey (see the identity issue); roles are data."""

from __future__ import annotations

from axes.models import AccessAttempt
from django.contrib.auth.models import AbstractUser, Permission
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from esb.fields import EncryptedDateField, EncryptedTextField, LookupHashField
from esb.i18n import localized


class User(AbstractUser):
    """A person using the portal: an applicant, an officer, or both.

    `camdigikey_id` is CamDigiKey's stable id for the person; officers are pre-registered by personal code
    before their first login (matched then through `personal_code_hash`). The profile fields are refreshed
    from CamDigiKey at every login. Local passwords exist only for the break-glass administrator.
    """

    class Gender(models.TextChoices):
        MALE = "M", _("male")
        FEMALE = "F", _("female")

    camdigikey_id = models.CharField(_("CamDigiKey id"), max_length=64, unique=True, null=True, blank=True)
    full_name_km = models.CharField(_("full name (Khmer)"), max_length=200, blank=True)
    full_name_en = models.CharField(_("full name (English)"), max_length=200, blank=True)
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=8,
        choices=[("km", _("Khmer")), ("en", _("English"))],
        default="km",
    )
    # The ID-card or passport number CamDigiKey vouches for: encrypted, found through its keyed hash.
    personal_code = EncryptedTextField(_("personal code"), hash_field="personal_code_hash", blank=True)
    personal_code_hash = LookupHashField(_("personal code lookup hash"))
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True)
    nationality = models.CharField(_("nationality"), max_length=64, blank=True)
    mobile_phone = EncryptedTextField(_("mobile phone"), hash_field="mobile_phone_hash", blank=True)
    mobile_phone_hash = LookupHashField(_("mobile phone lookup hash"))
    date_of_birth = EncryptedDateField(_("date of birth"), blank=True)
    last_camdigikey_login = models.DateTimeField(_("last CamDigiKey login"), null=True, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(
                fields=["personal_code_hash"],
                condition=~Q(personal_code_hash=""),
                name="user_personal_code_unique",
                violation_error_message=_("An account with this personal code already exists."),
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.get_username()

    def get_full_name(self) -> str:
        """The person's name in the reader's language, family name first (Cambodian usage).

        The one name every page shows: the portal header (`display_name`) and the back-office's user menu,
        avatar and history (Django's `get_full_name`, which would otherwise write "first last").
        """
        name = localized(self.full_name_km, self.full_name_en)
        return name or f"{self.last_name} {self.first_name}".strip()


class Role(models.Model):
    """A named set of permissions given to officers (reception officer, approver, …).

    The rows are created by a migration; their permission sets are kept in step with `accounts.roles`.
    """

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name_km = models.CharField(_("name (Khmer)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    description_km = models.TextField(_("description (Khmer)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    permissions = models.ManyToManyField(Permission, blank=True, verbose_name=_("permissions"))
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("role")
        verbose_name_plural = _("roles")

    def __str__(self) -> str:
        return localized(self.name_km, self.name_en)


class Officer(User):
    """Back-office view of the users who are officers (staff): registered by personal code, given roles
    through `OfficerAssignment`. A proxy: same table, its own admin page and permissions."""

    class Meta:
        proxy = True
        verbose_name = _("officer")
        verbose_name_plural = _("officers")


class OfficerAssignment(models.Model):
    """One role an officer holds at one institution (optionally one department of it).

    An officer's permissions are the union of the roles of their active assignments
    (`accounts.backends.RolePermissionBackend`), and the back-office shows them only the rows of the
    institutions (and departments) of those assignments (`accounts.selectors.officer_scope`). An assignment
    without an institution is national: allowed for system administrators only. Changes go through
    `accounts.services` so they are audited.
    """

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="officer_assignments", verbose_name=_("officer")
    )
    role = models.ForeignKey(
        Role, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("role")
    )
    institution = models.ForeignKey(
        "registry.Institution",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="officer_assignments",
        verbose_name=_("institution"),
        help_text=_("Leave empty only for a national system administrator."),
    )
    department = models.ForeignKey(
        "registry.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="officer_assignments",
        verbose_name=_("department"),
        help_text=_("Optional: limits the assignment to one department of the institution."),
    )
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    NATIONAL_ROLES = frozenset({"system_administrator"})

    class Meta:
        ordering = ["user_id", "role__sort_order", "pk"]
        verbose_name = _("officer assignment")
        verbose_name_plural = _("officer assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "institution", "department"],
                nulls_distinct=False,
                name="officer_assignment_unique",
                violation_error_message=_("This officer already has this role here."),
            ),
            models.CheckConstraint(
                condition=Q(department__isnull=True) | Q(institution__isnull=False),
                name="officer_assignment_department_needs_institution",
                violation_error_message=_("A department can only be given together with its institution."),
            ),
        ]

    def __str__(self) -> str:
        where = self.department or self.institution or _("national")
        return f"{self.role} · {where}"

    def clean(self) -> None:
        super().clean()
        errors = {}
        if (
            self.department_id
            and self.institution_id
            and self.department.institution_id != self.institution_id
        ):
            errors["department"] = _("This department belongs to another institution.")
        if self.department_id and not self.institution_id:
            errors["institution"] = _("Choose the institution of the department.")
        if not self.institution_id and self.role_id and self.role.code not in self.NATIONAL_ROLES:
            errors["institution"] = _("Choose an institution: only system administrators can be national.")
        if errors:
            raise ValidationError(errors)


class LockedLogin(AccessAttempt):
    """django-axes' failed break-glass password logins (by user name and address), shown in the back-office
    under our own translated name; deleting one unlocks that user name and address."""

    class Meta:
        proxy = True
        verbose_name = _("locked login")
        verbose_name_plural = _("locked logins")

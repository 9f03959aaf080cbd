"""Businesses (enterprises), their economic activities and the people who own or represent them.

A business is identified by its Single ID (the enterprise identification number). Part 5 serves the company
data block from these fields (`spec/part5-api.md` §3, `company_data`).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from registry.models.address import AddressFields
from registry.models.person import Person, trigram_index
from registry.models.reference import IsicActivity, localized
from registry.text import clean_name, normalize_single_id

single_id_validator = RegexValidator(
    r"^[0-9A-Z][0-9A-Z-]{0,19}$",
    _("A Single ID has up to 20 digits, capital letters and dashes."),
)


class Business(AddressFields):
    class Status(models.TextChoices):
        ACTIVE = "ACTIVE", _("active")
        SUSPENDED = "SUSPENDED", _("suspended")
        DISSOLVED = "DISSOLVED", _("dissolved")

    class LegalForm(models.TextChoices):
        SOLE_PROPRIETORSHIP = "SOLE_PROPRIETORSHIP", _("sole proprietorship")
        GENERAL_PARTNERSHIP = "GENERAL_PARTNERSHIP", _("general partnership")
        LIMITED_PARTNERSHIP = "LIMITED_PARTNERSHIP", _("limited partnership")
        SINGLE_MEMBER_COMPANY = "SINGLE_MEMBER_COMPANY", _("single member private limited company")
        PRIVATE_LIMITED = "PRIVATE_LIMITED", _("private limited company")
        PUBLIC_LIMITED = "PUBLIC_LIMITED", _("public limited company")
        FOREIGN_BRANCH = "FOREIGN_BRANCH", _("branch of a foreign company")
        REPRESENTATIVE_OFFICE = "REPRESENTATIVE_OFFICE", _("representative office")

    single_id = models.CharField(
        _("Single ID"),
        max_length=20,
        unique=True,
        validators=[single_id_validator],
        help_text=_("The enterprise identification number given at registration."),
    )
    name_km = models.CharField(_("name (Khmer)"), max_length=255)
    name_en = models.CharField(_("name (English)"), max_length=255, blank=True)
    legal_form = models.CharField(_("legal form"), max_length=24, choices=LegalForm.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    registration_date = models.DateField(_("registration date"), null=True, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone number"), max_length=40, blank=True)
    total_employees = models.PositiveIntegerField(_("employees"), default=0)
    female_employees = models.PositiveIntegerField(_("female employees"), default=0)
    foreign_employees = models.PositiveIntegerField(_("foreign employees"), default=0)
    foreign_female_employees = models.PositiveIntegerField(_("foreign female employees"), default=0)
    registered_via_obr = models.BooleanField(
        _("registered through OBR"),
        default=False,
        help_text=_("Registered through the Online Business Registration system."),
    )
    use_obr_business_address = models.BooleanField(_("uses the OBR business address"), default=False)
    activities = models.ManyToManyField(
        IsicActivity, through="BusinessActivity", related_name="businesses", verbose_name=_("activities")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("business")
        verbose_name_plural = _("businesses")
        constraints = [
            models.CheckConstraint(
                condition=Q(female_employees__lte=F("total_employees")),
                name="business_female_within_total",
                violation_error_message=_("Female employees cannot exceed the total."),
            ),
            models.CheckConstraint(
                condition=Q(foreign_employees__lte=F("total_employees")),
                name="business_foreign_within_total",
                violation_error_message=_("Foreign employees cannot exceed the total."),
            ),
            models.CheckConstraint(
                condition=Q(foreign_female_employees__lte=F("foreign_employees"))
                & Q(foreign_female_employees__lte=F("female_employees")),
                name="business_foreign_female_within_parts",
                violation_error_message=_(
                    "Foreign female employees cannot exceed the foreign or the female employees."
                ),
            ),
        ]
        indexes = [
            trigram_index("name_km", "business_name_km_trgm"),
            trigram_index("name_en", "business_name_en_trgm"),
        ]

    def __str__(self) -> str:
        return localized(self.name_km, self.name_en)

    @property
    def name(self) -> str:
        return localized(self.name_km, self.name_en)

    def clean(self) -> None:
        self.single_id = normalize_single_id(self.single_id)
        self.name_km = clean_name(self.name_km)
        self.name_en = clean_name(self.name_en)
        super().clean()

    def clean_fields(self, exclude=None) -> None:
        # Normalise before the field validators run, so "១២៣ ៤៥៦" passes as "123456".
        self.single_id = normalize_single_id(self.single_id)
        super().clean_fields(exclude)


class BusinessActivity(models.Model):
    """An ISIC class a business carries out; at most one is its primary activity."""

    business = models.ForeignKey(
        Business,
        on_delete=models.CASCADE,
        related_name="business_activities",
        verbose_name=_("business"),
        db_index=False,  # the (business, activity) unique index leads with business
    )
    activity = models.ForeignKey(
        IsicActivity,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": IsicActivity.Level.CLASS},
        verbose_name=_("activity"),
    )
    is_primary = models.BooleanField(_("primary activity"), default=False)

    class Meta:
        verbose_name = _("business activity")
        verbose_name_plural = _("business activities")
        constraints = [
            models.UniqueConstraint(
                fields=["business", "activity"],
                name="business_activity_unique",
                violation_error_message=_("This activity is already listed for the business."),
            ),
            models.UniqueConstraint(
                fields=["business"],
                condition=Q(is_primary=True),
                name="business_one_primary_activity",
                violation_error_message=_("A business has only one primary activity."),
            ),
        ]

    def __str__(self) -> str:
        return str(self.activity)


class BusinessRole(models.Model):
    """A person's role in a business over time. A role is active while `until` is empty or not yet past."""

    class Role(models.TextChoices):
        OWNER = "OWNER", _("owner")
        REPRESENTATIVE = "REPRESENTATIVE", _("representative")
        DIRECTOR = "DIRECTOR", _("director")

    business = models.ForeignKey(
        Business, on_delete=models.CASCADE, related_name="roles", verbose_name=_("business")
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="business_roles", verbose_name=_("person")
    )
    role = models.CharField(_("role"), max_length=14, choices=Role.choices)
    since = models.DateField(_("since"), null=True, blank=True)
    until = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("business role")
        verbose_name_plural = _("business roles")
        constraints = [
            models.UniqueConstraint(
                fields=["business", "person", "role"],
                condition=Q(until__isnull=True),
                name="business_role_active_unique",
                violation_error_message=_("This person already holds this role in the business."),
            ),
            models.CheckConstraint(
                condition=Q(until__isnull=True) | Q(since__isnull=True) | Q(until__gte=F("since")),
                name="business_role_until_after_since",
                violation_error_message=_("A role cannot end before it starts."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} — {self.get_role_display()}"

    def clean(self) -> None:
        super().clean()
        if self.since and self.until and self.until < self.since:
            raise ValidationError({"until": _("A role cannot end before it starts.")})

"""Immovable property (land parcels, buildings, condominium units) and who owns it."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from registry.models.address import AddressFields
from registry.models.business import Business
from registry.models.person import Person


class Property(AddressFields):
    class PropertyType(models.TextChoices):
        LAND = "LAND", _("land")
        BUILDING = "BUILDING", _("building")
        LAND_AND_BUILDING = "LAND_AND_BUILDING", _("land and building")
        CONDOMINIUM_UNIT = "CONDOMINIUM_UNIT", _("condominium unit")

    title_number = models.CharField(
        _("title number"),
        max_length=50,
        unique=True,
        help_text=_("The number on the certificate of title, e.g. the cadastral parcel number."),
    )
    property_type = models.CharField(_("property type"), max_length=20, choices=PropertyType.choices)
    area_sqm = models.DecimalField(
        _("area (m²)"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    owner = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="properties",
        verbose_name=_("owner (person)"),
    )
    owner_business = models.ForeignKey(
        Business,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="properties",
        verbose_name=_("owner (business)"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("property")
        verbose_name_plural = _("properties")
        constraints = [
            models.CheckConstraint(
                condition=(Q(owner__isnull=False) & Q(owner_business__isnull=True))
                | (Q(owner__isnull=True) & Q(owner_business__isnull=False)),
                name="property_exactly_one_owner",
                violation_error_message=_("A property has exactly one owner: a person or a business."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title_number} ({self.get_property_type_display()})"

    def clean(self) -> None:
        super().clean()
        if (self.owner_id is None) == (self.owner_business_id is None):
            raise ValidationError(_("A property has exactly one owner: a person or a business."))

"""A Cambodian address: the four gazetteer levels, then house, street, group and coordinates.

`AddressFields` is abstract and shared by Business, Person and Property so they validate and serialise an
address the same way (the Part 5 address object).
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from registry.models.reference import AdministrativeUnit, is_khmer

ADDRESS_LEVELS = ("province", "district", "commune", "village")
# Pass to select_related() before serialising many addresses.
ADDRESS_RELATED = ADDRESS_LEVELS


def _unit_fk(level: str, verbose_name, *, db_index: bool) -> models.ForeignKey:
    return models.ForeignKey(
        AdministrativeUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"level": level},
        verbose_name=verbose_name,
        # Province is filtered on (back-office, statistics) and village is the most specific key; the middle
        # levels are implied by the village, so they skip an index that would cost on every bulk load.
        db_index=db_index,
    )


class AddressFields(models.Model):
    province = _unit_fk("province", _("province"), db_index=True)
    district = _unit_fk("district", _("district"), db_index=False)
    commune = _unit_fk("commune", _("commune"), db_index=False)
    village = _unit_fk("village", _("village"), db_index=True)
    house_number = models.CharField(_("house number"), max_length=50, blank=True)
    street_name = models.CharField(_("street"), max_length=150, blank=True)
    group_name = models.CharField(_("group"), max_length=100, blank=True)
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(-90)), MaxValueValidator(Decimal(90))],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(-180)), MaxValueValidator(Decimal(180))],
    )

    class Meta:
        abstract = True

    def clean(self) -> None:
        super().clean()
        self.clean_address()

    def clean_address(self) -> None:
        """Check every unit is at its level and inside the unit above it.

        Higher levels left empty are filled from the lowest one given, so a form may ask for the village only.
        """
        errors: dict[str, str] = {}
        for index in range(len(ADDRESS_LEVELS) - 1, -1, -1):
            level = ADDRESS_LEVELS[index]
            unit: AdministrativeUnit | None = getattr(self, level)
            if unit is None:
                continue
            if unit.level != level:
                errors[level] = _("%(unit)s is not a %(level)s.") % {
                    "unit": unit,
                    "level": AdministrativeUnit.Level(level).label,
                }
                continue
            if index == 0:
                continue
            above = ADDRESS_LEVELS[index - 1]
            given_id = getattr(self, f"{above}_id")
            if given_id is None:
                setattr(self, above, unit.parent)
            elif given_id != unit.parent_id:
                errors[level] = _("%(unit)s is not inside %(parent)s.") % {
                    "unit": unit,
                    "parent": getattr(self, above),
                }
        if (self.latitude is None) != (self.longitude is None):
            errors["longitude" if self.longitude is None else "latitude"] = _(
                "Give both latitude and longitude, or neither."
            )
        if errors:
            raise ValidationError(errors)

    def address_part5(self) -> dict:
        """The Part 5 address object (`current_address`): units as `{code, name_en, name_kh}`, coordinates as
        JSON numbers. Select the four units with `select_related(*ADDRESS_RELATED)` when serialising many."""
        data: dict = {}
        for level in ADDRESS_LEVELS:
            unit = getattr(self, level)
            data[level] = unit.as_part5() if unit is not None else None
        data["house_number"] = self.house_number
        data["street_name"] = self.street_name
        data["group_name"] = self.group_name
        data["latitude"] = float(self.latitude) if self.latitude is not None else None
        data["longitude"] = float(self.longitude) if self.longitude is not None else None
        return data

    def address_display(self) -> str:
        """One line, smallest part first, in the active language."""
        khmer = is_khmer()
        parts: list[str] = []
        if self.house_number:
            parts.append(f"ផ្ទះលេខ {self.house_number}" if khmer else f"No. {self.house_number}")
        if self.street_name:
            parts.append(f"ផ្លូវ {self.street_name}" if khmer else f"St. {self.street_name}")
        if self.group_name:
            parts.append(f"ក្រុម {self.group_name}" if khmer else f"Group {self.group_name}")
        for level in reversed(ADDRESS_LEVELS):
            unit = getattr(self, level)
            if unit is not None:
                parts.append(unit.full_name)
        return ", ".join(parts)

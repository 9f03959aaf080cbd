"""Reference data: the national gazetteer, ISIC Rev.4 activities and countries.

Rows are loaded from `registry/data/*.csv` by `manage.py load_reference_data` and are read-mostly: nothing
in the portal deletes them (foreign keys to them PROTECT). Codes are strings: leading zeros matter (`0102`).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from esb.i18n import is_khmer, localized

__all__ = ["AdministrativeUnit", "Country", "IsicActivity", "is_khmer", "localized"]


class AdministrativeUnit(models.Model):
    """A province (or the capital), district (srok, krong, khan), commune (khum, sangkat) or village (phum),
    with its NCDD code. A unit's code starts with its parent's code."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("province")
        DISTRICT = "district", _("district")
        COMMUNE = "commune", _("commune")
        VILLAGE = "village", _("village")

    # The parent level of each level, and the code width that identifies it.
    PARENT_LEVEL = {"district": "province", "commune": "district", "village": "commune"}
    CODE_WIDTH = {"province": 2, "district": 4, "commune": 6, "village": 8}

    code = models.CharField(_("code"), max_length=8, unique=True)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    name_km = models.CharField(_("name (Khmer)"), max_length=150)
    name_en = models.CharField(_("name (English)"), max_length=150, blank=True)
    name_en_ncdd = models.CharField(_("name (NCDD romanization)"), max_length=150, blank=True)
    type_km = models.CharField(_("unit type (Khmer)"), max_length=30, blank=True)
    type_latin = models.CharField(_("unit type (romanized)"), max_length=30, blank=True)
    type_en = models.CharField(_("unit type (English)"), max_length=30, blank=True)
    iso3166_2 = models.CharField(_("ISO 3166-2 code"), max_length=6, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("administrative unit")
        verbose_name_plural = _("administrative units")
        indexes = [models.Index(fields=["level", "code"], name="adminunit_level_code")]

    def __str__(self) -> str:
        # Hundreds of villages are called ភូមិ ១: the units above tell them apart in pickers and lists.
        return f"{self.path_name} ({self.code})"

    @property
    def name(self) -> str:
        return localized(self.name_km, self.name_en)

    @property
    def full_name(self) -> str:
        """Name with its unit type, as written on documents: `ស្រុកមង្គលបូរី` / `Mongkol Borey District`."""
        if is_khmer():
            # Many villages are named with their type already (ភូមិ ១): do not write it twice.
            return self.name_km if self.name_km.startswith(self.type_km) else f"{self.type_km}{self.name_km}"
        return f"{self.name_en or self.name_km} {self.type_en}".strip()

    @property
    def path_name(self) -> str:
        """The name with the two levels above it, to tell apart the many villages called ភូមិ ១:
        `ភូមិ ១ — ទន្លេបាសាក់, ចំការមន`. Select `parent__parent` when listing many."""
        above = [u.name for u in (self.parent, self.parent.parent if self.parent else None) if u is not None]
        return f"{self.name} — {', '.join(above)}" if above else self.name

    def as_part5(self) -> dict:
        """The `{code, name_en, name_kh}` object of the Part 5 address."""
        return {"code": self.code, "name_en": self.name_en, "name_kh": self.name_km}


class IsicActivity(models.Model):
    """An ISIC Rev.4 section (letter), division (2 digits), group (3) or class (4)."""

    class Level(models.TextChoices):
        SECTION = "section", _("section")
        DIVISION = "division", _("division")
        GROUP = "group", _("group")
        CLASS = "class", _("class")

    code = models.CharField(_("code"), max_length=4, unique=True)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    section = models.CharField(_("section"), max_length=1)
    title_en = models.CharField(_("title (English)"), max_length=255)
    title_km = models.CharField(
        _("title (Khmer)"),
        max_length=255,
        blank=True,
        help_text=_("Project translation pending official review; empty below division level."),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("ISIC activity")
        verbose_name_plural = _("ISIC activities")
        indexes = [models.Index(fields=["level", "code"], name="isic_level_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def title(self) -> str:
        return localized(self.title_km, self.title_en)


class Country(models.Model):
    """An ISO 3166-1 country. The alpha-2 code is the key: it is what Part 5 calls `nationality_code`."""

    alpha2 = models.CharField(_("alpha-2 code"), max_length=2, primary_key=True)
    alpha3 = models.CharField(_("alpha-3 code"), max_length=3, unique=True)
    numeric = models.CharField(_("numeric code"), max_length=3, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=100)
    name_en_iso = models.CharField(_("ISO short name"), max_length=100, blank=True)
    name_km = models.CharField(_("name (Khmer)"), max_length=100)
    nationality_en = models.CharField(_("nationality (English)"), max_length=100, blank=True)

    class Meta:
        ordering = ["name_en"]
        verbose_name = _("country")
        verbose_name_plural = _("countries")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localized(self.name_km, self.name_en)

    @property
    def nationality(self) -> str:
        """There is no Khmer demonym: Khmer says សញ្ជាតិ + the country name."""
        if is_khmer():
            return f"សញ្ជាតិ{self.name_km}"
        return self.nationality_en or self.name_en

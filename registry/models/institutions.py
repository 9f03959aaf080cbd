"""Government institutions (ministries, agencies) and their departments.

They live in the registry, below both `accounts` (officers are scoped by institution and department) and
`licensing` (an institution delivers licence types), so neither of those has to import the other.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from esb.i18n import localized


class Institution(models.Model):
    code = models.SlugField(
        _("code"),
        max_length=20,
        unique=True,
        help_text=_("Short stable code used in reference numbers, e.g. MOC."),
    )
    name_km = models.CharField(_("name (Khmer)"), max_length=255)
    name_en = models.CharField(_("name (English)"), max_length=255)
    abbreviation_en = models.CharField(_("abbreviation (English)"), max_length=20, blank=True)
    camdx_member_code = models.CharField(
        _("CamDX member code"), max_length=64, blank=True, help_text=_("X-Road member code, e.g. MOC.")
    )
    website = models.URLField(_("website"), blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")

    def __str__(self) -> str:
        return localized(self.name_km, self.name_en)

    @property
    def name(self) -> str:
        return localized(self.name_km, self.name_en)


class Department(models.Model):
    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="departments", verbose_name=_("institution")
    )
    code = models.SlugField(_("code"), max_length=30)
    name_km = models.CharField(_("name (Khmer)"), max_length=255)
    name_en = models.CharField(_("name (English)"), max_length=255)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["institution__code", "code"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        constraints = [models.UniqueConstraint(fields=["institution", "code"], name="department_code_unique")]

    def __str__(self) -> str:
        return localized(self.name_km, self.name_en)

    @property
    def name(self) -> str:
        return localized(self.name_km, self.name_en)

"""Users and roles. Users log in with CamDigiKey (see the identity issue); roles are data."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, Permission
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person using the portal: an applicant, an officer, or both.

    `camdigikey_id` is CamDigiKey's stable id for the person; officers are pre-registered by personal code
    before their first login. Local passwords exist only for the break-glass administrator.
    """

    camdigikey_id = models.CharField(_("CamDigiKey id"), max_length=64, unique=True, null=True, blank=True)
    full_name_km = models.CharField(_("full name (Khmer)"), max_length=200, blank=True)
    full_name_en = models.CharField(_("full name (English)"), max_length=200, blank=True)
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=8,
        choices=[("km", _("Khmer")), ("en", _("English"))],
        default="km",
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        khmer = (get_language() or "").startswith("km")
        preferred = self.full_name_km if khmer else self.full_name_en
        return preferred or self.full_name_en or self.full_name_km or self.get_username()


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
        khmer = (get_language() or "").startswith("km")
        return self.name_km if khmer else self.name_en

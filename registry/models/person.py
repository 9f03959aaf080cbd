"""People: business owners, representatives, directors and property owners.

Identity numbers, phone numbers and dates of birth are personal identifiers (DESIGN.md §6): they are encrypted
at rest, and the two that are looked up exactly (identity number, phone) have a keyed hash beside them.
"""

from __future__ import annotations

import datetime

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from esb.crypto import lookup_hash
from esb.fields import EncryptedDateField, EncryptedTextField, LookupHashField
from registry.models.address import AddressFields
from registry.models.reference import Country, is_khmer
from registry.text import clean_name


def trigram_index(field: str, name: str) -> GinIndex:
    """A GIN trigram index on UPPER(field): it serves Django's `icontains` (which compiles to
    `UPPER(col::text) LIKE UPPER(%s)`) and trigram similarity on the same expression, in Khmer and Latin."""
    return GinIndex(OpClass(Upper(field), name="gin_trgm_ops"), name=name)


class Person(AddressFields):
    class Gender(models.TextChoices):
        FEMALE = "FEMALE", _("female")
        MALE = "MALE", _("male")

    class DocumentType(models.TextChoices):
        NATIONAL_ID = "NATIONAL_ID", _("national ID card")
        PASSPORT = "PASSPORT", _("passport")

    last_name_km = models.CharField(_("family name (Khmer)"), max_length=100, blank=True)
    first_name_km = models.CharField(_("given name (Khmer)"), max_length=100, blank=True)
    last_name_en = models.CharField(_("family name (Latin)"), max_length=100, blank=True)
    first_name_en = models.CharField(_("given name (Latin)"), max_length=100, blank=True)
    gender = models.CharField(_("gender"), max_length=6, choices=Gender.choices)
    nationality = models.ForeignKey(
        Country,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("nationality"),
    )
    identity_document_type = models.CharField(
        _("identity document"), max_length=12, choices=DocumentType.choices, default=DocumentType.NATIONAL_ID
    )
    identity_number = EncryptedTextField(
        _("identity document number"), hash_field="identity_number_hash", blank=True
    )
    identity_number_hash = LookupHashField(_("identity number lookup hash"))
    phone = EncryptedTextField(_("phone number"), hash_field="phone_hash", blank=True)
    phone_hash = LookupHashField(_("phone lookup hash"))
    date_of_birth = EncryptedDateField(_("date of birth"), blank=True)
    email = models.EmailField(_("email"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [
            models.UniqueConstraint(
                fields=["identity_document_type", "identity_number_hash"],
                condition=~models.Q(identity_number_hash=""),
                name="person_identity_unique",
                violation_error_message=_("A person with this identity document is already registered."),
            ),
        ]
        indexes = [
            trigram_index("last_name_km", "person_last_km_trgm"),
            trigram_index("first_name_km", "person_first_km_trgm"),
            trigram_index("last_name_en", "person_last_en_trgm"),
            trigram_index("first_name_en", "person_first_en_trgm"),
        ]

    def __str__(self) -> str:
        return self.full_name or str(_("(no name)"))

    @property
    def full_name_km(self) -> str:
        return f"{self.last_name_km} {self.first_name_km}".strip()

    @property
    def full_name_en(self) -> str:
        # Cambodian usage writes the family name first in Latin script too (SOK Dara); other nationalities
        # are written given name first.
        if self.nationality_id in (None, "KH"):
            return f"{self.last_name_en} {self.first_name_en}".strip()
        return f"{self.first_name_en} {self.last_name_en}".strip()

    @property
    def full_name(self) -> str:
        if is_khmer():
            return self.full_name_km or self.full_name_en
        return self.full_name_en or self.full_name_km

    @property
    def masked_identity_number(self) -> str:
        return mask(self.identity_number)

    @property
    def masked_phone(self) -> str:
        return mask(self.phone)

    def clean(self) -> None:
        super().clean()
        for field in ("last_name_km", "first_name_km", "last_name_en", "first_name_en"):
            setattr(self, field, clean_name(getattr(self, field)))
        if not (self.last_name_km or self.first_name_km or self.last_name_en or self.first_name_en):
            raise ValidationError(_("Give the person's name in Khmer or in Latin script."))
        # The hashes are normally refreshed on save; compute them now so the duplicate check below sees the
        # number being entered (forms skip constraints on fields they do not show, like the hashes).
        if isinstance(self.date_of_birth, str):
            try:
                self.date_of_birth = (
                    datetime.date.fromisoformat(self.date_of_birth) if self.date_of_birth else None
                )
            except ValueError:
                raise ValidationError({"date_of_birth": _("Enter a valid date (YYYY-MM-DD).")}) from None
        if self.date_of_birth and self.date_of_birth > datetime.date.today():
            raise ValidationError({"date_of_birth": _("The date of birth cannot be in the future.")})
        self.identity_number_hash = lookup_hash(self.identity_number)
        self.phone_hash = lookup_hash(self.phone)
        if self.identity_number_hash:
            duplicate = Person.objects.filter(
                identity_document_type=self.identity_document_type,
                identity_number_hash=self.identity_number_hash,
            ).exclude(pk=self.pk)
            if duplicate.exists():
                raise ValidationError(
                    {"identity_number": _("A person with this identity document is already registered.")}
                )


def mask(value: str | None, visible: int = 3) -> str:
    """`•••••678`: enough to recognise a number on screen without showing it."""
    if not value:
        return ""
    text = str(value)
    if len(text) <= visible:
        return "•" * len(text)
    return "•" * (len(text) - visible) + text[-visible:]

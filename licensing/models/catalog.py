"""The service catalog: what a ministry offers, what it costs, how long it takes, which documents it needs.

Everything here is data, configured in the back-office. Codes are stable: other ministries' systems read
them through the Part 5 APIs (`license_type.code`, `services[].code`, `supporting_docs[].code`).
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.search import SearchVector
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from licensing.models.fields import ChoiceArrayField, localized


def english_search_vector() -> SearchVector:
    """The English name and description as stemmed words ("Handicrafts" → "handicraft"). The catalog search
    (licensing.selectors) filters on this same expression, so PostgreSQL can use the GIN index below."""
    return SearchVector("name_en", "description_en", config="english")


CATALOG_CODE_VALIDATOR = RegexValidator(
    r"^[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+$",
    _("Use capital letters and digits in parts separated by hyphens, e.g. MOC-BR-001."),
)
DOCUMENT_CODE_VALIDATOR = RegexValidator(
    r"^[A-Z][A-Z0-9_]*$",
    _("Use capital letters, digits and underscores, starting with a letter, e.g. NATIONAL_ID."),
)

# Uploads are limited to formats a browser can show and a virus scanner understands; anything else
# (office documents with macros, archives, executables) is refused whatever a service configures.
MIME_PDF, MIME_JPEG, MIME_PNG = "application/pdf", "image/jpeg", "image/png"
SAFE_MIME_TYPES = [(MIME_PDF, "PDF"), (MIME_JPEG, "JPEG"), (MIME_PNG, "PNG")]
MAX_DOCUMENT_SIZE_MB = 20


class Currency(models.TextChoices):
    KHR = "KHR", _("Riel (KHR)")
    USD = "USD", _("US dollar (USD)")


class Sector(models.Model):
    code = models.SlugField(_("code"), max_length=30, unique=True)
    name_km = models.CharField(_("name (Khmer)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")

    def __str__(self) -> str:
        return localized(self.name_km, self.name_en)


class LicenceType(models.Model):
    """A service of the catalog: one licence, permit or certificate a business can apply for."""

    code = models.CharField(
        _("code"),
        max_length=40,
        unique=True,
        validators=[CATALOG_CODE_VALIDATOR],
        help_text=_("Stable code shared with other systems through the APIs, e.g. MOC-BR-001."),
    )
    institution = models.ForeignKey(
        "registry.Institution",
        on_delete=models.PROTECT,
        related_name="licence_types",
        verbose_name=_("institution"),
    )
    department = models.ForeignKey(
        "registry.Department",
        on_delete=models.PROTECT,
        related_name="licence_types",
        null=True,
        blank=True,
        verbose_name=_("department"),
        help_text=_("The department that delivers the service (must belong to the institution)."),
    )
    sector = models.ForeignKey(
        Sector, on_delete=models.PROTECT, related_name="licence_types", verbose_name=_("sector")
    )
    name_km = models.CharField(_("name (Khmer)"), max_length=255)
    name_en = models.CharField(_("name (English)"), max_length=255)
    description_km = models.TextField(_("description (Khmer)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    who_needs_km = models.TextField(_("who needs it (Khmer)"), blank=True)
    who_needs_en = models.TextField(_("who needs it (English)"), blank=True)
    fee_amount = models.DecimalField(
        _("fee"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("0 for a free service."),
    )
    fee_currency = models.CharField(
        _("fee currency"), max_length=3, choices=Currency.choices, default=Currency.KHR
    )
    processing_days = models.PositiveSmallIntegerField(
        _("processing time (working days)"),
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    validity_months = models.PositiveSmallIntegerField(
        _("validity (months)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(1200)],
        help_text=_("Leave empty when the licence does not expire."),
    )
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Inactive services are hidden and accept no applications.")
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("licence type")
        verbose_name_plural = _("licence types")
        indexes = [
            GinIndex(english_search_vector(), name="licencetype_search_en"),
            # Khmer is written without spaces between words: it is searched by substring and similarity.
            GinIndex(OpClass("name_km", name="gin_trgm_ops"), name="licencetype_name_km_trgm"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(fee_amount__gte=0), name="licencetype_fee_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(processing_days__gte=1), name="licencetype_processing_days_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(validity_months__isnull=True) | models.Q(validity_months__gte=1),
                name="licencetype_validity_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"

    @property
    def name(self) -> str:
        return localized(self.name_km, self.name_en)

    @property
    def description(self) -> str:
        return localized(self.description_km, self.description_en)

    @property
    def who_needs(self) -> str:
        return localized(self.who_needs_km, self.who_needs_en)

    @property
    def is_free(self) -> bool:
        return self.fee_amount == 0

    def clean(self) -> None:
        super().clean()
        if (
            self.department_id
            and self.institution_id
            and self.department.institution_id != self.institution_id
        ):
            raise ValidationError(
                {"department": _("This department belongs to another institution.")}, code="department"
            )
        if self.pk:
            old_code = LicenceType.objects.filter(pk=self.pk).values_list("code", flat=True).first()
            if old_code and old_code != self.code and self._has_published_versions():
                raise ValidationError(
                    {"code": _("The code cannot change once a version of the service has been published.")},
                    code="code_locked",
                )

    def _has_published_versions(self) -> bool:
        return self.form_definitions.exclude(status="DRAFT").exists() or (
            self.workflow_definitions.exclude(status="DRAFT").exists()
        )


class LicenceService(models.Model):
    """A kind of request a licence type accepts (new, renewal, amendment, replacement)."""

    class Kind(models.TextChoices):
        NEW = "NEW", _("New application")
        RENEWAL = "RENEWAL", _("Renewal")
        AMENDMENT = "AMENDMENT", _("Amendment")
        REPLACEMENT = "REPLACEMENT", _("Replacement")

    licence_type = models.ForeignKey(
        LicenceType, on_delete=models.CASCADE, related_name="services", verbose_name=_("licence type")
    )
    code = models.CharField(
        _("code"),
        max_length=50,
        unique=True,
        validators=[CATALOG_CODE_VALIDATOR],
        help_text=_("Stable code starting with the licence type code, e.g. MOC-BR-001-NEW."),
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.NEW)
    name_km = models.CharField(_("name (Khmer)"), max_length=255)
    name_en = models.CharField(_("name (English)"), max_length=255)
    fee_override = models.DecimalField(
        _("fee override"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Leave empty to charge the licence type's fee; the currency is the licence type's."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["licence_type", "sort_order", "code"]
        verbose_name = _("service")
        verbose_name_plural = _("services")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(fee_override__isnull=True) | models.Q(fee_override__gte=0),
                name="licenceservice_fee_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {localized(self.name_km, self.name_en)}"

    @property
    def name(self) -> str:
        return localized(self.name_km, self.name_en)

    @property
    def fee_amount(self) -> Decimal:
        return self.licence_type.fee_amount if self.fee_override is None else self.fee_override

    @property
    def fee_currency(self) -> str:
        return self.licence_type.fee_currency

    def clean(self) -> None:
        super().clean()
        if self.licence_type_id and self.code and not self.code.startswith(f"{self.licence_type.code}-"):
            raise ValidationError(
                {
                    "code": _(
                        "The code must start with the licence type code followed by a hyphen (%(prefix)s)."
                    )
                    % {"prefix": f"{self.licence_type.code}-"}
                },
                code="code_prefix",
            )


class DocumentType(models.Model):
    """A kind of supporting document (national ID, lease, fire-safety certificate…), shared by services."""

    code = models.CharField(_("code"), max_length=40, unique=True, validators=[DOCUMENT_CODE_VALIDATOR])
    name_km = models.CharField(_("name (Khmer)"), max_length=255)
    name_en = models.CharField(_("name (English)"), max_length=255)
    description_km = models.TextField(_("description (Khmer)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("document type")
        verbose_name_plural = _("document types")

    def __str__(self) -> str:
        return f"{self.code} — {localized(self.name_km, self.name_en)}"

    @property
    def name(self) -> str:
        return localized(self.name_km, self.name_en)


def _default_formats() -> list[str]:
    return [MIME_PDF]


class DocumentRequirement(models.Model):
    """A document a licence type asks for, with the formats and size it accepts."""

    licence_type = models.ForeignKey(
        LicenceType,
        on_delete=models.CASCADE,
        related_name="document_requirements",
        verbose_name=_("licence type"),
    )
    document_type = models.ForeignKey(
        DocumentType, on_delete=models.PROTECT, related_name="requirements", verbose_name=_("document type")
    )
    mandatory = models.BooleanField(_("mandatory"), default=True)
    accepted_formats = ChoiceArrayField(
        models.CharField(max_length=40, choices=SAFE_MIME_TYPES),
        verbose_name=_("accepted formats"),
        default=_default_formats,
        help_text=_("Only PDF, JPEG and PNG can be accepted."),
    )
    max_size_mb = models.PositiveSmallIntegerField(
        _("maximum size (MB)"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_DOCUMENT_SIZE_MB)],
    )
    help_km = models.TextField(_("help (Khmer)"), blank=True)
    help_en = models.TextField(_("help (English)"), blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["licence_type", "sort_order", "id"]
        verbose_name = _("document requirement")
        verbose_name_plural = _("document requirements")
        constraints = [
            models.UniqueConstraint(
                fields=["licence_type", "document_type"], name="documentrequirement_unique_per_type"
            ),
            models.CheckConstraint(
                condition=models.Q(max_size_mb__gte=1) & models.Q(max_size_mb__lte=MAX_DOCUMENT_SIZE_MB),
                name="documentrequirement_size_bounds",
            ),
            models.CheckConstraint(
                condition=models.Q(accepted_formats__len__gte=1)
                & models.Q(accepted_formats__contained_by=[value for value, _label in SAFE_MIME_TYPES]),
                name="documentrequirement_safe_formats",
            ),
        ]

    def __str__(self) -> str:
        return str(self.document_type)

    @property
    def help(self) -> str:
        return localized(self.help_km, self.help_en)

    def clean(self) -> None:
        super().clean()
        if not self.accepted_formats:
            raise ValidationError({"accepted_formats": _("Choose at least one format.")}, code="formats")


__all__ = [
    "Currency",
    "DocumentRequirement",
    "DocumentType",
    "LicenceService",
    "LicenceType",
    "Sector",
]

"""Application forms as data: a versioned definition of steps (one question group per page) and fields."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from licensing import prefill
from licensing.models.catalog import LicenceType
from licensing.models.fields import localized
from licensing.models.versioning import (
    DefinitionChild,
    VersionedDefinition,
    version_constraints,
)

KEY_VALIDATOR = RegexValidator(
    r"^[a-z][a-z0-9_]{0,49}$",
    _("Start with a lowercase letter; use only lowercase letters, digits and underscores (at most 50)."),
)


class FormDefinition(VersionedDefinition):
    licence_type = models.ForeignKey(
        LicenceType,
        on_delete=models.PROTECT,
        related_name="form_definitions",
        verbose_name=_("licence type"),
    )

    class Meta:
        ordering = ["licence_type", "-version"]
        verbose_name = _("form definition")
        verbose_name_plural = _("form definitions")
        permissions = [("publish_formdefinition", _("Can publish a form definition"))]
        constraints = version_constraints("formdefinition")

    def __str__(self) -> str:
        return _("%(code)s form v%(version)s (%(status)s)") % {
            "code": self.licence_type.code,
            "version": self.version,
            "status": self.get_status_display(),
        }


class FormStep(DefinitionChild):
    definition_model = FormDefinition

    definition = models.ForeignKey(
        FormDefinition, on_delete=models.CASCADE, related_name="steps", verbose_name=_("form definition")
    )
    key = models.CharField(_("key"), max_length=50, validators=[KEY_VALIDATOR])
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    title_km = models.CharField(_("title (Khmer)"), max_length=255)
    title_en = models.CharField(_("title (English)"), max_length=255)
    description_km = models.TextField(_("description (Khmer)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)

    class Meta:
        ordering = ["definition", "order", "id"]
        verbose_name = _("form step")
        verbose_name_plural = _("form steps")
        constraints = [models.UniqueConstraint(fields=["definition", "key"], name="formstep_key_unique")]

    def __str__(self) -> str:
        return f"{self.order}. {self.title}"

    @property
    def title(self) -> str:
        return localized(self.title_km, self.title_en) or self.key

    @property
    def description(self) -> str:
        return localized(self.description_km, self.description_en)

    def current_definition_id(self) -> int | None:
        return self.definition_id


class FormField(DefinitionChild):
    class FieldType(models.TextChoices):
        TEXT = prefill.TEXT, _("Text (one line)")
        TEXTAREA = prefill.TEXTAREA, _("Text (several lines)")
        NUMBER = prefill.NUMBER, _("Whole number")
        DECIMAL = prefill.DECIMAL, _("Decimal number")
        DATE = prefill.DATE, _("Date")
        EMAIL = prefill.EMAIL, _("Email")
        PHONE = prefill.PHONE, _("Phone")
        CHOICE = prefill.CHOICE, _("Choice (one)")
        MULTICHOICE = prefill.MULTICHOICE, _("Choice (several)")
        BOOLEAN = prefill.BOOLEAN, _("Yes / no")
        GAZETTEER_ADDRESS = prefill.GAZETTEER_ADDRESS, _("Address (gazetteer)")
        ISIC_ACTIVITY = prefill.ISIC_ACTIVITY, _("Business activity (ISIC)")
        FILE = prefill.FILE, _("File upload")

    definition_model = FormDefinition
    definition_lookup = "step__definition_id"

    step = models.ForeignKey(
        FormStep, on_delete=models.CASCADE, related_name="fields", verbose_name=_("step")
    )
    # Copied from the step on save, so that "key unique within a definition" is a database constraint.
    definition = models.ForeignKey(
        FormDefinition,
        on_delete=models.CASCADE,
        related_name="fields",
        editable=False,
        verbose_name=_("form definition"),
    )
    key = models.CharField(
        _("key"),
        max_length=50,
        validators=[KEY_VALIDATOR],
        help_text=_("Unique within the form; the name under which the answer is stored, e.g. trade_name."),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    field_type = models.CharField(_("type"), max_length=20, choices=FieldType.choices)
    label_km = models.CharField(_("label (Khmer)"), max_length=255)
    label_en = models.CharField(_("label (English)"), max_length=255)
    help_km = models.TextField(_("help (Khmer)"), blank=True)
    help_en = models.TextField(_("help (English)"), blank=True)
    required = models.BooleanField(_("required"), default=True)
    validation = models.JSONField(
        _("validation"),
        default=dict,
        blank=True,
        help_text=_(
            "Rules by type: min/max (numbers, dates), min_length/max_length/pattern (text), "
            "choices [{value, label_km, label_en}] (choice fields), document_type (file fields)."
        ),
    )
    prefill_source = models.CharField(
        _("prefill from"),
        max_length=64,
        blank=True,
        choices=prefill.choices,
        help_text=_("Registry attribute that fills this field in advance (once-only principle)."),
    )
    prefill_locked = models.BooleanField(
        _("prefilled value locked"),
        default=False,
        help_text=_(
            "The applicant cannot change a prefilled value (it comes from an authoritative registry)."
        ),
    )

    class Meta:
        ordering = ["definition", "step__order", "step_id", "order", "id"]
        verbose_name = _("form field")
        verbose_name_plural = _("form fields")
        constraints = [models.UniqueConstraint(fields=["definition", "key"], name="formfield_key_unique")]

    def __str__(self) -> str:
        return f"{self.key} — {self.label}"

    @property
    def label(self) -> str:
        return localized(self.label_km, self.label_en)

    @property
    def help(self) -> str:
        return localized(self.help_km, self.help_en)

    @property
    def choices(self) -> list[dict]:
        value = (self.validation or {}).get("choices") if isinstance(self.validation, dict) else None
        return value if isinstance(value, list) else []

    @property
    def document_type_code(self) -> str:
        return (self.validation or {}).get("document_type", "") if isinstance(self.validation, dict) else ""

    def required_document_codes(self) -> set[str] | None:
        """Codes of the documents the licence type requires (None while the field has no step)."""
        from licensing import validation

        definition_id = self.current_definition_id()
        if not definition_id:
            return None
        licence_type_id = (
            FormDefinition._base_manager.filter(pk=definition_id)
            .values_list("licence_type_id", flat=True)
            .first()
        )
        return validation.required_document_codes(licence_type_id)

    def current_definition_id(self) -> int | None:
        if not self.step_id:
            return None
        return FormStep._base_manager.filter(pk=self.step_id).values_list("definition_id", flat=True).first()

    def save(self, *args, **kwargs) -> None:
        definition_id = self.current_definition_id()
        if definition_id is not None:
            self.definition_id = definition_id
        super().save(*args, **kwargs)

    def clean(self) -> None:
        from licensing import validation

        super().clean()
        errors: dict[str, list] = {}
        definition_id = self.current_definition_id()
        if definition_id and self.key:
            clash = FormField._base_manager.filter(definition_id=definition_id, key=self.key).exclude(
                pk=self.pk
            )
            if clash.exists():
                errors.setdefault("key", []).append(
                    _("Another field of this form already uses the key “%(key)s”.") % {"key": self.key}
                )
        # The back-office form checks the rules itself, to show each problem next to its own input.
        if not getattr(self, "_rules_checked_by_form", False):
            for slot, message in validation.field_problems_by_slot(
                self, self.required_document_codes(), check_labels=False
            ):
                key = slot if slot in ("field_type", "prefill_source") else "validation"
                errors.setdefault(key, []).append(message)
        if errors:
            raise ValidationError(errors)

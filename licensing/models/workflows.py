"""Review workflows as data: an ordered list of steps, each naming who acts, what they may do and how fast.

The kinds of actions are code (the review engine in `applications` implements them); which step allows
which action is configuration here.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from licensing.models.catalog import LicenceType
from licensing.models.fields import ChoiceArrayField, localized
from licensing.models.forms import KEY_VALIDATOR
from licensing.models.versioning import (
    DefinitionChild,
    VersionedDefinition,
    version_constraints,
)

MAX_SLA_WORKING_DAYS = 365


class WorkflowAction(models.TextChoices):
    FORWARD = "forward", _("Forward")
    RETURN = "return", _("Return to applicant")
    REJECT = "reject", _("Reject")
    RECOMMEND = "recommend", _("Recommend")
    APPROVE = "approve", _("Approve")
    COMMENT = "comment", _("Comment")


class WorkflowDefinition(VersionedDefinition):
    licence_type = models.ForeignKey(
        LicenceType,
        on_delete=models.PROTECT,
        related_name="workflow_definitions",
        verbose_name=_("licence type"),
    )

    class Meta:
        ordering = ["licence_type", "-version"]
        verbose_name = _("workflow definition")
        verbose_name_plural = _("workflow definitions")
        permissions = [("publish_workflowdefinition", _("Can publish a workflow definition"))]
        constraints = version_constraints("workflowdefinition")

    def __str__(self) -> str:
        return _("%(code)s workflow v%(version)s (%(status)s)") % {
            "code": self.licence_type.code,
            "version": self.version,
            "status": self.get_status_display(),
        }


def _default_actions() -> list[str]:
    return [WorkflowAction.FORWARD, WorkflowAction.RETURN, WorkflowAction.COMMENT]


class WorkflowStep(DefinitionChild):
    definition_model = WorkflowDefinition

    definition = models.ForeignKey(
        WorkflowDefinition,
        on_delete=models.CASCADE,
        related_name="steps",
        verbose_name=_("workflow definition"),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    key = models.CharField(_("key"), max_length=50, validators=[KEY_VALIDATOR])
    name_km = models.CharField(_("name (Khmer)"), max_length=255)
    name_en = models.CharField(_("name (English)"), max_length=255)
    # Nullable in the database so an unfinished draft can be stored; publishing requires it.
    role = models.ForeignKey(
        "accounts.Role",
        on_delete=models.PROTECT,
        null=True,
        related_name="workflow_steps",
        verbose_name=_("role"),
    )
    department = models.ForeignKey(
        "registry.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="workflow_steps",
        verbose_name=_("department"),
        help_text=_("Optional: only officers of this department (of the service's institution) act here."),
    )
    allowed_actions = ChoiceArrayField(
        models.CharField(max_length=20, choices=WorkflowAction.choices),
        verbose_name=_("allowed actions"),
        default=_default_actions,
    )
    sla_working_days = models.PositiveSmallIntegerField(
        _("SLA (working days)"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_SLA_WORKING_DAYS)],
    )

    class Meta:
        ordering = ["definition", "order", "id"]
        verbose_name = _("workflow step")
        verbose_name_plural = _("workflow steps")
        constraints = [models.UniqueConstraint(fields=["definition", "key"], name="workflowstep_key_unique")]

    def __str__(self) -> str:
        return f"{self.order}. {self.name}"

    @property
    def name(self) -> str:
        return localized(self.name_km, self.name_en) or self.key

    def allows(self, action: str) -> bool:
        return action in (self.allowed_actions or [])

    def current_definition_id(self) -> int | None:
        return self.definition_id

    def clean(self) -> None:
        super().clean()
        if self.department_id and self.definition_id:
            institution_id = self.definition.licence_type.institution_id
            if self.department.institution_id != institution_id:
                raise ValidationError(
                    {"department": _("This department does not belong to the service's institution.")}
                )


class ChecklistItem(DefinitionChild):
    definition_model = WorkflowDefinition
    definition_lookup = "step__definition_id"

    step = models.ForeignKey(
        WorkflowStep, on_delete=models.CASCADE, related_name="checklist_items", verbose_name=_("step")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    label_km = models.CharField(_("label (Khmer)"), max_length=500)
    label_en = models.CharField(_("label (English)"), max_length=500)
    mandatory = models.BooleanField(
        _("mandatory"), default=True, help_text=_("The officer must tick it before taking a decision.")
    )

    class Meta:
        ordering = ["step", "order", "id"]
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")

    def __str__(self) -> str:
        return localized(self.label_km, self.label_en)

    @property
    def label(self) -> str:
        return localized(self.label_km, self.label_en)

    def current_definition_id(self) -> int | None:
        if not self.step_id:
            return None
        return (
            WorkflowStep._base_manager.filter(pk=self.step_id).values_list("definition_id", flat=True).first()
        )

from licensing.models.catalog import (
    Currency,
    DocumentRequirement,
    DocumentType,
    LicenceService,
    LicenceType,
    Sector,
)
from licensing.models.forms import FormDefinition, FormField, FormStep
from licensing.models.versioning import DefinitionStatus, ImmutableDefinitionError
from licensing.models.workflows import ChecklistItem, WorkflowAction, WorkflowDefinition, WorkflowStep

__all__ = [
    "ChecklistItem",
    "Currency",
    "DefinitionStatus",
    "DocumentRequirement",
    "DocumentType",
    "FormDefinition",
    "FormField",
    "FormStep",
    "ImmutableDefinitionError",
    "LicenceService",
    "LicenceType",
    "Sector",
    "WorkflowAction",
    "WorkflowDefinition",
    "WorkflowStep",
]

"""Back-office editing of workflow definitions: the review steps of a version (role, department, allowed
actions, SLA) and the checklist of each step."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from unfold.admin import StackedInline, TabularInline
from unfold.decorators import display

from esb.ids import parse_id
from licensing import services
from licensing.admin.definitions import (
    CHECKBOXES,
    DefinitionChildInline,
    DefinitionStepAdmin,
    StackedErrorsMixin,
    VersionedDefinitionAdmin,
)
from licensing.models import ChecklistItem, WorkflowDefinition, WorkflowStep


def _page_object_id(request: HttpRequest) -> int | None:
    """The id of the object whose admin page is being served; None on other pages or for a malformed id."""
    raw = (request.resolver_match.kwargs or {}).get("object_id") if request.resolver_match else None
    return parse_id(str(raw)) if raw else None


class DepartmentsOfTheServiceMixin:
    """A workflow step's department is one of its service's institution: the object of the page (the
    version, or the step) says which. Elsewhere every department is offered."""

    page_model: type
    page_institution_path: str

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        object_id = _page_object_id(request) if db_field.name == "department" else None
        if object_id:
            institution_id = (
                self.page_model.objects.filter(pk=object_id)
                .values_list(self.page_institution_path, flat=True)
                .first()
            )
            if institution_id is not None:
                field.queryset = field.queryset.filter(institution_id=institution_id)
        return field


# What an officer configures on a review step, on the version's page and on the step's own page.
STEP_FIELDS = (
    "order",
    "key",
    "name_km",
    "name_en",
    "role",
    "department",
    "allowed_actions",
    "sla_working_days",
)


class WorkflowStepAdminForm(StackedErrorsMixin, forms.ModelForm):
    class Meta:
        model = WorkflowStep
        fields = STEP_FIELDS


class WorkflowStepInline(DepartmentsOfTheServiceMixin, DefinitionChildInline, StackedInline):
    model = WorkflowStep
    page_model = WorkflowDefinition
    page_institution_path = "licence_type__institution_id"
    form = WorkflowStepAdminForm
    fields = (*STEP_FIELDS, "checklist_link")
    readonly_fields = ("checklist_link",)
    children = (
        "checklist_items",
        _("Save first, then add checklist items."),
        _("Edit %(count)s checklist items"),
        _("View %(count)s checklist items"),
    )

    @display(description=_("checklist"))
    def checklist_link(self, obj: WorkflowStep) -> str:
        return self.children_link(obj)


@admin.register(WorkflowDefinition)
class WorkflowDefinitionAdmin(VersionedDefinitionAdmin):
    kind = services.WORKFLOW
    inlines = (WorkflowStepInline,)


class ChecklistItemInline(DefinitionChildInline, TabularInline):
    model = ChecklistItem
    parent_is_step = True
    fields = ("order", "label_km", "label_en", "mandatory")


@admin.register(WorkflowStep)
class WorkflowStepAdmin(DepartmentsOfTheServiceMixin, DefinitionStepAdmin):
    page_model = WorkflowStep
    page_institution_path = "definition__licence_type__institution_id"
    list_select_related = ("definition__licence_type", "role")
    inlines = (ChecklistItemInline,)
    formfield_overrides = CHECKBOXES
    fields = ("definition_link", *STEP_FIELDS)
    list_display = ("definition", "order", "key", "name_en", "role")

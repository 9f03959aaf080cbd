"""Back-office configuration of the catalog itself: sectors, document types, licence types with their
services and required documents, and the "new form / workflow draft" actions of a licence type."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import OuterRef, Subquery
from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from unfold.admin import TabularInline
from unfold.decorators import action, display

from accounts.admin_scoping import ScopedAdminMixin
from esb.admin import AuditedModelAdmin
from licensing import services
from licensing.admin.definitions import CHECKBOXES, change_url, draft_flow, get_or_404
from licensing.models import (
    DefinitionStatus,
    DocumentRequirement,
    DocumentType,
    FormDefinition,
    FormField,
    LicenceService,
    LicenceType,
    Sector,
    WorkflowDefinition,
)


@admin.register(Sector)
class SectorAdmin(AuditedModelAdmin):
    list_display = ("code", "name_km", "name_en", "sort_order")
    search_fields = ("code", "name_km", "name_en")
    ordering = ("sort_order", "code")


@admin.register(DocumentType)
class DocumentTypeAdmin(AuditedModelAdmin):
    list_display = ("code", "name_km", "name_en")
    search_fields = ("code", "name_km", "name_en")


class LicenceServiceInline(TabularInline):
    model = LicenceService
    extra = 0
    fields = ("code", "kind", "name_km", "name_en", "fee_override", "is_active", "sort_order")
    ordering_field = "sort_order"
    hide_ordering_field = True
    tab = True


class DocumentRequirementFormSet(forms.BaseInlineFormSet):
    """A document collected by the live (published) form cannot be dropped from the requirements: the form
    would ask for a document the service no longer defines. Publish a form without that field first."""

    def clean(self) -> None:
        super().clean()
        if self.instance.pk is None:
            return
        live = FormDefinition.objects.filter(
            licence_type=self.instance, status=DefinitionStatus.PUBLISHED
        ).first()
        if live is None:
            return
        collected = {
            (f.validation or {}).get("document_type")
            for f in FormField.objects.filter(definition=live, field_type=FormField.FieldType.FILE)
            if isinstance(f.validation, dict)
        }
        for form in self.initial_forms:
            original = form.instance.document_type.code if form.instance.document_type_id else None
            removed = form.cleaned_data.get("DELETE") or (
                form.cleaned_data.get("document_type") and form.cleaned_data["document_type"].code != original
            )
            if removed and original in collected:
                raise ValidationError(
                    _(
                        "The document “%(code)s” is collected by the published form (version %(version)s). "
                        "Publish a form version without that file field first."
                    )
                    % {"code": original, "version": live.version}
                )


class DocumentRequirementInline(TabularInline):
    model = DocumentRequirement
    formset = DocumentRequirementFormSet
    extra = 0
    fields = (
        "document_type",
        "mandatory",
        "accepted_formats",
        "max_size_mb",
        "help_km",
        "help_en",
        "sort_order",
    )
    formfield_overrides = CHECKBOXES
    ordering_field = "sort_order"
    hide_ordering_field = True
    tab = True


@admin.register(LicenceType)
class LicenceTypeAdmin(ScopedAdminMixin, AuditedModelAdmin):
    scope_institution_path = "institution"
    list_display = (
        "code",
        "name_en",
        "name_km",
        "institution",
        "sector",
        "fee_display",
        "is_active",
        "published_versions",
    )
    list_filter = ("institution", "sector", "is_active", "fee_currency")
    search_fields = ("code", "name_km", "name_en")
    list_select_related = ("institution", "sector")
    inlines = (LicenceServiceInline, DocumentRequirementInline)
    readonly_fields = ("versions", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("code", "institution", "department", "sector", "is_active", "sort_order")}),
        (
            _("Description"),
            {
                "fields": (
                    "name_km",
                    "name_en",
                    "description_km",
                    "description_en",
                    "who_needs_km",
                    "who_needs_en",
                )
            },
        ),
        (
            _("Fee and timing"),
            {"fields": ("fee_amount", "fee_currency", "processing_days", "validity_months")},
        ),
        (_("Form and workflow versions"), {"fields": ("versions", "created_at", "updated_at")}),
    )
    actions_detail = ("new_form_draft", "new_workflow_draft")

    @display(description=_("fee"), ordering="fee_amount")
    def fee_display(self, obj: LicenceType) -> str:
        return gettext("Free") if obj.is_free else f"{obj.fee_amount:,.2f} {obj.fee_currency}"

    def get_queryset(self, request: HttpRequest):
        def published(model):
            return Subquery(
                model.objects.filter(licence_type=OuterRef("pk"), status=DefinitionStatus.PUBLISHED).values(
                    "version"
                )[:1]
            )

        return (
            super()
            .get_queryset(request)
            .annotate(
                published_form_version=published(FormDefinition),
                published_workflow_version=published(WorkflowDefinition),
            )
        )

    @display(description=_("published"))
    def published_versions(self, obj: LicenceType) -> str:
        form, workflow = obj.published_form_version, obj.published_workflow_version
        return " · ".join(
            f"{label} v{version}" if version else f"{label} —"
            for label, version in ((gettext("form"), form), (gettext("workflow"), workflow))
        )

    @display(description=_("versions"))
    def versions(self, obj: LicenceType) -> str:
        if not obj.pk:
            return "—"
        rows = [
            (change_url(d), d)
            for model in (FormDefinition, WorkflowDefinition)
            for d in model.objects.filter(licence_type=obj)
            .select_related("licence_type")
            .order_by("-version")
        ]
        if not rows:
            return gettext("No versions yet: use “New form draft” and “New workflow draft” above.")
        return format_html("<ul>{}</ul>", format_html_join("", '<li><a href="{}">{}</a></li>', rows))

    def has_new_draft_permission(self, request: HttpRequest, object_id=None) -> bool:
        return request.user.has_perm("licensing.add_formdefinition") or request.user.has_perm(
            "licensing.add_workflowdefinition"
        )

    @action(description=_("New form draft"), url_path="new-form-draft", permissions=["new_draft"])
    def new_form_draft(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return self._new_draft(request, object_id, services.FORM)

    @action(description=_("New workflow draft"), url_path="new-workflow-draft", permissions=["new_draft"])
    def new_workflow_draft(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return self._new_draft(request, object_id, services.WORKFLOW)

    def _new_draft(self, request: HttpRequest, object_id: str, kind: services.DefinitionKind) -> HttpResponse:
        licence_type = get_or_404(LicenceType.objects.all(), object_id)
        model = FormDefinition if kind == services.FORM else WorkflowDefinition
        if not request.user.has_perm(f"licensing.add_{model._meta.model_name}"):
            raise PermissionDenied
        return draft_flow(self, request, licence_type, kind, copy_from=None, back=change_url(licence_type))

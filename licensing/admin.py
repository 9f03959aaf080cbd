"""Back-office configuration of the service catalog: services, documents, forms and workflows.

Forms and workflows are edited as versions. A draft is edited freely (steps inline on the definition, the
fields of a form step and the checklist of a workflow step on the step's own page); a published or retired
version is shown read-only everywhere. "Publish" and "New draft version" go through `licensing.services`,
which validate, retire the previous version and write the audit trail.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from unfold.admin import StackedInline, TabularInline
from unfold.decorators import action, display
from unfold.widgets import (
    UnfoldAdminCheckboxSelectMultipleWidget,
    UnfoldAdminIntegerFieldWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminTextareaWidget,
    UnfoldAdminTextInputWidget,
)

from accounts.admin_scoping import ScopedAdminMixin
from esb.admin import AuditedModelAdmin
from esb.ids import parse_id
from licensing import services, validation
from licensing.models import (
    ChecklistItem,
    DefinitionStatus,
    DocumentRequirement,
    DocumentType,
    FormDefinition,
    FormField,
    FormStep,
    LicenceService,
    LicenceType,
    Sector,
    WorkflowDefinition,
    WorkflowStep,
)
from licensing.models.fields import ChoiceArrayField

_CHECKBOXES = {ChoiceArrayField: {"widget": UnfoldAdminCheckboxSelectMultipleWidget}}
_STATUS_LABELS = {
    DefinitionStatus.DRAFT: "warning",
    DefinitionStatus.PUBLISHED: "success",
    DefinitionStatus.RETIRED: "info",
}


def _is_draft(definition) -> bool:
    return definition is None or definition.stored_status() == DefinitionStatus.DRAFT


def _get_or_404(queryset, object_id):
    """The row for a URL's object id; a malformed id is a 404, not a 500."""
    pk = parse_id(str(object_id))
    obj = queryset.filter(pk=pk).first() if pk is not None else None
    if obj is None:
        raise Http404
    return obj


def _change_url(obj) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


# ---------------------------------------------------------------------------------------------------------
# Catalog
# ---------------------------------------------------------------------------------------------------------


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
    formfield_overrides = _CHECKBOXES
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
            (_change_url(d), d)
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
        licence_type = _get_or_404(LicenceType.objects.all(), object_id)
        model = FormDefinition if kind == services.FORM else WorkflowDefinition
        if not request.user.has_perm(f"licensing.add_{model._meta.model_name}"):
            raise PermissionDenied
        return _draft_flow(self, request, licence_type, kind, copy_from=None, back=_change_url(licence_type))


# ---------------------------------------------------------------------------------------------------------
# Versioned definitions: shared behaviour
# ---------------------------------------------------------------------------------------------------------


def _confirm_page(model_admin, request, *, title, question, confirm_label, cancel_url, problems=()):
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": title,
        "question": question,
        "confirm_label": confirm_label,
        "cancel_url": cancel_url,
        "problems": list(problems),
    }
    return TemplateResponse(request, "admin/licensing/confirm_action.html", context)


def _draft_flow(model_admin, request, licence_type, kind, *, copy_from, back) -> HttpResponse:
    """GET asks for confirmation; POST creates the draft and opens it."""
    if request.method != "POST":
        source = copy_from or services.latest_version(licence_type, kind)
        question = (
            gettext("Create a new draft of the %(kind)s of %(service)s, copied from version %(version)s?")
            % {"kind": services.kind_label(kind), "service": licence_type, "version": source.version}
            if source
            else gettext("Create the first, empty draft of the %(kind)s of %(service)s?")
            % {"kind": services.kind_label(kind), "service": licence_type}
        )
        return _confirm_page(
            model_admin,
            request,
            title=gettext("New draft version"),
            question=question,
            confirm_label=gettext("Create draft"),
            cancel_url=back,
        )
    try:
        draft = services.create_draft_version(licence_type, kind, request.user, copy_from=copy_from)
    except services.DefinitionInvalid as exc:
        for message in exc.messages:
            messages.error(request, message)
        return HttpResponseRedirect(back)
    messages.success(
        request,
        gettext("Draft version %(version)s created: edit it, then publish it.") % {"version": draft.version},
    )
    return HttpResponseRedirect(_change_url(draft))


class DefinitionChildInlineMixin:
    """Inline rows of a definition (or of a step) are editable only while the version is a draft."""

    formfield_overrides = _CHECKBOXES

    def _definition_of(self, obj):
        return obj

    def has_add_permission(self, request, obj=None) -> bool:
        return super().has_add_permission(request, obj) and _is_draft(self._definition_of(obj))

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and _is_draft(self._definition_of(obj))

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and _is_draft(self._definition_of(obj))


class VersionedDefinitionAdmin(ScopedAdminMixin, AuditedModelAdmin):
    """Common admin of FormDefinition and WorkflowDefinition."""

    scope_institution_path = "licence_type__institution"

    kind: services.DefinitionKind
    list_display = ("licence_type", "version", "status_badge", "published_at", "published_by", "created_from")
    list_filter = ("status", "licence_type__institution", "licence_type__sector")
    search_fields = ("licence_type__code", "licence_type__name_km", "licence_type__name_en")
    list_select_related = ("licence_type", "published_by", "created_from")
    ordering = ("licence_type__code", "-version")
    fields = (
        "licence_type",
        "version",
        "status",
        "publication_check",
        "notes",
        "created_from",
        "created_at",
        "published_at",
        "published_by",
        "retired_at",
    )
    readonly_fields = (
        "licence_type",
        "version",
        "status",
        "publication_check",
        "created_from",
        "created_at",
        "published_at",
        "published_by",
        "retired_at",
    )
    actions = ("publish_selected", "new_draft_from_selected")
    actions_detail = ("publish_detail", "new_draft_detail")

    @display(description=_("status"), ordering="status", label=_STATUS_LABELS)
    def status_badge(self, obj) -> str:
        return obj.status

    @display(description=_("publication check"))
    def publication_check(self, obj) -> str:
        if obj is None or not obj.pk or obj.status != DefinitionStatus.DRAFT:
            return "—"
        problems = services.validate_definition(obj)
        if not problems:
            return gettext("Ready to publish.")
        return format_html(
            "<ul class='list-disc ml-5'>{}</ul>",
            format_html_join("", "<li>{}</li>", ((p,) for p in problems)),
        )

    # Versions are created by "New draft version" (a copy of the latest), never from a blank add form.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return super().has_change_permission(request, obj) and (obj is None or _is_draft(obj))

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and (obj is None or _is_draft(obj))

    def has_publish_permission(self, request: HttpRequest, object_id=None) -> bool:
        if not request.user.has_perm(f"licensing.publish_{self.model._meta.model_name}"):
            return False
        if object_id is None:
            return True
        pk = parse_id(str(object_id))
        if pk is None:
            return False
        return self.model.objects.filter(pk=pk, status=DefinitionStatus.DRAFT).exists()

    def has_new_draft_permission(self, request: HttpRequest, object_id=None) -> bool:
        return request.user.has_perm(f"licensing.add_{self.model._meta.model_name}")

    # Bulk actions on the changelist ----------------------------------------------------------------

    @admin.action(description=_("Publish the selected drafts"), permissions=["publish"])
    def publish_selected(self, request: HttpRequest, queryset) -> None:
        for definition in queryset.select_related("licence_type").order_by("licence_type__code", "version"):
            self._publish_one(request, definition)

    @admin.action(description=_("New draft version from the selected versions"), permissions=["new_draft"])
    def new_draft_from_selected(self, request: HttpRequest, queryset) -> None:
        for definition in queryset.select_related("licence_type"):
            try:
                draft = services.create_draft_version(
                    definition.licence_type, self.kind, request.user, copy_from=definition
                )
            except services.DefinitionInvalid as exc:
                for message in exc.messages:
                    messages.error(request, f"{definition}: {message}")
            else:
                messages.success(
                    request,
                    gettext("%(definition)s: draft version %(version)s created.")
                    % {"definition": definition, "version": draft.version},
                )

    def _publish_one(self, request: HttpRequest, definition) -> bool:
        try:
            services.publish(definition, request.user)
        except services.DefinitionInvalid as exc:
            messages.error(
                request,
                gettext("%(definition)s was not published:") % {"definition": definition},
            )
            for message in exc.messages:
                messages.error(request, message)
            return False
        definition.refresh_from_db()
        messages.success(request, gettext("%(definition)s is published.") % {"definition": definition})
        return True

    # Buttons on the change page (GET: confirm, POST: do) ------------------------------------------------

    @action(description=_("Publish"), url_path="publish", permissions=["publish"], icon="publish")
    def publish_detail(self, request: HttpRequest, object_id: str) -> HttpResponse:
        definition = _get_or_404(self.model.objects.select_related("licence_type"), object_id)
        back = _change_url(definition)
        if request.method != "POST":
            return _confirm_page(
                self,
                request,
                title=gettext("Publish %(definition)s") % {"definition": definition},
                question=gettext(
                    "Once published, this version cannot be changed; the currently published version "
                    "(if any) is retired and new applications use this one. Publish?"
                ),
                confirm_label=gettext("Publish"),
                cancel_url=back,
                problems=services.validate_definition(definition),
            )
        self._publish_one(request, definition)
        return HttpResponseRedirect(back)

    @action(
        description=_("New draft version"),
        url_path="new-draft",
        permissions=["new_draft"],
        icon="content_copy",
    )
    def new_draft_detail(self, request: HttpRequest, object_id: str) -> HttpResponse:
        definition = _get_or_404(self.model.objects.select_related("licence_type"), object_id)
        return _draft_flow(
            self,
            request,
            definition.licence_type,
            self.kind,
            copy_from=definition,
            back=_change_url(definition),
        )


class DefinitionStepAdmin(ScopedAdminMixin, AuditedModelAdmin):
    """The page of one step (its fields or its checklist). Reached from the definition, not from the menu."""

    scope_institution_path = "definition__licence_type__institution"

    readonly_fields = ("definition_link",)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name.startswith("description_"):
            kwargs["widget"] = UnfoldAdminTextareaWidget(attrs={"rows": 3})
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_model_perms(self, request: HttpRequest) -> dict:
        return {}  # hidden from the index and menus; steps are reached through their definition

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        # Whoever may see a definition may see its steps (the links on the definition lead here).
        definition_model = self.model.definition_model._meta.model_name
        return super().has_view_permission(request, obj) or request.user.has_perm(
            f"licensing.view_{definition_model}"
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # steps are added on the definition page

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return super().has_change_permission(request, obj) and (obj is None or _is_draft(obj.definition))

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and (obj is None or _is_draft(obj.definition))

    @display(description=_("version"))
    def definition_link(self, obj) -> str:
        return format_html('<a href="{}">{}</a>', _change_url(obj.definition), obj.definition)

    def response_change(self, request: HttpRequest, obj) -> HttpResponse:
        if "_continue" in request.POST or "_addanother" in request.POST:
            return super().response_change(request, obj)
        messages.success(request, gettext("“%(step)s” saved.") % {"step": obj})
        return HttpResponseRedirect(_change_url(obj.definition))

    def response_delete(self, request: HttpRequest, obj_display, obj_id) -> HttpResponse:
        definition_id = getattr(self, "_deleted_definition_id", None)
        if definition_id:
            url = reverse(
                f"admin:licensing_{self.model.definition_model._meta.model_name}_change", args=[definition_id]
            )
            return HttpResponseRedirect(url)
        return super().response_delete(request, obj_display, obj_id)

    def delete_model(self, request: HttpRequest, obj) -> None:
        self._deleted_definition_id = obj.definition_id
        super().delete_model(request, obj)


# ---------------------------------------------------------------------------------------------------------
# Forms
# ---------------------------------------------------------------------------------------------------------


class FormStepInline(DefinitionChildInlineMixin, TabularInline):
    model = FormStep
    extra = 0
    fields = ("order", "key", "title_km", "title_en", "fields_link")
    readonly_fields = ("fields_link",)
    ordering_field = "order"
    hide_ordering_field = True
    show_change_link = True

    @display(description=_("fields"))
    def fields_link(self, obj: FormStep) -> str:
        if not obj.pk:
            return gettext("Save first, then add fields.")
        count = obj.fields.count()
        label = (
            gettext("Edit %(count)s fields")
            if _is_draft(obj.definition)
            else gettext("View %(count)s fields")
        )
        return format_html('<a href="{}">{}</a>', _change_url(obj), label % {"count": count})


@admin.register(FormDefinition)
class FormDefinitionAdmin(VersionedDefinitionAdmin):
    kind = services.FORM
    inlines = (FormStepInline,)
    fields = (*VersionedDefinitionAdmin.fields, "outline")
    readonly_fields = (*VersionedDefinitionAdmin.readonly_fields, "outline")

    @display(description=_("outline"))
    def outline(self, obj: FormDefinition) -> str:
        if not obj.pk:
            return "—"
        steps = obj.steps.order_by("order", "id").prefetch_related("fields")
        items = []
        for step in steps:
            fields = format_html_join(
                "",
                "<li><code>{}</code> · {} · {}{}{}</li>",
                (
                    (
                        f.key,
                        f.get_field_type_display(),
                        f.label,
                        " *" if f.required else "",
                        f" ← {f.prefill_source}" if f.prefill_source else "",
                    )
                    for f in sorted(step.fields.all(), key=lambda f: (f.order, f.id))
                ),
            )
            items.append(format_html("<li><strong>{}</strong><ul class='ml-5'>{}</ul></li>", step, fields))
        if not items:
            return gettext("No steps yet.")
        return format_html("<ol>{}</ol>", format_html_join("", "{}", ((i,) for i in items)))


class StackedErrorsMixin:
    """Stacked inlines of the theme show errors under inputs but not a row's non-field errors (e.g. a
    unique-key clash), so those are moved under the `key` input where they are seen."""

    def _post_clean(self) -> None:
        super()._post_clean()
        stray = self._errors.pop(NON_FIELD_ERRORS, None) if self._errors else None
        if stray:
            self._errors.setdefault("key", self.error_class()).extend(stray)


class WorkflowStepAdminForm(StackedErrorsMixin, forms.ModelForm):
    class Meta:
        model = WorkflowStep
        fields = (
            "order",
            "key",
            "name_km",
            "name_en",
            "role",
            "department",
            "allowed_actions",
            "sla_working_days",
        )


class FormFieldAdminForm(StackedErrorsMixin, forms.ModelForm):
    """Edits the JSON `validation` of a field through plain inputs, one per rule."""

    rule_min = forms.CharField(
        label=_("Minimum"),
        required=False,
        widget=UnfoldAdminTextInputWidget,
        help_text=_("Numbers: the smallest value. Dates: YYYY-MM-DD or “today”."),
    )
    rule_max = forms.CharField(
        label=_("Maximum"),
        required=False,
        widget=UnfoldAdminTextInputWidget,
        help_text=_("Numbers: the largest value. Dates: YYYY-MM-DD or “today”."),
    )
    rule_min_length = forms.IntegerField(
        label=_("Minimum length"), required=False, min_value=0, widget=UnfoldAdminIntegerFieldWidget
    )
    rule_max_length = forms.IntegerField(
        label=_("Maximum length"), required=False, min_value=1, widget=UnfoldAdminIntegerFieldWidget
    )
    rule_pattern = forms.CharField(
        label=_("Pattern"),
        required=False,
        max_length=validation.MAX_PATTERN_LENGTH,
        widget=UnfoldAdminTextInputWidget,
        help_text=_("Regular expression the whole answer must match, e.g. ^[0-9]{9}$."),
    )
    rule_choices = forms.CharField(
        label=_("Choices"),
        required=False,
        widget=UnfoldAdminTextareaWidget(attrs={"rows": 4}),
        help_text=_("Choice fields: one per line, “value | Khmer label | English label”."),
    )
    rule_document_type = forms.ModelChoiceField(
        label=_("Document type"),
        queryset=DocumentType.objects.all(),
        to_field_name="code",
        required=False,
        widget=UnfoldAdminSelectWidget,
        help_text=_("File fields: the document collected (it must be one the licence type requires)."),
    )

    class Meta:
        model = FormField
        widgets = {
            "help_km": UnfoldAdminTextareaWidget(attrs={"rows": 2}),
            "help_en": UnfoldAdminTextareaWidget(attrs={"rows": 2}),
        }
        fields = (
            "order",
            "key",
            "field_type",
            "label_km",
            "label_en",
            "help_km",
            "help_en",
            "required",
            "prefill_source",
            "prefill_locked",
        )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        rules = self.instance.validation if isinstance(self.instance.validation, dict) else {}
        for name in ("min", "max", "min_length", "max_length", "pattern"):
            if name in rules:
                self.fields[f"rule_{name}"].initial = rules[name]
        if rules.get("choices"):
            self.fields["rule_choices"].initial = "\n".join(
                " | ".join(str(c.get(k, "")) for k in ("value", "label_km", "label_en"))
                for c in rules["choices"]
                if isinstance(c, dict)
            )
        if rules.get("document_type"):
            self.fields["rule_document_type"].initial = rules["document_type"]

    def clean(self) -> dict:
        cleaned = super().clean()
        field_type = cleaned.get("field_type")
        rules: dict = {}
        for name in ("min", "max"):
            raw = (cleaned.get(f"rule_{name}") or "").strip()
            if not raw:
                continue
            try:
                rules[name] = self._parse_bound(raw, field_type)
            except ValidationError as exc:
                self.add_error(f"rule_{name}", exc)
        for name in ("min_length", "max_length"):
            if cleaned.get(f"rule_{name}") is not None:
                rules[name] = cleaned[f"rule_{name}"]
        if cleaned.get("rule_pattern"):
            rules["pattern"] = cleaned["rule_pattern"]
        if (cleaned.get("rule_choices") or "").strip():
            try:
                rules["choices"] = self._parse_choices(cleaned["rule_choices"])
            except ValidationError as exc:
                self.add_error("rule_choices", exc)
        if cleaned.get("rule_document_type"):
            rules["document_type"] = cleaned["rule_document_type"].code
        self.instance.validation = rules
        self._check_rules(cleaned, rules)
        return cleaned

    def _check_rules(self, cleaned: dict, rules: dict) -> None:
        """Run the publication checks of this one field now, each problem shown under its own input."""
        if self.errors.get("field_type"):
            return
        probe = FormField(
            step_id=self.instance.step_id,
            field_type=cleaned.get("field_type") or "",
            validation=rules,
            prefill_source=cleaned.get("prefill_source") or "",
            prefill_locked=bool(cleaned.get("prefill_locked")),
        )
        for slot, message in validation.field_problems_by_slot(
            probe, probe.required_document_codes(), check_labels=False
        ):
            target = slot if slot in ("field_type", "prefill_source") else f"rule_{slot}"
            self.add_error(target if target in self.fields else "field_type", message)
        # Already checked here; the model's own clean() would otherwise repeat these messages.
        self.instance._rules_checked_by_form = True

    @staticmethod
    def _parse_bound(raw: str, field_type: str | None):
        if field_type == FormField.FieldType.NUMBER:
            try:
                return int(raw)
            except ValueError:
                raise ValidationError(_("Enter a whole number.")) from None
        if field_type == FormField.FieldType.DECIMAL:
            try:
                value = float(raw)
            except ValueError:
                raise ValidationError(_("Enter a number.")) from None
            if value != value or value in (float("inf"), float("-inf")):
                raise ValidationError(_("Enter a number."))
            return value
        return raw  # dates (checked by the model) or a rule that does not apply (reported by the model)

    @staticmethod
    def _parse_choices(text: str) -> list[dict]:
        choices = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split("|")]
            if len(parts) != 3:
                raise ValidationError(
                    _("Line %(number)s: write “value | Khmer label | English label”.") % {"number": number}
                )
            choices.append({"value": parts[0], "label_km": parts[1], "label_en": parts[2]})
        return choices


# What a form field's page shows in both modes; the validation part differs (inputs vs stored rules).
_FIELD_FIELDSETS_COMMON = (
    (
        None,
        {"fields": ("order", "key", "field_type", "required", "label_km", "label_en", "help_km", "help_en")},
    ),
    (_("Prefill"), {"fields": ("prefill_source", "prefill_locked")}),
)


class FormFieldFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        seen: set[str] = set()
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or form.cleaned_data.get("DELETE"):
                continue
            key = form.cleaned_data.get("key")
            if key and key in seen:
                form.add_error(
                    "key", _("Another field of this form already uses the key “%(key)s”.") % {"key": key}
                )
            seen.add(key)


class FormFieldInline(DefinitionChildInlineMixin, StackedInline):
    model = FormField
    form = FormFieldAdminForm
    formset = FormFieldFormSet
    extra = 0
    collapsible = True  # one line per field until opened; a field with errors opens by itself
    ordering_field = "order"
    hide_ordering_field = True
    fieldsets = (
        *_FIELD_FIELDSETS_COMMON,
        (
            _("Validation"),
            {
                "fields": (
                    "rule_min",
                    "rule_max",
                    "rule_min_length",
                    "rule_max_length",
                    "rule_pattern",
                    "rule_choices",
                    "rule_document_type",
                )
            },
        ),
    )

    def _definition_of(self, obj):
        return obj.definition if obj is not None else None

    def get_fieldsets(self, request, obj=None):
        if _is_draft(self._definition_of(obj)):
            return self.fieldsets
        # Read-only view: the helper inputs do not exist, show the stored rules instead.
        return (
            *_FIELD_FIELDSETS_COMMON,
            (_("Validation"), {"fields": ("validation",)}),
        )


@admin.register(FormStep)
class FormStepAdmin(DefinitionStepAdmin):
    list_select_related = ("definition__licence_type",)
    inlines = (FormFieldInline,)
    fields = ("definition_link", "order", "key", "title_km", "title_en", "description_km", "description_en")
    list_display = ("definition", "order", "key", "title_en")


# ---------------------------------------------------------------------------------------------------------
# Workflows
# ---------------------------------------------------------------------------------------------------------


class WorkflowStepInline(DefinitionChildInlineMixin, StackedInline):
    model = WorkflowStep
    form = WorkflowStepAdminForm
    extra = 0
    fields = (
        "order",
        "key",
        "name_km",
        "name_en",
        "role",
        "department",
        "allowed_actions",
        "sla_working_days",
        "checklist_link",
    )
    readonly_fields = ("checklist_link",)
    ordering_field = "order"
    hide_ordering_field = True

    @display(description=_("checklist"))
    def checklist_link(self, obj: WorkflowStep) -> str:
        if not obj.pk:
            return gettext("Save first, then add checklist items.")
        count = obj.checklist_items.count()
        label = (
            gettext("Edit %(count)s checklist items")
            if _is_draft(obj.definition)
            else gettext("View %(count)s checklist items")
        )
        return format_html('<a href="{}">{}</a>', _change_url(obj), label % {"count": count})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "department":
            # Offer only the departments of the service's institution.
            definition_id = (
                (request.resolver_match.kwargs or {}).get("object_id") if request.resolver_match else None
            )
            institution_id = (
                WorkflowDefinition.objects.filter(pk=definition_id)
                .values_list("licence_type__institution_id", flat=True)
                .first()
                if parse_id(str(definition_id or "")) is not None
                else None
            )
            field = super().formfield_for_foreignkey(db_field, request, **kwargs)
            if institution_id is not None:
                field.queryset = field.queryset.filter(institution_id=institution_id)
            return field
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(WorkflowDefinition)
class WorkflowDefinitionAdmin(VersionedDefinitionAdmin):
    kind = services.WORKFLOW
    inlines = (WorkflowStepInline,)


class ChecklistItemInline(DefinitionChildInlineMixin, TabularInline):
    model = ChecklistItem
    extra = 0
    fields = ("order", "label_km", "label_en", "mandatory")
    ordering_field = "order"
    hide_ordering_field = True

    def _definition_of(self, obj):
        return obj.definition if obj is not None else None


@admin.register(WorkflowStep)
class WorkflowStepAdmin(DefinitionStepAdmin):
    list_select_related = ("definition__licence_type", "role")
    inlines = (ChecklistItemInline,)
    formfield_overrides = _CHECKBOXES
    fields = (
        "definition_link",
        "order",
        "key",
        "name_km",
        "name_en",
        "role",
        "department",
        "allowed_actions",
        "sla_working_days",
    )
    list_display = ("definition", "order", "key", "name_en", "role")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "department" and request.resolver_match:
            object_id = (request.resolver_match.kwargs or {}).get("object_id")
            step = (
                WorkflowStep.objects.filter(pk=object_id).select_related("definition__licence_type").first()
                if parse_id(str(object_id or "")) is not None
                else None
            )
            if step is not None:
                field.queryset = field.queryset.filter(
                    institution_id=step.definition.licence_type.institution_id
                )
        return field

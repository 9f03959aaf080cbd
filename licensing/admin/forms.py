"""Back-office editing of form definitions: the steps of a version, the fields of a step (their JSON
validation rules edited through plain inputs) and the outline of a version."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from unfold.admin import StackedInline, TabularInline
from unfold.decorators import display
from unfold.widgets import (
    UnfoldAdminIntegerFieldWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminTextareaWidget,
    UnfoldAdminTextInputWidget,
)

from licensing import services, validation
from licensing.admin.definitions import (
    DefinitionChildInline,
    DefinitionStepAdmin,
    StackedErrorsMixin,
    VersionedDefinitionAdmin,
    is_draft,
)
from licensing.models import DocumentType, FormDefinition, FormField, FormStep


class FormStepInline(DefinitionChildInline, TabularInline):
    model = FormStep
    fields = ("order", "key", "title_km", "title_en", "fields_link")
    readonly_fields = ("fields_link",)
    show_change_link = True
    children = (
        "fields",
        _("Save first, then add fields."),
        _("Edit %(count)s fields"),
        _("View %(count)s fields"),
    )

    @display(description=_("fields"))
    def fields_link(self, obj: FormStep) -> str:
        return self.children_link(obj)


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


class FormFieldInline(DefinitionChildInline, StackedInline):
    model = FormField
    form = FormFieldAdminForm
    formset = FormFieldFormSet
    parent_is_step = True
    collapsible = True  # one line per field until opened; a field with errors opens by itself
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

    def get_fieldsets(self, request, obj=None):
        if is_draft(self._definition_of(obj)):
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

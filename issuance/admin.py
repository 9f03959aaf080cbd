"""Back-office: the licence document's template per licence type (HTML, CSS, conditions, emblem), edited by
the institution's service administrators for their own licence types only, checked before it is saved (a
template that does not compile or render is refused with the reason), and previewed as a PDF on a sample
licence. The template without a licence type is the portal's default: national administrators only."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from unfold.decorators import action

from accounts.admin_scoping import ScopedAdminMixin
from accounts.selectors import officer_scope
from esb.admin import AuditedModelAdmin
from issuance import rendering
from issuance.models import LicenceTemplate


class LicenceTemplateForm(forms.ModelForm):
    class Meta:
        model = LicenceTemplate
        fields = ["licence_type", "html", "css", "conditions_km", "conditions_en", "emblem"]
        widgets = {
            "html": forms.Textarea(attrs={"rows": 24, "spellcheck": "false", "class": "font-mono"}),
            "css": forms.Textarea(attrs={"rows": 12, "spellcheck": "false", "class": "font-mono"}),
        }

    def __init__(self, *args, national: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.national = national
        if not national and "licence_type" in self.fields:
            self.fields["licence_type"].required = True

    def clean_emblem(self):
        emblem = self.cleaned_data.get("emblem")
        if emblem and getattr(emblem, "size", 0) > rendering.MAX_EMBLEM_BYTES:
            raise forms.ValidationError(_("The emblem is larger than 1 MB."))
        return emblem

    def clean(self):
        cleaned = super().clean()
        if not self.national and not cleaned.get("licence_type"):
            self.add_error("licence_type", _("Choose the licence type this template is for."))
        html = cleaned.get("html")
        if html:
            probe = LicenceTemplate(
                licence_type=cleaned.get("licence_type"),
                html=html,
                conditions_km=cleaned.get("conditions_km", ""),
                conditions_en=cleaned.get("conditions_en", ""),
            )
            try:
                rendering.check_renders(html, probe)
            except rendering.TemplateRefused as refused:
                self.add_error("html", str(refused))
        return cleaned


@admin.register(LicenceTemplate)
class LicenceTemplateAdmin(ScopedAdminMixin, AuditedModelAdmin):
    scope_institution_path = "licence_type__institution"
    form = LicenceTemplateForm
    list_display = ("__str__", "updated_at", "updated_by")
    list_select_related = ("licence_type", "updated_by")
    search_fields = ("licence_type__code", "licence_type__name_en", "licence_type__name_km")
    readonly_fields = ("updated_at", "updated_by")
    actions_detail = ("preview_pdf",)
    # The HTML and CSS are long: the audit trail records that they changed, not two copies of them.
    audit_exclude = ("html", "css")

    def get_form(self, request: HttpRequest, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        national = officer_scope(request.user).is_national

        class ScopedForm(form_class):
            def __init__(self, *args, **inner) -> None:
                super().__init__(*args, national=national, **inner)

        return ScopedForm

    def save_model(self, request: HttpRequest, obj: LicenceTemplate, form, change: bool) -> None:
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)

    @action(description=_("Preview PDF"), url_path="preview-pdf", icon="picture_as_pdf")
    def preview_pdf(self, request: HttpRequest, object_id: str) -> HttpResponse:
        template = self.get_queryset(request).select_related("licence_type__institution").filter(pk=object_id)
        template = template.first()
        if template is None:
            raise Http404
        try:
            document = rendering.render_sample(template)
        except rendering.TemplateRefused as refused:
            messages.error(request, str(refused))
            return HttpResponseRedirect(reverse("admin:issuance_licencetemplate_change", args=[template.pk]))
        response = HttpResponse(document, content_type="application/pdf")
        response["Content-Disposition"] = 'inline; filename="licence-preview.pdf"'
        response["X-Content-Type-Options"] = "nosniff"
        return response

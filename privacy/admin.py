"""Back-office: consent texts (drafts edited freely, published through the service, published and retired
texts read-only) and the consent and data-access logs, read-only."""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from esb.admin import AuditedModelAdmin, ReadOnlyLogAdmin
from privacy import services
from privacy.models import Consent, ConsentText, DataAccess


@admin.register(ConsentText)
class ConsentTextAdmin(AuditedModelAdmin):
    list_display = ("purpose", "version", "status", "title_en", "published_at", "retired_at")
    list_filter = ("purpose", "status")
    search_fields = ("title_km", "title_en", "body_km", "body_en")
    ordering = ("purpose", "-version")
    fields = (
        "purpose",
        "version",
        "status",
        "title_km",
        "title_en",
        "body_km",
        "body_en",
        "published_at",
        "published_by",
        "retired_at",
    )
    actions = ("publish_selected",)
    _ALWAYS_READONLY = ("version", "status", "published_at", "published_by", "retired_at")

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        if obj is not None and obj.stored_status() != ConsentText.Status.DRAFT:
            # What applicants may have read never changes: a new wording is a new version.
            return self.fields
        if obj is not None:
            return (*self._ALWAYS_READONLY, "purpose")
        return self._ALWAYS_READONLY

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        if obj is not None and obj.stored_status() != ConsentText.Status.DRAFT:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        if obj is not None and obj.stored_status() != ConsentText.Status.DRAFT:
            return False
        return super().has_delete_permission(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        super().delete_queryset(request, queryset.filter(status=ConsentText.Status.DRAFT))

    @admin.action(description=_("Publish the selected drafts"), permissions=["change"])
    def publish_selected(self, request: HttpRequest, queryset) -> None:
        for text in queryset.order_by("purpose", "version"):
            try:
                services.publish_consent_text(text, by=request.user)
            except services.ConsentTextNotPublishable as refused:
                messages.error(request, f"{text}: {refused.message}")
            else:
                messages.success(
                    request,
                    gettext("%(text)s is published. Applicants must consent to it again.") % {"text": text},
                )


@admin.register(Consent)
class ConsentAdmin(ReadOnlyLogAdmin):
    list_display = ("given_at", "user", "purpose", "text_version", "withdrawn_at")
    list_filter = ("purpose", ("withdrawn_at", admin.EmptyFieldListFilter), "text__version")
    list_select_related = ("user", "text")
    search_fields = ("user__username", "user__full_name_en", "user__full_name_km", "user__email")
    date_hierarchy = "given_at"

    @admin.display(description=_("version"), ordering="text__version")
    def text_version(self, obj: Consent) -> int:
        return obj.text.version


@admin.register(DataAccess)
class DataAccessAdmin(ReadOnlyLogAdmin):
    list_display = (
        "at",
        "accessor_kind",
        "accessor_label",
        "purpose",
        "what",
        "subject_user",
        "subject_business",
        "object_ref",
    )
    list_filter = ("accessor_kind", "purpose")
    list_select_related = ("subject_user", "subject_business")
    search_fields = ("accessor_label", "what", "object_ref", "request_id", "subject_business__single_id")
    date_hierarchy = "at"

"""Back-office view of applications: read-only here, scoped to the officer's institution. Reviewing
(forward, return, approve, reject) is the workflow engine's, through `applications.services`."""

from __future__ import annotations

from django.contrib import admin
from django.http import Http404, HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from unfold.admin import TabularInline
from unfold.decorators import action

from accounts.admin_scoping import ScopedAdminMixin
from applications.models import Application, ApplicationDocument, ApplicationEvent
from esb.admin import ReadOnlyLogAdmin


class _ReadOnlyInline(TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class EventInline(_ReadOnlyInline):
    model = ApplicationEvent
    fields = ("at", "title_en", "title_km", "from_status", "to_status", "actor", "message", "internal_note")
    readonly_fields = fields
    ordering = ("at", "id")


class DocumentInline(_ReadOnlyInline):
    model = ApplicationDocument
    fields = (
        "field_key",
        "document_type",
        "original_name",
        "content_type",
        "size",
        "revision",
        "replaced_at",
    )
    readonly_fields = fields


@admin.register(Application)
class ApplicationAdmin(ScopedAdminMixin, ReadOnlyLogAdmin):
    scope_institution_path = "licence_type__institution"
    scope_department_path = "licence_type__department"
    list_display = (
        "reference",
        "licence_type",
        "business",
        "status",
        "last_submitted_at",
        "expected_decision_date",
    )
    list_filter = ("status", "licence_type__institution", "licence_type")
    search_fields = ("reference", "business__single_id", "business__name_en", "business__name_km")
    list_select_related = ("licence_type", "business")
    exclude = ("answers",)
    inlines = (EventInline, DocumentInline)
    date_hierarchy = "created_at"
    # Deciding happens on the review screen (review:screen); this page is the record.
    actions_detail = ("open_review_screen",)

    @action(description=_("Open the review screen"), url_path="review-screen", icon="rate_review")
    def open_review_screen(self, request: HttpRequest, object_id: str) -> HttpResponseRedirect:
        found = self.get_queryset(request).filter(pk=object_id)
        public_id = found.values_list("public_id", flat=True).first()
        if public_id is None:
            raise Http404
        return HttpResponseRedirect(reverse("review:screen", args=[public_id]))

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).exclude(status="DRAFT")

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        return [f.name for f in self.model._meta.fields if f.name != "answers"]

    def change_view(self, request: HttpRequest, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        application = self.get_queryset(request).filter(pk=object_id).select_related("business").first()
        if application is not None and response.status_code == 200:
            from privacy.models import AccessorKind, AccessPurpose
            from privacy.services import record_access

            record_access(
                accessor_label=request.user.get_full_name() or request.user.get_username(),
                accessor_kind=AccessorKind.OFFICER,
                accessor_user=request.user,
                purpose=AccessPurpose.REVIEW,
                what=gettext_noop("application and its documents"),
                subject_user=application.applicant,
                subject_business=application.business,
                object_ref=application.reference or "",
            )
        return response

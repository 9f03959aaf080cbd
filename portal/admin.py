"""Back-office for the help desk: FAQ editing, support requests (status and answer), feedback (read only)."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Avg
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.admin_scoping import ScopedAdminMixin
from esb.admin import AuditedModelAdmin, ReadOnlyLogAdmin
from portal import services
from portal.models import FAQ, Feedback, SupportRequest


@admin.register(FAQ)
class FAQAdmin(AuditedModelAdmin):
    list_display = ("question_en", "question_km", "category", "sort_order", "is_published", "updated_at")
    list_editable = ("sort_order", "is_published")
    list_filter = ("category", "is_published")
    search_fields = ("question_en", "question_km", "answer_en", "answer_km")
    fieldsets = (
        (_("Khmer"), {"fields": ("question_km", "answer_km")}),
        (_("English"), {"fields": ("question_en", "answer_en")}),
        (_("Publication"), {"fields": ("category", "sort_order", "is_published")}),
    )


@admin.register(SupportRequest)
class SupportRequestAdmin(ScopedAdminMixin, AuditedModelAdmin):
    """A request (name, e-mail, phone) is read and answered by the help desk of the institution whose
    service it concerns; one about no service is national. The mixin scopes the list, every object page
    (the answer is a change of the object: a 404 outside the scope) and bulk actions
    (portal.selectors.support_requests_for states the same rule)."""

    scope_institution_path = "licence_type__institution"
    scope_department_path = "licence_type__department"
    list_display = ("reference", "created_at", "name", "topic", "licence_type", "status", "answered_at")
    list_filter = ("status", "topic")
    search_fields = ("reference", "name", "email", "application_reference")
    date_hierarchy = "created_at"
    list_select_related = ("user", "licence_type")
    readonly_fields = (
        "reference",
        "licence_type",
        "user",
        "name",
        "email",
        "phone",
        "topic",
        "application_reference",
        "message",
        "created_at",
        "answered_at",
    )
    fieldsets = (
        (
            _("Request"),
            {
                "fields": (
                    "reference",
                    "created_at",
                    "licence_type",
                    "user",
                    "name",
                    "email",
                    "phone",
                    "topic",
                    "application_reference",
                    "message",
                )
            },
        ),
        (_("Handling"), {"fields": ("status", "answer", "answered_at")}),
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Requests come from the public form, which gives them their reference.
        return False

    def save_model(self, request: HttpRequest, obj: SupportRequest, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        services.record_answer(obj)


@admin.register(Feedback)
class FeedbackAdmin(ReadOnlyLogAdmin):
    list_display = ("created_at", "rating", "page", "language", "short_comment")
    list_filter = ("rating", "language")
    search_fields = ("comment", "page")
    date_hierarchy = "created_at"
    show_full_result_count = False

    @admin.display(description=_("comment"))
    def short_comment(self, obj: Feedback) -> str:
        return obj.comment[:80] + ("…" if len(obj.comment) > 80 else "")

    def changelist_view(self, request: HttpRequest, extra_context=None):
        response = super().changelist_view(request, extra_context=extra_context)
        # The average of the rows the officer filtered to, shown above the list.
        changelist = getattr(response, "context_data", {}) and response.context_data.get("cl")
        if changelist is not None:
            summary = changelist.queryset.aggregate(average=Avg("rating"))
            average = summary["average"]
            response.context_data["title"] = (
                _("Feedback · average rating %(average).1f / 5") % {"average": average}
                if average is not None
                else _("Feedback")
            )
        return response

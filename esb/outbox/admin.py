"""The outbox in the back-office: read-only, so support staff see what is waiting, what went out and what
failed (and why); failed messages can be put back in line."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from esb.admin import ReadOnlyLogAdmin
from esb.outbox import services
from esb.outbox.models import OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyLogAdmin):
    list_display = (
        "id",
        "created_at",
        "topic",
        "status",
        "attempts",
        "available_at",
        "delivered_at",
        "last_error",
        "request_id",
    )
    list_filter = ("status", "topic")
    search_fields = ("dedupe_key", "request_id", "correlation_id")
    date_hierarchy = "created_at"
    actions = ["retry"]

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("outbox.retry_outboxmessage")

    @admin.action(description=_("Retry the selected failed messages"), permissions=["retry"])
    def retry(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = services.retry_failed(queryset.values_list("pk", flat=True))
        self.message_user(
            request,
            ngettext(
                "%(count)d failed message put back in line.",
                "%(count)d failed messages put back in line.",
                count,
            )
            % {"count": count},
            messages.SUCCESS if count else messages.WARNING,
        )

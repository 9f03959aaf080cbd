"""Back-office pages of the review's reference data: the legal rejection reasons. (The queues and the review
screen are task-focused views, not model admins.)"""

from __future__ import annotations

from django.contrib import admin

from esb.admin import AuditedModelAdmin
from review.models import RejectionReason


@admin.register(RejectionReason)
class RejectionReasonAdmin(AuditedModelAdmin):
    """Service administrators maintain the list; reviewers read it. A reason once used stays (it is
    referred to by decisions): retire it by unticking "active" instead of deleting it."""

    list_display = ("code", "label_km", "label_en", "active", "order")
    list_filter = ("active",)
    list_editable = ("active", "order")
    search_fields = ("code", "label_km", "label_en")
    ordering = ("order", "code")

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

"""Notifications in the back-office: read-only, so support staff can see what a person was told and
whether the email went out."""

from __future__ import annotations

from django.contrib import admin

from esb.admin import ReadOnlyLogAdmin
from notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(ReadOnlyLogAdmin):
    list_display = ("created_at", "user", "title_en", "read_at", "emailed_at", "email_error")
    list_filter = ("read_at", "emailed_at")
    search_fields = ("title_en", "title_km", "user__username", "dedupe_key")
    date_hierarchy = "created_at"
    list_select_related = ("user",)
    show_full_result_count = False

"""Notifications in the back-office: read-only, so support staff can see what a person was told and
whether the email went out; and the Telegram / SMS messages (operator alerts, applicants' copies), for
national administrators only, with destinations masked and verification codes hidden."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.admin_scoping import NationalOnlyMixin
from esb.admin import ReadOnlyLogAdmin
from notifications.channels import PluginNotFound, get_channel
from notifications.models import Notification, OutgoingMessage


@admin.register(Notification)
class NotificationAdmin(ReadOnlyLogAdmin):
    list_display = ("created_at", "user", "title_en", "read_at", "emailed_at", "email_error")
    list_filter = ("read_at", "emailed_at")
    search_fields = ("title_en", "title_km", "user__username", "dedupe_key")
    date_hierarchy = "created_at"
    list_select_related = ("user",)
    show_full_result_count = False


@admin.register(OutgoingMessage)
class OutgoingMessageAdmin(NationalOnlyMixin, ReadOnlyLogAdmin):
    """Whether an alert or a copy went out, when, after how many attempts, and why not."""

    list_display = (
        "created_at",
        "channel",
        "masked_destination",
        "purpose",
        "state",
        "attempts",
        "sent_at",
        "last_error",
    )
    list_filter = ("channel", "state", "purpose")
    search_fields = ("dedupe_key", "provider_message_id")
    date_hierarchy = "created_at"
    fields = (
        "created_at",
        "channel",
        "masked_destination",
        "purpose",
        "language",
        "shown_text",
        "dedupe_key",
        "state",
        "attempts",
        "provider_message_id",
        "last_error",
        "next_attempt_at",
        "claimed_at",
        "sent_at",
        "failed_at",
    )

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        return self.fields

    @admin.display(description=_("destination"))
    def masked_destination(self, obj: OutgoingMessage) -> str:
        try:
            return get_channel(obj.channel).mask(obj.destination)
        except PluginNotFound:
            return "•••"

    @admin.display(description=_("text"))
    def shown_text(self, obj: OutgoingMessage) -> str:
        if obj.purpose == OutgoingMessage.Purpose.VERIFICATION:
            return str(_("(a verification code: not shown)"))
        return obj.text

"""Back-office: the registry of member systems and their alert destinations (national administrators only,
with the model permissions of accounts/roles.py). Incidents and probe results are read on the status page
(monitoring/backoffice.py); a system with results is disabled, never deleted (its history is evidence)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin, TabularInline

from accounts.admin_scoping import NationalOnlyMixin
from esb.admin import AuditedModelAdmin
from monitoring.models import AlertDestination, MemberSystem
from monitoring.services.registry import save_config


class ConfigOnlySave(ModelAdmin):
    """Saves the configuration columns only: the probes change the running state (state, failures, slots)
    while the form is open, and the form's stale copy must not overwrite it."""

    def save_model(self, request: HttpRequest, obj: MemberSystem, form, change: bool) -> None:
        save_config(obj, created=not change)


class AlertDestinationInline(TabularInline):
    model = AlertDestination
    extra = 0
    fields = ("channel", "address", "language", "enabled")


@admin.register(MemberSystem)
class MemberSystemAdmin(NationalOnlyMixin, AuditedModelAdmin, ConfigOnlySave):
    list_display = ("name_en", "name_km", "kind", "state", "interval_seconds", "enabled", "last_checked_at")
    list_filter = ("kind", "state", "enabled")
    search_fields = ("code", "name_en", "name_km", "owner_contact")
    list_select_related = ("owner_institution",)
    readonly_fields = ("state", "last_checked_at", "last_latency_ms", "created_at", "updated_at")
    inlines = [AlertDestinationInline]
    fieldsets = (
        (None, {"fields": ("code", "name_km", "name_en", "kind", "enabled")}),
        (
            _("Probe"),
            {
                "fields": (
                    "probe_url",
                    "check_kind",
                    "interval_seconds",
                    "timeout_seconds",
                    "slow_ms",
                    "failures_before_incident",
                )
            },
        ),
        (_("Owner"), {"fields": ("owner_institution", "owner_contact")}),
        (
            _("Running state"),
            {"fields": ("state", "last_checked_at", "last_latency_ms", "created_at", "updated_at")},
        ),
    )

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return (*fields, "code") if obj is not None else fields

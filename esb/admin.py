"""Back-office building blocks: every change made through the admin is audited, and the audit trail
itself is read-only there. Also the public holidays the working-day clocks skip."""

from __future__ import annotations

from django.contrib import admin
from django.db import models
from django.http import HttpRequest
from django.utils import formats
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin

from esb import audit
from esb.models import AuditEvent, OutgoingRequest, PublicHoliday


class AuditedModelAdmin(ModelAdmin):
    """A themed ModelAdmin that writes an AuditEvent, in the admin's own transaction, for every
    add, change and delete (single and bulk). Subclass it for every model registered in the back-office."""

    audit_exclude: tuple[str, ...] = ()

    def _snapshot(self, obj: models.Model) -> dict:
        return audit.snapshot(obj, exclude=self.audit_exclude)

    def save_model(self, request: HttpRequest, obj: models.Model, form, change: bool) -> None:
        before = None
        if change and obj.pk:
            previous = type(obj)._default_manager.filter(pk=obj.pk).first()
            before = self._snapshot(previous) if previous is not None else None
        super().save_model(request, obj, form, change)
        after = self._snapshot(obj)
        if change:
            before, after = audit.changed_fields(before, after)
            if before == {} and after == {}:
                return
        audit.record(
            f"admin.{'change' if change else 'add'}",
            obj,
            before=before,
            after=after,
            reason=request.POST.get("_audit_reason", ""),
        )

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        before = self._snapshot(form.instance) if change else None
        super().save_related(request, form, formsets, change)
        if change and formsets:
            b, a = audit.changed_fields(before, self._snapshot(form.instance))
            if b or a:
                audit.record("admin.change_related", form.instance, before=b, after=a)
        for formset in formsets:
            for obj in formset.new_objects:
                audit.record("admin.add", obj, after=self._snapshot(obj))
            for obj, _fields in formset.changed_objects:
                audit.record("admin.change", obj, after=self._snapshot(obj))
            for obj in formset.deleted_objects:
                audit.record("admin.delete", obj, object_id=str(obj.pk or ""))

    def delete_model(self, request: HttpRequest, obj: models.Model) -> None:
        snapshot, pk = self._snapshot(obj), str(obj.pk)
        super().delete_model(request, obj)
        audit.record("admin.delete", obj, object_id=pk, before=snapshot)

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        doomed = [(obj, str(obj.pk), self._snapshot(obj)) for obj in queryset]
        super().delete_queryset(request, queryset)
        for obj, pk, snapshot in doomed:
            audit.record("admin.delete", obj, object_id=pk, before=snapshot)


class ReadOnlyLogAdmin(ModelAdmin):
    """A log shown in the back-office: browsable and searchable, never added to, edited or deleted."""

    ordering = ("-id",)
    list_per_page = 50
    show_full_result_count = False

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyLogAdmin):
    """Read-only view of the audit trail for IT auditors and system administrators."""

    list_display = ("id", "occurred_at", "actor_label", "action", "object_type", "object_id", "object_repr")
    list_filter = ("action", "object_type")
    search_fields = ("actor_label", "object_id", "object_repr", "request_id", "xroad_id")
    date_hierarchy = "occurred_at"


@admin.register(OutgoingRequest)
class OutgoingRequestAdmin(ReadOnlyLogAdmin):
    """Read-only log of the calls made to external systems: who is slow, who fails, since when."""

    list_display = (
        "created_at",
        "service",
        "operation",
        "method",
        "status_code",
        "outcome",
        "duration_ms",
        "error_code",
        "request_id",
    )
    list_filter = ("service", "outcome", "operation")
    search_fields = ("request_id", "url", "error_code", "error_class")
    date_hierarchy = "created_at"


class HolidayYearFilter(admin.SimpleListFilter):
    """The years the table holds, newest first: a year's list is what an officer checks against the
    sub-decree."""

    title = _("year")
    parameter_name = "year"

    def lookups(self, request: HttpRequest, model_admin):
        years = model_admin.get_queryset(request).dates("date", "year", order="DESC")
        return [(str(day.year), str(day.year)) for day in years]

    def queryset(self, request: HttpRequest, queryset):
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(date__year=int(value))
        return queryset


@admin.register(PublicHoliday)
class PublicHolidayAdmin(AuditedModelAdmin):
    """The holiday table of `esb.working_days`: every save or delete reaches the working-day clocks at once
    (the cached years are forgotten by the model's signals)."""

    list_display = ("date", "weekday", "name_km", "name_en", "kind")
    list_filter = (HolidayYearFilter, "kind")
    search_fields = ("name_km", "name_en", "notes")
    ordering = ("date",)
    list_per_page = 100
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("date", "kind")}),
        (_("Name"), {"fields": ("name_km", "name_en")}),
        (_("Source"), {"fields": ("notes", "created_at", "updated_at")}),
    )

    @admin.display(description=_("day of the week"), ordering="date")
    def weekday(self, obj: PublicHoliday) -> str:
        return formats.date_format(obj.date, "l")

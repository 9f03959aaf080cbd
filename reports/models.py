"""Saved report definitions and report runs (an export being made, or made and kept for download)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Shape(models.TextChoices):
    SUMMARY = "summary", _("Summary by one dimension")
    LIST = "list", _("List of applications")


class Format(models.TextChoices):
    CSV = "csv", _("CSV")
    XLSX = "xlsx", _("Excel (XLSX)")
    PDF = "pdf", _("PDF")
    # A summary too large to compute in the page's request: computed by a run, shown on the page when done.
    TABLE = "table", _("Table on the page")


class RunState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ReportDefinition(models.Model):
    """A named set of conditions an officer keeps to run again. Owned by that officer alone; running it
    always applies the scope the officer has at that moment (the conditions never widen it)."""

    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="report_definitions",
        verbose_name=_("owner"),
    )
    name = models.CharField(_("name"), max_length=120)
    # The builder's form data, as the form's cleaned values in JSON (reports.conditions.Conditions).
    conditions = models.JSONField(_("conditions"), default=dict)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("saved report")
        verbose_name_plural = _("saved reports")
        permissions = [
            ("run_report", _("Can build and export reports of applications")),
            ("export_personal_data", _("Can list applications in reports (personal data)")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="reportdefinition_owner_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


def _report_path(instance: ReportRun, filename: str) -> str:
    # Random per run; never under a public URL: served only by reports.views.download after its checks.
    return f"reports/{instance.created_at:%Y/%m}/{instance.public_id}.{instance.format}"


class ReportRun(models.Model):
    """One export: queued, running (rows done of total), done (the file kept until `expires_at`) or failed.
    Only the officer who asked for it may see it or download the file."""

    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="report_runs",
        verbose_name=_("owner"),
    )
    definition = models.ForeignKey(
        ReportDefinition,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="runs",
        verbose_name=_("saved report"),
    )
    conditions = models.JSONField(_("conditions"), default=dict)
    format = models.CharField(_("format"), max_length=5, choices=Format.choices)
    language = models.CharField(_("language"), max_length=8, default="km")
    state = models.CharField(_("state"), max_length=8, choices=RunState.choices, default=RunState.QUEUED)
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    rows_total = models.PositiveIntegerField(_("rows in all"), default=0)
    file = models.FileField(_("file"), upload_to=_report_path, max_length=255, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    # A TABLE run's summary (reports.tables.stored_summary): headers, rows, totals; labels in both languages.
    result = models.JSONField(_("result"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    expires_at = models.DateTimeField(_("kept until"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("report run")
        verbose_name_plural = _("report runs")
        default_permissions = ()
        constraints = [
            models.CheckConstraint(condition=Q(state__in=RunState.values), name="reportrun_state_valid"),
            models.CheckConstraint(condition=Q(format__in=Format.values), name="reportrun_format_valid"),
        ]
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="reportrun_owner_recent"),
            models.Index(fields=["expires_at"], condition=~Q(file=""), name="reportrun_expiring"),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} {self.format} {self.state}"

    @property
    def shape(self) -> str:
        return self.conditions.get("shape", Shape.SUMMARY)

    @property
    def percent(self) -> int:
        if self.state == RunState.DONE:
            return 100
        return int(100 * self.rows_done / self.rows_total) if self.rows_total else 0

    @property
    def is_table(self) -> bool:
        return self.format == Format.TABLE

    @property
    def filename(self) -> str:
        return f"report-{self.created_at:%Y%m%d-%H%M}-{str(self.public_id)[:8]}.{self.format}"

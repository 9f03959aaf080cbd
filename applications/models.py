"""The application: a draft that becomes a submitted request, its documents, its revisions and its history.

Statuses are exactly the seven of Part 5. Status changes go through `applications.services.change_status`,
which checks `TRANSITIONS`, locks the row and appends an `ApplicationEvent`; events (the timeline) are never
updated or deleted (a trigger refuses it).
"""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from esb.fields import EncryptedJSONField
from esb.i18n import localized


class Status(models.TextChoices):
    DRAFT = "DRAFT", _("Draft")
    SUBMITTED = "SUBMITTED", _("Submitted")
    REVIEWING = "REVIEWING", _("Under review")
    RETURNED = "RETURNED", _("Returned for correction")
    APPROVED = "APPROVED", _("Approved")
    REJECTED = "REJECTED", _("Rejected")
    EXPIRED = "EXPIRED", _("Expired")


# from-status -> statuses it may move to. Which *actor* may make a move is checked by the service that asks.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.DRAFT: frozenset({Status.SUBMITTED}),
    Status.SUBMITTED: frozenset({Status.REVIEWING, Status.RETURNED, Status.REJECTED}),
    Status.REVIEWING: frozenset({Status.RETURNED, Status.APPROVED, Status.REJECTED}),
    Status.RETURNED: frozenset({Status.SUBMITTED, Status.REJECTED}),
    Status.APPROVED: frozenset({Status.EXPIRED}),
    Status.REJECTED: frozenset(),
    Status.EXPIRED: frozenset(),
}

# Not yet decided: the applicant may still withdraw.
UNDECIDED = frozenset({Status.SUBMITTED, Status.REVIEWING, Status.RETURNED})
# The applicant may change answers (all of them in a draft, the requested ones when returned).
EDITABLE = frozenset({Status.DRAFT, Status.RETURNED})


class Closure(models.TextChoices):
    """Why a REJECTED application ended, when it was not an officer's refusal (Part 5 knows no separate
    status for a withdrawal; statistics and the applicant still see the difference)."""

    NONE = "", _("—")
    WITHDRAWN = "WITHDRAWN", _("Withdrawn by the applicant")


class Application(models.Model):
    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(_("reference number"), max_length=32, unique=True, null=True, blank=True)
    licence_type = models.ForeignKey(
        "licensing.LicenceType",
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("licence type"),
    )
    service = models.ForeignKey(
        "licensing.LicenceService",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
        verbose_name=_("service"),
    )
    form_definition = models.ForeignKey(
        "licensing.FormDefinition",
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("form version"),
    )
    # The review workflow version pinned at the first submission: the application follows it to the end,
    # even after a newer version is published.
    workflow_definition = models.ForeignKey(
        "licensing.WorkflowDefinition",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
        verbose_name=_("workflow version"),
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("applicant"),
    )
    business = models.ForeignKey(
        "registry.Business",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
        verbose_name=_("business"),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    closure = models.CharField(_("closure"), max_length=10, choices=Closure.choices, blank=True, default="")
    answers = EncryptedJSONField(_("answers"))
    # field key -> registry attribute it was prefilled from (shown as "prefilled from …")
    prefilled = models.JSONField(_("prefilled fields"), default=dict, blank=True)
    locked_fields = ArrayField(
        models.CharField(max_length=50), default=list, blank=True, verbose_name=_("locked fields")
    )
    # Step keys the applicant has saved at least once (the task list shows them as done).
    completed_steps = ArrayField(
        models.CharField(max_length=50), default=list, blank=True, verbose_name=_("completed steps")
    )
    # Incremented on every saved change: a form posted from an older page is refused (replay, two tabs).
    version = models.PositiveIntegerField(_("version"), default=1)
    revision = models.PositiveSmallIntegerField(_("revision"), default=0)
    correction_fields = ArrayField(
        models.CharField(max_length=50), default=list, blank=True, verbose_name=_("correction fields")
    )
    correction_message = models.TextField(_("what to correct"), blank=True)
    fee_amount = models.DecimalField(_("fee"), max_digits=12, decimal_places=2, default=0)
    fee_currency = models.CharField(_("currency"), max_length=3, default="KHR")
    payment_requested_at = models.DateTimeField(_("payment requested"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    draft_expires_at = models.DateTimeField(_("draft expires"), null=True, blank=True)
    discarded_at = models.DateTimeField(_("discarded"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("first submitted"), null=True, blank=True)
    last_submitted_at = models.DateTimeField(_("last submitted"), null=True, blank=True)
    expected_decision_date = models.DateField(_("expected decision"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        ordering = ["-updated_at"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        indexes = [
            models.Index(fields=["business", "status"], name="application_business_status"),
            models.Index(fields=["applicant", "status"], name="application_applicant_status"),
            models.Index(fields=["status", "draft_expires_at"], name="application_draft_expiry"),
            # The officers' queue searches references by prefix (LIKE 'MOC-2026-00%').
            models.Index(
                fields=["reference"], opclasses=["varchar_pattern_ops"], name="application_reference_prefix"
            ),
            # Reports' periods (reports.selectors.applications): a short period reads its rows, not the
            # table. Not `updated_at`: it changes on every save, and indexing it would end HOT updates.
            models.Index(
                fields=["submitted_at"],
                condition=models.Q(submitted_at__isnull=False),
                name="application_submitted",
            ),
            models.Index(
                fields=["decided_at"],
                condition=models.Q(decided_at__isnull=False),
                name="application_decided",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=Status.values), name="application_status_valid"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="DRAFT")
                | models.Q(submitted_at__isnull=True)
                | models.Q(payment_requested_at__isnull=False),
                name="application_draft_not_submitted",
            ),
        ]

    def __str__(self) -> str:
        return self.reference or str(_("Draft %(code)s") % {"code": self.licence_type.code})

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE and self.discarded_at is None

    @property
    def is_free(self) -> bool:
        return self.fee_amount <= 0

    @property
    def display_status(self) -> str:
        if self.closure == Closure.WITHDRAWN:
            return str(Closure.WITHDRAWN.label)
        if self.status == Status.DRAFT and self.payment_requested_at:
            return str(_("Payment required"))
        return self.get_status_display()


def _document_path(instance: ApplicationDocument, filename: str) -> str:
    # Random names: the original name is kept in a column, never trusted as a path.
    return f"applications/{instance.application.public_id}/{uuid.uuid4().hex}.{instance.extension}"


class ApplicationDocument(models.Model):
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="documents", verbose_name=_("application")
    )
    field_key = models.CharField(_("form field"), max_length=50)
    document_type = models.ForeignKey(
        "licensing.DocumentType",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("document type"),
    )
    file = models.FileField(_("file"), upload_to=_document_path, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    extension = models.CharField(_("extension"), max_length=8)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    revision = models.PositiveSmallIntegerField(_("revision"))
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    # A replaced file stays (the earlier revision refers to it) but is no longer the current one.
    replaced_at = models.DateTimeField(_("replaced"), null=True, blank=True)
    # Order of the file within its field: 0 for a one-file field; 0, 1, 2… when the form field allows
    # several files (validation "multiple"), e.g. photographs of the premises.
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["application", "field_key", "-uploaded_at"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        constraints = [
            models.UniqueConstraint(
                fields=["application", "field_key", "position"],
                condition=models.Q(replaced_at__isnull=True),
                name="applicationdocument_one_current_per_position",
            )
        ]

    def __str__(self) -> str:
        return self.original_name


class ApplicationRevision(models.Model):
    """What was submitted, each time it was submitted: the history shows every version."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="revisions", verbose_name=_("application")
    )
    number = models.PositiveSmallIntegerField(_("revision"))
    answers = EncryptedJSONField(_("answers"))
    document_ids = ArrayField(
        models.PositiveIntegerField(), default=list, blank=True, verbose_name=_("documents")
    )
    changed_fields = ArrayField(
        models.CharField(max_length=50), default=list, blank=True, verbose_name=_("changed fields")
    )
    submitted_at = models.DateTimeField(_("submitted"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("submitted by")
    )

    class Meta:
        ordering = ["application", "number"]
        verbose_name = _("submitted version")
        verbose_name_plural = _("submitted versions")
        constraints = [
            models.UniqueConstraint(fields=["application", "number"], name="applicationrevision_unique")
        ]

    def __str__(self) -> str:
        return f"{self.application} v{self.number}"


class ApplicationEvent(models.Model):
    """One line of the timeline (what the applicant sees) — append-only."""

    class Kind(models.TextChoices):
        CREATED = "CREATED", _("Started")
        STATUS = "STATUS", _("Status changed")
        PAYMENT_REQUIRED = "PAYMENT_REQUIRED", _("Payment required")
        RECEIVED = "RECEIVED", _("Received")
        FORWARDED = "FORWARDED", _("Forwarded")
        MESSAGE = "MESSAGE", _("Message")

    class ActorKind(models.TextChoices):
        APPLICANT = "APPLICANT", _("Applicant")
        OFFICER = "OFFICER", _("Officer")
        SYSTEM = "SYSTEM", _("System")

    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="events", verbose_name=_("application")
    )
    at = models.DateTimeField(_("when"), db_index=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    from_status = models.CharField(_("from"), max_length=10, choices=Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=10, choices=Status.choices, blank=True)
    title_km = models.CharField(_("title (Khmer)"), max_length=255)
    title_en = models.CharField(_("title (English)"), max_length=255)
    # Shown to the applicant; an officer's internal note is kept apart and never shown in the portal.
    message = models.TextField(_("message to the applicant"), blank=True)
    internal_note = models.TextField(_("internal note"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    actor_kind = models.CharField(_("by whom"), max_length=10, choices=ActorKind.choices)
    revision = models.PositiveSmallIntegerField(_("revision"), default=0)

    class Meta:
        ordering = ["application", "at", "id"]
        verbose_name = _("timeline event")
        verbose_name_plural = _("timeline events")

    def __str__(self) -> str:
        return self.title_en

    @property
    def title(self) -> str:
        return localized(self.title_km, self.title_en)


# --- statistics (Part 5 `application_statistic`, applications/statistics.py; docs/statistics.md) -----------
# An open span / "not folded yet" is a far date rather than NULL, so every range test is one comparison.
OPEN_UNTIL = datetime.date(9999, 12, 31)


class StatusSpan(models.Model):
    """Derived from the timeline (CREATED and STATUS events), never edited by hand: one row per application
    per local day (Asia/Phnom_Penh) on which its status changed, with the status it had at the end of that
    day and the day of its next change (OPEN_UNTIL until it happens). Written with the event, in its
    transaction (applications.services.statistics.record_status); rebuilt from the timeline by the command
    `rebuild_application_statistics`."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices)
    until = models.DateField(default=OPEN_UNTIL)

    class Meta:
        verbose_name = _("status span")
        verbose_name_plural = _("status spans")
        # Derived data, written only by the statistics services: nobody is granted rights on it.
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["application", "day"], name="statusspan_one_per_day"),
            models.UniqueConstraint(
                fields=["application"], condition=models.Q(until=OPEN_UNTIL), name="statusspan_one_open"
            ),
        ]
        indexes = [
            # Covering: a range's spans are counted from the index alone once vacuumed.
            models.Index(fields=["day"], include=["until", "status"], name="statusspan_day"),
            models.Index(fields=["until", "day"], include=["status"], name="statusspan_until_day"),
        ]

    def __str__(self) -> str:
        return f"{self.application_id} {self.status} {self.day}–{self.until}"


class StatusSpanCount(models.Model):
    """The spans of the days already closed, counted by (day, until, status); `until` is OPEN_UNTIL when the
    next change came after the watermark (or never). Kept by applications.services.statistics.close_days."""

    day = models.DateField()
    until = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices)
    count = models.BigIntegerField()

    class Meta:
        verbose_name = _("status span count")
        verbose_name_plural = _("status span counts")
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["day", "until", "status"], name="statusspancount_cell"),
        ]
        # A range reads the cells still open at its end (until > end), from the index alone once vacuumed.
        indexes = [
            models.Index(
                fields=["until", "day"], include=["status", "count"], name="statusspancount_until_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.status} {self.day}–{self.until}: {self.count}"


class StatusCountsWatermark(models.Model):
    """One row (id 1): the last local day folded into StatusSpanCount."""

    closed_through = models.DateField(default=datetime.date.min)

    class Meta:
        verbose_name = _("statistics watermark")
        verbose_name_plural = _("statistics watermarks")
        default_permissions = ()

    def __str__(self) -> str:
        return f"closed through {self.closed_through}"

"""Issued licences and their append-only history.

A `Licence` is made by the issuance chain (`issuance.services.issuing`) after an approval: PENDING while it is
numbered, registered, rendered and published, VALID once the holder can download it. From then on it moves
only through `TRANSITIONS` (one service, `issuance.services.lifecycle`), each move appending a
`LicenceEvent` (a trigger refuses UPDATE and DELETE of events) and an audit event.

An amendment issues a new *version* of the same licence (same number, version + 1, `supersedes` the old
row, which becomes SUPERSEDED); a renewal issues a new licence with a new number.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import FileExtensionValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from esb.fields import EncryptedJSONField, EncryptedTextField


class LicenceStatus(models.TextChoices):
    PENDING = "PENDING", _("Being issued")
    VALID = "VALID", _("Valid")
    SUSPENDED = "SUSPENDED", _("Suspended")
    REVOKED = "REVOKED", _("Revoked")
    EXPIRED = "EXPIRED", _("Expired")
    SUPERSEDED = "SUPERSEDED", _("Superseded")


# from-status -> statuses it may move to.
TRANSITIONS: dict[str, frozenset[str]] = {
    LicenceStatus.PENDING: frozenset({LicenceStatus.VALID}),
    LicenceStatus.VALID: frozenset(
        {LicenceStatus.SUSPENDED, LicenceStatus.REVOKED, LicenceStatus.EXPIRED, LicenceStatus.SUPERSEDED}
    ),
    LicenceStatus.SUSPENDED: frozenset(
        {LicenceStatus.VALID, LicenceStatus.REVOKED, LicenceStatus.EXPIRED, LicenceStatus.SUPERSEDED}
    ),
    LicenceStatus.REVOKED: frozenset(),
    LicenceStatus.EXPIRED: frozenset(),
    LicenceStatus.SUPERSEDED: frozenset(),
}


def _licence_path(instance: Licence, filename: str) -> str:
    return f"licences/{instance.issued_year}/{instance.public_id}-v{instance.version}.pdf"


class LicenceTemplate(models.Model):
    """The HTML and CSS a licence type's PDF is rendered from, edited by the ministry in the back-office.

    One row per licence type (none: the portal's default template). An issued licence keeps its PDF, so
    editing a template changes only licences issued afterwards."""

    licence_type = models.OneToOneField(
        "licensing.LicenceType",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="licence_template",
        verbose_name=_("licence type"),
    )
    html = models.TextField(
        _("HTML"),
        help_text=_("A Django template; docs/issuance.md lists the variables it may use."),
    )
    css = models.TextField(_("CSS"), blank=True)
    conditions_km = models.TextField(_("conditions (Khmer)"), blank=True)
    conditions_en = models.TextField(_("conditions (English)"), blank=True)
    emblem = models.FileField(
        _("emblem"),
        upload_to="licence-templates/",
        blank=True,
        validators=[FileExtensionValidator(["png", "jpg", "jpeg", "svg"])],
        help_text=_("The ministry's emblem printed at the top of the licence: PNG, JPEG or SVG, up to 1 MB."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )

    class Meta:
        verbose_name = _("licence template")
        verbose_name_plural = _("licence templates")
        constraints = [
            models.UniqueConstraint(
                fields=["licence_type"],
                nulls_distinct=False,
                name="licence_template_one_per_type",
            )
        ]

    def __str__(self) -> str:
        return str(self.licence_type or _("Default template"))


class Licence(models.Model):
    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    application = models.ForeignKey(
        "applications.Application",
        on_delete=models.PROTECT,
        related_name="licences",
        verbose_name=_("application"),
    )
    licence_type = models.ForeignKey(
        "licensing.LicenceType",
        on_delete=models.PROTECT,
        related_name="licences",
        verbose_name=_("licence type"),
    )
    business = models.ForeignKey(
        "registry.Business",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="licences",
        verbose_name=_("business"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=LicenceStatus.choices, default=LicenceStatus.PENDING
    )
    # Gap-free per licence type and year (esb.numbering.next_gap_free_number); kept by amended versions.
    number = models.CharField(_("licence number"), max_length=60, blank=True, db_index=True)
    sequence = models.PositiveIntegerField(_("sequence"), null=True, blank=True)
    issued_year = models.PositiveSmallIntegerField(_("year"))
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    supersedes = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
        verbose_name=_("supersedes"),
    )
    # Searchable snapshot of the holder at issue (the business may change later; the licence does not).
    holder_name_km = models.CharField(_("holder (Khmer)"), max_length=255)
    holder_name_en = models.CharField(_("holder (English)"), max_length=255, blank=True)
    single_id = models.CharField(_("Single ID"), max_length=30, blank=True, db_index=True)
    # Everything else printed on the licence (owner, address, activity…), encrypted: it names people.
    particulars = EncryptedJSONField(_("particulars"), default=dict)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    conditions_km = models.TextField(_("conditions (Khmer)"), blank=True)
    conditions_en = models.TextField(_("conditions (English)"), blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approver_name = models.CharField(_("approving officer"), max_length=255, blank=True)
    approver_title = models.CharField(_("approving officer's title"), max_length=255, blank=True)
    pdf = models.FileField(_("PDF"), upload_to=_licence_path, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    verification_provider = models.CharField(_("verification provider"), max_length=50, blank=True)
    verification_id = models.CharField(_("verification record"), max_length=128, blank=True)
    # Encrypted: the URL carries the record's key, which opens the document to whoever holds it.
    verification_url = EncryptedTextField(_("verification URL"), blank=True)
    # The status the provider was last told (a failed push is retried until it matches `status`).
    verification_status = models.CharField(_("status at the verification service"), max_length=10, blank=True)
    published_at = models.DateTimeField(_("published to verification"), null=True, blank=True)
    issued_at = models.DateTimeField(_("issued"), null=True, blank=True)
    # Why the issuance chain last stopped (a provider down, a template that failed); empty once it went on.
    issue_error = models.CharField(_("last issuing error"), max_length=500, blank=True)
    reminded_days = models.JSONField(_("expiry reminders sent (days before)"), default=list, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("licence")
        verbose_name_plural = _("licences")
        constraints = [
            models.UniqueConstraint(fields=["application"], name="licence_one_per_application"),
            models.UniqueConstraint(
                fields=["number", "version"],
                condition=~models.Q(number=""),
                name="licence_number_version_unique",
            ),
            models.UniqueConstraint(
                fields=["licence_type", "issued_year", "sequence"],
                condition=models.Q(sequence__isnull=False, version=1),
                name="licence_sequence_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=LicenceStatus.values), name="licence_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "valid_until"], name="licence_status_expiry"),
            models.Index(fields=["licence_type", "status"], name="licence_type_status"),
        ]
        permissions = [
            ("change_licence_status", _("Can suspend, reinstate and revoke licences")),
        ]

    def __str__(self) -> str:
        return self.number or str(_("Licence being issued"))

    @property
    def verification_status_label(self) -> str:
        """What the verification service was last told, in the reader's language ("" when never told)."""
        if self.verification_status in LicenceStatus.values:
            return str(LicenceStatus(self.verification_status).label)
        return self.verification_status


class LicenceEvent(models.Model):
    """One thing that happened to a licence (append-only: a trigger refuses UPDATE and DELETE)."""

    class Kind(models.TextChoices):
        NUMBERED = "NUMBERED", _("Numbered")
        REGISTERED = "REGISTERED", _("Registered for verification")
        RENDERED = "RENDERED", _("Document made")
        ISSUED = "ISSUED", _("Issued")
        SUSPENDED = "SUSPENDED", _("Suspended")
        REINSTATED = "REINSTATED", _("Reinstated")
        REVOKED = "REVOKED", _("Revoked")
        EXPIRED = "EXPIRED", _("Expired")
        SUPERSEDED = "SUPERSEDED", _("Superseded by an amendment")
        REMINDED = "REMINDED", _("Expiry reminder sent")
        RENEWAL_STARTED = "RENEWAL_STARTED", _("Renewal started")
        AMENDMENT_STARTED = "AMENDMENT_STARTED", _("Amendment started")

    licence = models.ForeignKey(Licence, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(_("at"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    from_status = models.CharField(_("from"), max_length=10, blank=True)
    to_status = models.CharField(_("to"), max_length=10, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("licence event")
        verbose_name_plural = _("licence events")
        indexes = [models.Index(fields=["licence", "at"], name="licence_event_licence_at")]

    def __str__(self) -> str:
        return f"{self.licence} {self.kind} {self.at:%Y-%m-%d}"


class LicenceChange(models.Model):
    """An application that renews or amends an issued licence (kept here: `applications` knows nothing of
    licences). Approving it issues the renewal's new licence, or the amendment's new version."""

    application = models.OneToOneField(
        "applications.Application",
        on_delete=models.PROTECT,
        related_name="licence_change",
        verbose_name=_("application"),
    )
    licence = models.ForeignKey(
        Licence, on_delete=models.PROTECT, related_name="changes", verbose_name=_("licence")
    )
    kind = models.CharField(_("kind"), max_length=12)  # licensing LicenceService.Kind: RENEWAL or AMENDMENT
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("licence renewal or amendment")
        verbose_name_plural = _("licence renewals and amendments")

    def __str__(self) -> str:
        return f"{self.kind} {self.licence}"

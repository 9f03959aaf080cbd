"""State of the verify.gov.kh simulator: the records issuers registered, their documents (encrypted) and the
history of their status.

The *external* registry's state: the portal never reads these tables, it talks to the simulator over HTTP.
The record key is not stored: only its SHA-256 (to check a key) is, and the document is encrypted under a
key derived from the record key, so this database alone shows no document (sandbox/verify/services.py).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SimRecordStatus(models.TextChoices):
    VALID = "VALID", _("Valid")
    SUSPENDED = "SUSPENDED", _("Suspended")
    REVOKED = "REVOKED", _("Revoked")
    EXPIRED = "EXPIRED", _("Expired")
    SUPERSEDED = "SUPERSEDED", _("Superseded")


class SimVerifyRecord(models.Model):
    record_id = models.CharField(_("record id"), max_length=32, unique=True)
    issuer = models.CharField(_("issuer account"), max_length=50)
    idempotency_key = models.CharField(_("idempotency key"), max_length=200)
    request_digest = models.CharField(_("registration digest"), max_length=64)
    key_hash = models.CharField(_("key digest"), max_length=64)
    document_number = models.CharField(_("document number"), max_length=100)
    document_type_km = models.CharField(_("document type (Khmer)"), max_length=200)
    document_type_en = models.CharField(_("document type (English)"), max_length=200)
    issuer_km = models.CharField(_("issuer (Khmer)"), max_length=200)
    issuer_en = models.CharField(_("issuer (English)"), max_length=200)
    holder_km = models.CharField(_("holder (Khmer)"), max_length=300)
    holder_en = models.CharField(_("holder (English)"), max_length=300)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    extra = models.JSONField(_("other fields"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=SimRecordStatus.choices, default=SimRecordStatus.VALID
    )
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    sha256 = models.CharField(_("document SHA-256"), max_length=64, blank=True)
    document_size = models.PositiveIntegerField(_("document size"), default=0)
    document_nonce = models.BinaryField(_("document nonce"), max_length=12, null=True, blank=True)
    document_ciphertext = models.BinaryField(_("encrypted document"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        app_label = "sandbox"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["issuer", "idempotency_key"], name="sandbox_verify_one_per_key"),
        ]
        verbose_name = _("verify.gov.kh simulated record")
        verbose_name_plural = _("verify.gov.kh simulated records")

    def __str__(self) -> str:
        return f"{self.record_id} {self.document_number} {self.status}"


class SimVerifyStatusChange(models.Model):
    """Append-only (a database trigger refuses UPDATE and DELETE): what the record's status was and when."""

    record = models.ForeignKey(SimVerifyRecord, on_delete=models.PROTECT, related_name="history")
    status = models.CharField(_("status"), max_length=10, choices=SimRecordStatus.choices)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        app_label = "sandbox"
        ordering = ["at", "pk"]
        verbose_name = _("verify.gov.kh simulated status change")
        verbose_name_plural = _("verify.gov.kh simulated status changes")

    def __str__(self) -> str:
        return f"{self.record_id} {self.status}"

"""Verification providers: where an issued document is registered so that anyone holding it can check it.

verify.gov.kh is the national one (`../shared/spec/dpi-protocols.md` §4). Its issuer API is not public, so
the portal talks to it through this interface, one plugin per provider (`esb.plugins`), the active one named
by `settings.ESB_VERIFICATION["PROVIDER"]`:

    provider = verification_providers.get(settings.ESB_VERIFICATION["PROVIDER"])
    record = provider.register(RecordRequest(...))  # id, key and URL for the QR, before the PDF exists
    provider.publish(record.record_id, pdf_bytes)           # the signed-off document and its SHA-256
    provider.set_status(record.record_id, RecordStatus.REVOKED, reason="...")
    provider.status(record.record_id)                        # what a verifier sees now

Registration comes before the PDF because the PDF prints the verification URL in its QR code. Every call is
idempotent: `register` with the same `idempotency_key` returns the same record (a worker that died after
the provider answered and before the portal committed gets the same id and key on retry, so one licence
never has two records); `publish` of the same bytes and `set_status` to the current status change nothing.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import models

from esb.plugins import Plugin, Registry


class RecordStatus(models.TextChoices):
    """What a verifier is told (the licence's own status, as the provider shows it)."""

    VALID = "VALID"
    SUSPENDED = "SUSPENDED"
    REVOKED = "REVOKED"
    EXPIRED = "EXPIRED"
    SUPERSEDED = "SUPERSEDED"


@dataclass(frozen=True)
class RecordRequest:
    """What the provider keeps and shows about one document (bilingual where a person reads it)."""

    idempotency_key: str  # the licence's public id: the same licence always gets the same record
    document_number: str
    document_type_km: str
    document_type_en: str
    issuer_km: str
    issuer_en: str
    holder_km: str
    holder_en: str
    valid_from: datetime.date
    valid_until: datetime.date | None = None
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Record:
    record_id: str  # 32 URL-safe characters
    key: str  # 64 hex characters; with the id it opens the record, and it is printed only in the QR
    verify_url: str  # https://verify.gov.kh/verify/{record_id}?key={key} (the sandbox's own base in dev)


@dataclass(frozen=True)
class RecordState:
    record_id: str
    status: str  # a RecordStatus value
    sha256: str = ""  # of the published document; "" until published
    reason: str = ""


class VerificationError(Exception):
    """The provider could not be reached or refused the call; the caller retries later (tasks) or reports."""


class VerificationProvider(Plugin):
    def register(self, request: RecordRequest) -> Record:
        raise NotImplementedError

    def publish(self, record_id: str, document: bytes) -> RecordState:
        """Attach the final document (the provider keeps its SHA-256, and the file to show to key holders)."""
        raise NotImplementedError

    def set_status(self, record_id: str, status: str, *, reason: str = "") -> RecordState:
        raise NotImplementedError

    def revoke(self, record_id: str, *, reason: str) -> RecordState:
        return self.set_status(record_id, RecordStatus.REVOKED, reason=reason)

    def status(self, record_id: str) -> RecordState:
        raise NotImplementedError


verification_providers: Registry[VerificationProvider] = Registry("verification providers")


def active_provider() -> VerificationProvider:
    """The provider named by `settings.ESB_VERIFICATION["PROVIDER"]` (verify.gov.kh's plugin by default)."""
    from django.conf import settings

    return verification_providers.get(
        getattr(settings, "ESB_VERIFICATION", {}).get("PROVIDER", "verify_gov_kh")
    )


__all__ = [
    "Record",
    "RecordRequest",
    "RecordState",
    "RecordStatus",
    "VerificationError",
    "VerificationProvider",
    "active_provider",
    "verification_providers",
]

"""What the verify.gov.kh simulator does (docs/verification.md): register records for authenticated issuers
(idempotently), keep each published document encrypted and its SHA-256, change a record's status, and open a
record to whoever holds its id and key.

Keys. A record's key is never stored: it is HMAC-SHA256(simulator secret, issuer + idempotency key), so an
idempotent re-registration gets the same key back, and only its SHA-256 is kept to check a key. The document
is encrypted with AES-256-GCM under HKDF(record key), so the simulator's database alone cannot show a
document (the real service's "the key gates the original" behaviour, dpi-protocols.md §4.2).
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from sandbox.verify.models import SimRecordStatus, SimVerifyRecord, SimVerifyStatusChange

# The simulator's issuers and their public API keys: the portal's development default VERIFY_API_KEY is the
# first; the second stands for another ministry (its records are not the portal's: 404 to the portal).
SANDBOX_API_KEY = "esb-verify-sandbox-issuer-key"
OTHER_ISSUER_API_KEY = "esb-verify-sandbox-other-ministry-key"
ISSUERS = {SANDBOX_API_KEY: "esb-portal", OTHER_ISSUER_API_KEY: "other-ministry"}

RECORD_ID = re.compile(r"^[A-Za-z0-9_-]{32}$")
KEY = re.compile(r"^[0-9a-fA-F]{64}$")
SHA256 = re.compile(r"^[0-9a-f]{64}$")
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
MAX_CHECK_BYTES = 20 * 1024 * 1024
_TEXT_LIMITS = {"document_number": 100, "document_type": 200, "issuer": 200, "holder": 300}
_UNKNOWN_KEY_HASH = hashlib.sha256(b"no such record").hexdigest()


class Invalid(Exception):
    """A request the simulator refuses: `status` and `code` are what the API answers."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def issuer_for(api_key: str) -> str:
    """The issuer an API key authenticates ('' for none). Every known key is compared, in constant time."""
    found = ""
    for known, issuer in ISSUERS.items():
        if hmac.compare_digest(api_key.encode(), known.encode()):
            found = issuer
    return found


def _secret() -> bytes:
    return hashlib.sha256(f"esb-sandbox-verify-record-keys\n{settings.SECRET_KEY}".encode()).digest()


def record_key(issuer: str, idempotency_key: str) -> str:
    return hmac.new(_secret(), f"{issuer}\n{idempotency_key}".encode(), hashlib.sha256).hexdigest()


def key_hash(key: str) -> str:
    return hashlib.sha256(key.lower().encode()).hexdigest()


def _document_key(key: str, record_id: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=record_id.encode(), info=b"esb-sandbox-verify document"
    ).derive(bytes.fromhex(key))


def public_url(record: SimVerifyRecord, key: str) -> str:
    base = str(settings.ESB_VERIFICATION.get("PUBLIC_BASE_URL") or "").rstrip("/")
    return f"{base}/verify/{record.record_id}?key={key}"


@dataclass(frozen=True)
class Registration:
    record: SimVerifyRecord
    key: str
    created: bool


def _text(body: dict, name: str, *, bilingual: bool) -> dict[str, str]:
    value = body.get(name)
    limit = _TEXT_LIMITS[name]
    if bilingual:
        if not isinstance(value, dict):
            raise Invalid(400, "invalid_request", f"{name} must be an object with km and en")
        texts = {lang: value.get(lang) for lang in ("km", "en")}
    else:
        texts = {"": value}
    for lang, text in texts.items():
        if not isinstance(text, str) or not text.strip() or len(text) > limit:
            label = f"{name}.{lang}" if lang else name
            raise Invalid(400, "invalid_request", f"{label} must be a text of 1 to {limit} characters")
    return {lang: text.strip() for lang, text in texts.items()}


def _date(body: dict, name: str, *, required: bool) -> datetime.date | None:
    value = body.get(name)
    if value is None and not required:
        return None
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise Invalid(400, "invalid_request", f"{name} must be a date YYYY-MM-DD") from None


def _fields(body: dict) -> dict:
    number = _text(body, "document_number", bilingual=False)[""]
    document_type = _text(body, "document_type", bilingual=True)
    issuer = _text(body, "issuer", bilingual=True)
    holder = _text(body, "holder", bilingual=True)
    valid_from = _date(body, "valid_from", required=True)
    valid_until = _date(body, "valid_until", required=False)
    if valid_until and valid_until < valid_from:
        raise Invalid(400, "invalid_request", "valid_until is before valid_from")
    extra = body.get("extra") or {}
    if not isinstance(extra, dict) or len(json.dumps(extra)) > 4000:
        raise Invalid(400, "invalid_request", "extra must be an object of at most 4000 characters")
    return {
        "document_number": number,
        "document_type_km": document_type["km"],
        "document_type_en": document_type["en"],
        "issuer_km": issuer["km"],
        "issuer_en": issuer["en"],
        "holder_km": holder["km"],
        "holder_en": holder["en"],
        "valid_from": valid_from,
        "valid_until": valid_until,
        "extra": extra,
    }


def register(issuer: str, idempotency_key: str, body: dict) -> Registration:
    """A new record, or the one this issuer already registered under this idempotency key (the same id and
    key); the same key with different metadata is a conflict (409)."""
    if not 1 <= len(idempotency_key) <= 200 or not idempotency_key.isprintable():
        raise Invalid(400, "invalid_request", "the Idempotency-Key header (1 to 200 characters) is required")
    fields = _fields(body)
    digest = hashlib.sha256(json.dumps(fields, sort_keys=True, default=str).encode()).hexdigest()
    key = record_key(issuer, idempotency_key)
    existing = SimVerifyRecord.objects.filter(issuer=issuer, idempotency_key=idempotency_key).first()
    if existing is None:
        try:
            with transaction.atomic():
                record = SimVerifyRecord.objects.create(
                    record_id=secrets.token_urlsafe(24),  # 32 URL-safe characters
                    issuer=issuer,
                    idempotency_key=idempotency_key,
                    request_digest=digest,
                    key_hash=key_hash(key),
                    **fields,
                )
                SimVerifyStatusChange.objects.create(record=record, status=record.status)
            return Registration(record, key, created=True)
        except IntegrityError:  # a concurrent registration with the same key won
            existing = SimVerifyRecord.objects.get(issuer=issuer, idempotency_key=idempotency_key)
    if not hmac.compare_digest(existing.request_digest, digest):
        raise Invalid(409, "idempotency_conflict", "this Idempotency-Key was used with other metadata")
    return Registration(existing, key, created=False)


def issuer_record(issuer: str, record_id: str) -> SimVerifyRecord:
    """The issuer's own record; another issuer's or an unknown id is the same 404."""
    record = None
    if RECORD_ID.match(record_id):
        record = SimVerifyRecord.objects.filter(issuer=issuer, record_id=record_id).first()
    if record is None:
        raise Invalid(404, "not_found", "no such record")
    return record


def publish(issuer: str, record_id: str, document: bytes, declared_sha256: str) -> SimVerifyRecord:
    """Keep the document (encrypted) and its SHA-256. The same bytes again change nothing; other bytes are a
    conflict (409): a published document is never replaced (an amendment is a new record)."""
    if not SHA256.match(declared_sha256):
        raise Invalid(400, "invalid_request", "the X-Content-SHA256 header (64 lower-case hex) is required")
    if len(document) > MAX_DOCUMENT_BYTES:
        raise Invalid(413, "too_large", f"the document is larger than {MAX_DOCUMENT_BYTES} bytes")
    digest = hashlib.sha256(document).hexdigest()
    if not hmac.compare_digest(digest, declared_sha256):
        raise Invalid(400, "digest_mismatch", "the body's SHA-256 is not X-Content-SHA256")
    if not document.startswith(b"%PDF-"):
        raise Invalid(400, "not_pdf", "the document must be a PDF")
    with transaction.atomic():
        record = SimVerifyRecord.objects.select_for_update().get(pk=issuer_record(issuer, record_id).pk)
        if record.sha256:
            if record.sha256 == digest:
                return record
            raise Invalid(409, "already_published", "another document was already published for this record")
        key = record_key(record.issuer, record.idempotency_key)
        nonce = secrets.token_bytes(12)
        record.document_nonce = nonce
        record.document_ciphertext = AESGCM(_document_key(key, record.record_id)).encrypt(
            nonce, document, record.record_id.encode()
        )
        record.sha256, record.document_size, record.published_at = digest, len(document), timezone.now()
        record.save()
    return record


def set_status(issuer: str, record_id: str, status: object, reason: object) -> SimVerifyRecord:
    if not isinstance(status, str) or status not in SimRecordStatus.values:
        raise Invalid(400, "invalid_status", f"status must be one of {', '.join(SimRecordStatus.values)}")
    if not isinstance(reason, str) or len(reason) > 500:
        raise Invalid(400, "invalid_request", "reason must be a text of at most 500 characters")
    with transaction.atomic():
        record = SimVerifyRecord.objects.select_for_update().get(pk=issuer_record(issuer, record_id).pk)
        if record.status == status and record.reason == reason.strip():
            return record  # idempotent: no new history row
        record.status, record.reason = status, reason.strip()
        record.save(update_fields=["status", "reason", "updated_at"])
        SimVerifyStatusChange.objects.create(record=record, status=status, reason=record.reason)
    return record


def state(record: SimVerifyRecord) -> dict:
    """What the issuer API answers about a record (never its key or document)."""
    return {
        "record_id": record.record_id,
        "status": record.status,
        "reason": record.reason,
        "sha256": record.sha256,
        "document_number": record.document_number,
        "published_at": record.published_at.isoformat() if record.published_at else None,
        "updated_at": record.updated_at.isoformat(),
        "history": [
            {"status": change.status, "reason": change.reason, "at": change.at.isoformat()}
            for change in record.history.all()
        ],
    }


def open_record(record_id: str, key: str) -> SimVerifyRecord | None:
    """The record when `key` is its key; None for an unknown id, a malformed or wrong key alike (and the same
    work is done in each case: one hash and one constant-time comparison)."""
    record = None
    if RECORD_ID.match(record_id or ""):
        record = SimVerifyRecord.objects.filter(record_id=record_id).first()
    expected = record.key_hash if record else _UNKNOWN_KEY_HASH
    given = key_hash(key if KEY.match(key or "") else "")
    if not hmac.compare_digest(given, expected) or record is None or not KEY.match(key or ""):
        return None
    return record


def document(record: SimVerifyRecord, key: str) -> bytes | None:
    """The published document, decrypted with the record's key (None before it is published)."""
    if not record.document_ciphertext or not record.document_nonce:
        return None
    return AESGCM(_document_key(key.lower(), record.record_id)).decrypt(
        bytes(record.document_nonce), bytes(record.document_ciphertext), record.record_id.encode()
    )


def matches(record: SimVerifyRecord, upload) -> bool:
    """Whether an uploaded file is the published document: its bytes are hashed in chunks, never parsed."""
    hasher = hashlib.sha256()
    for chunk in upload.chunks():
        hasher.update(chunk)
    return bool(record.sha256) and hmac.compare_digest(hasher.hexdigest(), record.sha256)

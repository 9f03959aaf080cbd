"""The issuance chain, one idempotent step after another, each re-reading the licence row:

1. `number`   — a short transaction: licence row locked, `esb.numbering.next_gap_free_number` (scope
                `licence:<type id>`, the licence's year), formatted `<TYPE CODE>-<YEAR>-<000042>`; an
                amendment keeps the number of the version it replaces. Skipped when numbered.
2. `register` — the verification record (`active_provider().register`, idempotency key = the licence's
                public id, so a retry after a crash gets the same record). Skipped when registered.
3. `render`   — the PDF (with the QR of the verification URL) and its SHA-256, stored under the row lock.
                Skipped when stored.
4. `publish`  — the PDF to the provider (publishing the same bytes twice changes nothing). Skipped when done.
5. `activate` — PENDING → VALID (`history.transition`, kind ISSUED), the application's timeline line and the
                applicant's notification, and for an amendment the old version SUPERSEDED — one transaction.
6. `tell_superseded` — the provider learns that the replaced version is superseded.

Outbound calls (2, 4, 6) run outside any transaction; what they return is written in a short one after.
A worker killed anywhere leaves either the step undone (its transaction rolled back) or done (committed);
run again, the chain skips what is done, so one licence gets one number and one verification record.
"""

from __future__ import annotations

import hashlib
import logging

from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from applications import services as application_services
from esb.numbering import next_gap_free_number
from esb.outbox import services as outbox
from esb.outbox.models import OutboxMessage
from issuance import rendering
from issuance.models import Licence, LicenceChange, LicenceEvent, LicenceStatus
from issuance.services import history
from issuance.services.issuing import CHANGE_FROM_STATUSES, ISSUE_TOPIC, change_refusal, local_today
from issuance.verification import RecordRequest, RecordStatus, VerificationError, active_provider

logger = logging.getLogger(__name__)


class ChainError(RuntimeError):
    """A step found the licence not ready for it (an earlier step missing): a bug or a hand-edited row."""


def number_scope(licence: Licence) -> str:
    return f"licence:{licence.licence_type_id}"


def format_number(type_code: str, year: int, sequence: int) -> str:
    """`MOC-BR-001-2026-000042`: the licence type's catalog code, the year, six digits (more past 999,999)."""
    return f"{type_code.upper()}-{year}-{sequence:06d}"


def _load(licence_id: int) -> Licence:
    return Licence.objects.select_related("licence_type", "supersedes").get(pk=licence_id)


# --- 1. number ----------------------------------------------------------------------------------------------


def number(licence_id: int) -> str:
    with transaction.atomic():
        locked = history.lock(Licence(pk=licence_id))
        if locked.number:
            return locked.number
        if locked.supersedes_id:
            old = Licence.objects.get(pk=locked.supersedes_id)
            locked.number, locked.sequence = old.number, old.sequence
        else:
            locked.sequence = next_gap_free_number(number_scope(locked), locked.issued_year)
            locked.number = format_number(locked.licence_type.code, locked.issued_year, locked.sequence)
        locked.save(update_fields=["number", "sequence", "updated_at"])
        history.append_event(locked, LicenceEvent.Kind.NUMBERED, detail={"number": locked.number})
        return locked.number


# --- 2. register --------------------------------------------------------------------------------------------


def record_request(licence: Licence) -> RecordRequest:
    particulars = licence.particulars or {}
    institution = particulars.get("institution") or {}
    return RecordRequest(
        idempotency_key=str(licence.public_id),
        document_number=licence.number,
        document_type_km=licence.licence_type.name_km,
        document_type_en=licence.licence_type.name_en,
        issuer_km=institution.get("name_km", ""),
        issuer_en=institution.get("name_en", ""),
        holder_km=licence.holder_name_km,
        holder_en=licence.holder_name_en,
        valid_from=licence.valid_from,
        valid_until=licence.valid_until,
        extra={"version": licence.version, "single_id": licence.single_id},
    )


def register(licence_id: int) -> str:
    licence = _load(licence_id)
    if licence.verification_id:
        return licence.verification_id
    if not licence.number:
        raise ChainError(f"licence {licence_id} is registered before it is numbered")
    provider = active_provider()
    record = provider.register(record_request(licence))  # outside any transaction: it may take a while
    with transaction.atomic():
        locked = history.lock(licence)
        if locked.verification_id:
            return locked.verification_id
        locked.verification_provider = provider.key
        locked.verification_id = record.record_id
        locked.verification_url = record.verify_url
        locked.save(
            update_fields=["verification_provider", "verification_id", "verification_url", "updated_at"]
        )
        history.append_event(
            locked,
            LicenceEvent.Kind.REGISTERED,
            detail={"provider": provider.key, "record_id": record.record_id},
        )
        return record.record_id


# --- 3. render ----------------------------------------------------------------------------------------------


def render(licence_id: int) -> str:
    licence = _load(licence_id)
    if licence.sha256 and licence.pdf:
        return licence.sha256
    if not licence.verification_url:
        raise ChainError(f"licence {licence_id} is rendered before it is registered")
    with transaction.atomic():
        # Rendered under the row lock: two runs of the chain never write two different files for one licence.
        locked = history.lock(licence)
        if locked.sha256 and locked.pdf:
            return locked.sha256
        document = rendering.render_licence(locked)
        digest = hashlib.sha256(document).hexdigest()
        name = locked.pdf.field.generate_filename(locked, "licence.pdf")
        if locked.pdf.storage.exists(name):
            # Left by a run killed before its commit (nothing refers to it): replace it, keep the name.
            locked.pdf.storage.delete(name)
        locked.pdf.save(name, ContentFile(document), save=False)
        locked.sha256 = digest
        locked.save(update_fields=["pdf", "sha256", "updated_at"])
        history.append_event(locked, LicenceEvent.Kind.RENDERED, detail={"sha256": digest})
        return digest


# --- 4. publish ---------------------------------------------------------------------------------------------


def publish(licence_id: int) -> None:
    licence = _load(licence_id)
    if licence.published_at:
        return
    if not (licence.sha256 and licence.verification_id):
        raise ChainError(f"licence {licence_id} is published before its PDF is made")
    with licence.pdf.open("rb") as handle:
        document = handle.read()
    if hashlib.sha256(document).hexdigest() != licence.sha256:
        raise ChainError(f"licence {licence_id}: the stored PDF does not match its SHA-256")
    state = active_provider().publish(licence.verification_id, document)
    if state.sha256 and state.sha256 != licence.sha256:
        raise VerificationError("the verification service holds another document for this record")
    with transaction.atomic():
        locked = history.lock(licence)
        if not locked.published_at:
            locked.published_at = timezone.now()
            locked.save(update_fields=["published_at", "updated_at"])


# --- 5. activate --------------------------------------------------------------------------------------------


def download_url(licence: Licence) -> str:
    """Where the applicant downloads the licence (the applicant pages' view), or, where those pages are not
    installed, the application's status page."""
    try:
        return reverse("issuance:licence_download", kwargs={"public_id": licence.public_id})
    except NoReverseMatch:
        return reverse("applications:detail", kwargs={"public_id": licence.application.public_id})


def _held_back(locked: Licence) -> str:
    """Why a renewal or amendment must not become valid now ("" when it may): the licence it was made from
    was revoked, suspended or expired after the approval (`begin_issuance` refuses it before). The old
    licence is locked, so an officer's revoke either waits for this transaction or was seen by it."""
    change = LicenceChange.objects.filter(application_id=locked.application_id).first()
    if change is None:
        return ""
    old = history.lock(Licence(pk=change.licence_id))
    if not change_refusal(change, old, local_today(), new=locked):
        return ""
    if old.status not in CHANGE_FROM_STATUSES.get(change.kind, ()):
        return str(
            _(
                "Held back: since the approval, the licence this one amends or renews is “%(status)s”. It is "
                "issued only if that licence is valid again and an officer presses “Try issuing again”."
            )
            % {"status": old.get_status_display()}
        )
    return str(
        _(
            "Held back: the licence this one amends or renews can no longer be changed (its validity ended, "
            "or it was amended or renewed meanwhile)."
        )
    )


def activate(licence_id: int) -> bool:
    """PENDING → VALID; False when it was already done, or when it is held back (see `_held_back`): then it
    stays PENDING with the reason in `issue_error`, for the officers' register."""
    with transaction.atomic():
        locked = history.lock(Licence(pk=licence_id))
        if locked.status != LicenceStatus.PENDING:
            return False
        if not (locked.number and locked.verification_id and locked.sha256 and locked.published_at):
            raise ChainError(f"licence {licence_id} is activated before the earlier steps are done")
        held = _held_back(locked)
        if held:
            locked.issue_error = held[:500]
            locked.save(update_fields=["issue_error", "updated_at"])
            logger.warning("licence %s held back: %s", licence_id, held)
            return False
        history.transition(locked, LicenceStatus.VALID, LicenceEvent.Kind.ISSUED)
        locked.issued_at = timezone.now()
        locked.verification_status = RecordStatus.VALID
        locked.issue_error = ""
        locked.save(update_fields=["issued_at", "verification_status", "issue_error", "updated_at"])
        if locked.supersedes_id:
            old = history.lock(Licence(pk=locked.supersedes_id))
            if old.status in (LicenceStatus.VALID, LicenceStatus.SUSPENDED):
                history.transition(
                    old,
                    LicenceStatus.SUPERSEDED,
                    LicenceEvent.Kind.SUPERSEDED,
                    reason=f"{locked.number} v{locked.version}",
                )
        application_services.licence_issued(
            locked.application_id, number=locked.number, url=download_url(locked)
        )
        return True


# --- 6. the replaced version --------------------------------------------------------------------------------


def tell_superseded(licence_id: int) -> None:
    licence = _load(licence_id)
    old = licence.supersedes
    if old is None or old.status != LicenceStatus.SUPERSEDED or not old.verification_id:
        return
    if old.verification_status == RecordStatus.SUPERSEDED:
        return
    active_provider().set_status(
        old.verification_id, RecordStatus.SUPERSEDED, reason=f"{licence.number} v{licence.version}"
    )
    Licence.objects.filter(pk=old.pk).update(
        verification_status=RecordStatus.SUPERSEDED, updated_at=timezone.now()
    )


# --- the whole chain ----------------------------------------------------------------------------------------


def run(licence_id: int) -> Licence:
    """Every step, in order, each skipped when already done."""
    number(licence_id)
    register(licence_id)
    render(licence_id)
    publish(licence_id)
    activate(licence_id)
    tell_superseded(licence_id)
    return Licence.objects.get(pk=licence_id)


def record_error(licence_id: int, error: BaseException) -> None:
    """Keep why the chain stopped on the licence, for the officers' register (the licence stays PENDING)."""
    message = f"{type(error).__name__}: {error}"[:500]
    Licence.objects.filter(pk=licence_id, status=LicenceStatus.PENDING).update(
        issue_error=message, updated_at=timezone.now()
    )


def resume(licence: Licence) -> bool:
    """Start the chain again for a licence left PENDING (its retries ran out, or a template was fixed): a new
    outbox message, unless one for this licence is still waiting to be relayed (two clicks, or the command and
    a click, start one chain). False when not PENDING."""
    if licence.status != LicenceStatus.PENDING:
        return False
    with transaction.atomic():
        waiting = OutboxMessage.objects.filter(
            topic=ISSUE_TOPIC, payload__licence_id=licence.pk, status=OutboxMessage.Status.PENDING
        )
        if waiting.exists():
            return True
        # Keyed by the time so it is not taken for an earlier, delivered message of the same licence.
        outbox.enqueue(
            ISSUE_TOPIC,
            {"licence_id": licence.pk},
            dedupe_key=f"issuance.issue:{licence.public_id}:resume:{timezone.now().timestamp():.6f}",
        )
    return True


__all__ = [
    "ChainError",
    "activate",
    "download_url",
    "format_number",
    "number",
    "number_scope",
    "publish",
    "record_error",
    "record_request",
    "register",
    "render",
    "resume",
    "run",
    "tell_superseded",
]

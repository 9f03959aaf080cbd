"""Writes: consents given and withdrawn, consent texts published, data accesses logged.

Consents of one person are serialised by locking that person's user row, so a double-submitted consent form
cannot create two active rows (the partial unique constraint is the last line of defence). Publishing locks
every text of the purpose, so a consent is never given to a text that is being retired at that moment.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_ipv46_address
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from esb import audit, request_context
from esb.versioning import publish_version
from privacy.models import AccessorKind, Consent, ConsentPurpose, ConsentText, DataAccess
from privacy.signals import consent_withdrawn

USER_AGENT_MAX = 255


class ConsentTextNotCurrent(ValueError):
    """The text offered is not the current published version of the purpose (it changed, or never was).
    `message` is translated."""

    def __init__(self, message=None) -> None:
        self.message = message or _("The consent text was updated; please read it again.")
        super().__init__(str(self.message))


class ConsentTextNotPublishable(ValueError):
    def __init__(self, message) -> None:
        self.message = message
        super().__init__(str(message))


def _actor(user) -> dict:
    if user is None or not getattr(user, "pk", None):
        return {}
    return {"actor_id": user.pk, "actor_label": user.get_username()}


def _clean_ip(ip: str | None) -> str | None:
    if not ip:
        return None
    try:
        validate_ipv46_address(ip)
    except ValidationError:
        return None
    return ip


def _consent_summary(consent: Consent) -> dict:
    return {
        "user": consent.user_id,
        "purpose": consent.purpose,
        "text": consent.text_id,
        "version": consent.text.version,
        "given_at": consent.given_at,
        "withdrawn_at": consent.withdrawn_at,
    }


def _lock_user(user) -> None:
    get_user_model()._base_manager.select_for_update().filter(pk=user.pk).values_list("pk").first()


@transaction.atomic
def give_consent(user, purpose: str, text: ConsentText, *, ip=None, user_agent: str = "") -> Consent:
    """Record the person's consent to `text` (the current published version of `purpose`).

    Idempotent: an active consent to the same text is returned as is. Raises ConsentTextNotCurrent when
    the text is not (or no longer) the current published one."""
    if purpose not in ConsentPurpose.values:
        raise ConsentTextNotCurrent(_("Unknown consent purpose."))
    _lock_user(user)
    locked = ConsentText.objects.select_for_update().filter(pk=getattr(text, "pk", None)).first()
    if locked is None or locked.purpose != purpose or locked.status != ConsentText.Status.PUBLISHED:
        raise ConsentTextNotCurrent()
    existing = (
        Consent.objects.filter(user_id=user.pk, text=locked, withdrawn_at__isnull=True)
        .select_related("text")
        .first()
    )
    if existing is not None:
        return existing
    consent = Consent.objects.create(
        user_id=user.pk,
        purpose=purpose,
        text=locked,
        given_at=timezone.now(),
        ip=_clean_ip(ip),
        user_agent=(user_agent or "")[:USER_AGENT_MAX],
    )
    audit.record("privacy.consent_given", consent, after=_consent_summary(consent), **_actor(user))
    return consent


@transaction.atomic
def withdraw_consent(user, consent_id: int) -> Consent:
    """Withdraw one of the person's active consents (anyone else's, or one already withdrawn, raises
    Consent.DoesNotExist).

    Withdrawing a purpose withdraws every active consent of that purpose (earlier versions included): a
    person who says "no" means the purpose, not one wording of it. `consent_withdrawn` is sent inside
    the transaction so receivers act atomically with the withdrawal."""
    _lock_user(user)
    consent = (
        Consent.objects.select_for_update()
        .select_related("text")
        .get(pk=consent_id, user_id=user.pk, withdrawn_at__isnull=True)
    )
    now = timezone.now()
    others = Consent.objects.select_for_update().filter(
        user_id=user.pk, purpose=consent.purpose, withdrawn_at__isnull=True
    )
    for row in others.select_related("text"):
        row.withdrawn_at = now
        row.save(update_fields=["withdrawn_at"])
        audit.record("privacy.consent_withdrawn", row, after=_consent_summary(row), **_actor(user))
    consent.refresh_from_db()
    consent_withdrawn.send(sender=Consent, user=user, consent=consent)
    return consent


def record_access(
    *,
    accessor_label: str,
    accessor_kind: str,
    purpose: str,
    what: str,
    subject_user=None,
    subject_business=None,
    accessor_user=None,
    object_ref: str = "",
    accessor_label_km: str = "",
) -> DataAccess:
    """Append a row to the data access log (in the caller's transaction, if any).

    Not mirrored into the audit trail: this log is itself the record of a read, and an audit event per
    read would double the writes of every prefill and API call."""
    if accessor_kind not in AccessorKind.values:
        raise ValueError(f"Unknown accessor kind {accessor_kind!r}")
    if subject_user is None and subject_business is None:
        raise ValueError("A data access concerns a person or a business")
    ctx = request_context.current()
    return DataAccess.objects.create(
        at=timezone.now(),
        subject_user=subject_user,
        subject_business=subject_business,
        accessor_user=accessor_user,
        accessor_label=(accessor_label or "")[:200],
        accessor_label_km=(accessor_label_km or "")[:200],
        accessor_kind=accessor_kind,
        purpose=(purpose or "")[:32],
        what=(what or "")[:200],
        object_ref=(object_ref or "")[:64],
        request_id=(ctx.request_id if ctx.request_id != "-" else "")[:64],
    )


@dataclass(frozen=True)
class AccessEntry:
    """One row for `record_accesses` (ids rather than objects: a caller logging many reads has them)."""

    accessor_label: str
    accessor_kind: str
    purpose: str
    what: str
    subject_user_id: int | None = None
    subject_business_id: int | None = None
    accessor_label_km: str = ""
    object_ref: str = ""
    accessor_user_id: int | None = None


def record_accesses(entries: Iterable[AccessEntry]) -> list[DataAccess]:
    """Append many rows to the data access log in one INSERT (an API answer listing many applications).
    Entries that concern no one are skipped; an unknown accessor kind raises ValueError."""
    ctx = request_context.current()
    request_id = (ctx.request_id if ctx.request_id != "-" else "")[:64]
    now = timezone.now()
    rows = []
    for entry in entries:
        if entry.accessor_kind not in AccessorKind.values:
            raise ValueError(f"Unknown accessor kind {entry.accessor_kind!r}")
        if entry.subject_user_id is None and entry.subject_business_id is None:
            continue
        rows.append(
            DataAccess(
                at=now,
                subject_user_id=entry.subject_user_id,
                subject_business_id=entry.subject_business_id,
                accessor_user_id=entry.accessor_user_id,
                accessor_label=(entry.accessor_label or "")[:200],
                accessor_label_km=(entry.accessor_label_km or "")[:200],
                accessor_kind=entry.accessor_kind,
                purpose=(entry.purpose or "")[:32],
                what=(entry.what or "")[:200],
                object_ref=(entry.object_ref or "")[:64],
                request_id=request_id,
            )
        )
    return DataAccess.objects.bulk_create(rows) if rows else []


def record_accesses_of(
    subjects: Iterable[tuple[int | None, int | None, str]],
    *,
    accessor_label: str,
    accessor_kind: str,
    purpose: str,
    what: str,
    accessor_user_id: int | None = None,
) -> int:
    """One accessor's read of many people's or businesses' data — (subject user id, subject business id,
    object reference) each — appended in one statement (a report listing a year of applications logs
    hundreds of thousands: `record_accesses` builds a model instance per row, ten times slower). Subjects
    naming no one are skipped; returns how many rows were written."""
    if accessor_kind not in AccessorKind.values:
        raise ValueError(f"Unknown accessor kind {accessor_kind!r}")
    users, businesses, refs = [], [], []
    for user_id, business_id, object_ref in subjects:
        if user_id is None and business_id is None:
            continue
        users.append(user_id)
        businesses.append(business_id)
        refs.append((object_ref or "")[:64])
    if not refs:
        return 0
    ctx = request_context.current()
    request_id = (ctx.request_id if ctx.request_id != "-" else "")[:64]
    table = DataAccess._meta.db_table  # our own constant, not input
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} (at, subject_user_id, subject_business_id, accessor_user_id, accessor_label,
                                 accessor_label_km, accessor_kind, purpose, what, object_ref, request_id)
            SELECT %s, s.u, s.b, %s, %s, '', %s, %s, %s, s.r, %s
            FROM unnest(%s::bigint[], %s::bigint[], %s::text[]) AS s(u, b, r)
            """,  # noqa: S608 (the table name is ours, every value a parameter)
            [
                timezone.now(),
                accessor_user_id,
                (accessor_label or "")[:200],
                accessor_kind,
                (purpose or "")[:32],
                (what or "")[:200],
                request_id,
                users,
                businesses,
                refs,
            ],
        )
        return cursor.rowcount


@transaction.atomic
def publish_consent_text(text: ConsentText, *, by) -> ConsentText:
    """Publish a draft text; the version published until now is retired. From then on `has_consent` is
    false for everyone until they consent to the new version."""
    list(ConsentText.objects.select_for_update().filter(purpose=text.purpose).values_list("pk"))
    locked = ConsentText.objects.get(pk=text.pk)
    if locked.status != ConsentText.Status.DRAFT:
        raise ConsentTextNotPublishable(
            _("Only a draft can be published; version %(version)s is %(status)s.")
            % {"version": locked.version, "status": locked.get_status_display()}
        )
    if not all(
        [locked.title_km.strip(), locked.title_en.strip(), locked.body_km.strip(), locked.body_en.strip()]
    ):
        raise ConsentTextNotPublishable(_("Write the title and the text in both Khmer and English first."))
    previous = publish_version(locked, by=by)
    if previous is not None:
        audit.record(
            "privacy.consent_text_retired",
            previous,
            after={"purpose": previous.purpose, "version": previous.version, "status": previous.status},
            **_actor(by),
        )
    audit.record(
        "privacy.consent_text_published",
        locked,
        after={"purpose": locked.purpose, "version": locked.version, "status": locked.status},
        **_actor(by),
    )
    return locked

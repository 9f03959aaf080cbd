"""What happens to an issued licence after issue: an officer suspends, reinstates or revokes it; the daily job
expires it and reminds its holder before it lapses; the holder starts its renewal or amendment.

Every status change goes through `issuance.services.history` (transition table, append-only event, audit) on
a locked row, and enqueues in the same transaction what must follow it: telling the verification provider
(outbox topic `SYNC_TOPIC`, so verify.gov.kh shows the new status as soon as the worker relays it) and the
holder's notification (in both languages). docs/licences.md says who may do what.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.selectors import scope_queryset
from applications import services as application_services
from applications.models import EDITABLE, UNDECIDED, Status
from esb import audit
from esb.outbox import services as outbox
from issuance.models import Licence, LicenceChange, LicenceEvent, LicenceStatus
from issuance.services import chain, history
from issuance.services.history import LicenceError
from issuance.services.issuing import renewal_issued_from
from issuance.verification import RecordStatus, VerificationError, active_provider
from licensing.models import LicenceService
from notifications import services as notifications

logger = logging.getLogger(__name__)

STATUS_PERMISSION = "issuance.change_licence_status"
SYNC_TOPIC = "issuance.sync_verification"
REMINDER_DAYS = (60, 30)  # days before `valid_until` a holder is reminded, once each
# An expired licence may still be renewed for this many days (the business kept trading while the renewal
# was prepared); later, the holder applies for a new licence.
RENEWAL_GRACE_DAYS = 90
REASON_MIN, REASON_MAX = 5, 1000
BATCH = 200  # licences a job run locks at a time
SYNC_ROUNDS = 3  # pushes of one sync when the licence keeps moving while the provider answers

# What the holder is told, in both languages (the notification keeps the words used at the time).
_TITLES: dict[str, tuple[str, str]] = {
    LicenceEvent.Kind.SUSPENDED: ("អាជ្ញាប័ណ្ណរបស់អ្នកត្រូវបានព្យួរ", "Your licence is suspended"),
    LicenceEvent.Kind.REINSTATED: ("អាជ្ញាប័ណ្ណរបស់អ្នកមានសុពលភាពឡើងវិញ", "Your licence is valid again"),
    LicenceEvent.Kind.REVOKED: ("អាជ្ញាប័ណ្ណរបស់អ្នកត្រូវបានដកហូត", "Your licence is revoked"),
    LicenceEvent.Kind.REMINDED: ("អាជ្ញាប័ណ្ណរបស់អ្នកជិតផុតសុពលភាព", "Your licence expires soon"),
}

# Officer actions: (target status, event kind).
_ACTIONS: dict[str, tuple[str, str]] = {
    "suspend": (LicenceStatus.SUSPENDED, LicenceEvent.Kind.SUSPENDED),
    "reinstate": (LicenceStatus.VALID, LicenceEvent.Kind.REINSTATED),
    "revoke": (LicenceStatus.REVOKED, LicenceEvent.Kind.REVOKED),
}
OFFICER_ACTIONS = tuple(_ACTIONS)
# Which officer action a status allows (what the register offers; the transition table has the last word).
ALLOWED_ACTIONS: dict[str, tuple[str, ...]] = {
    LicenceStatus.VALID: ("suspend", "revoke"),
    LicenceStatus.SUSPENDED: ("reinstate", "revoke"),
}


def licences_for_officer(officer) -> QuerySet[Licence]:
    """The licences of the officer's institutions (all for a national administrator; none without scope)."""
    return scope_queryset(Licence.objects.all(), officer, "licence_type__institution")


# --- officer actions ---


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if len(reason) < REASON_MIN:
        raise LicenceError(_("Give the reason (at least a few words)."), "no_reason")
    return reason[:REASON_MAX]


def _enqueue_sync(licence: Licence, event: LicenceEvent) -> None:
    if licence.verification_id:  # not yet registered: the issuance chain registers it with its status
        outbox.enqueue(SYNC_TOPIC, {"licence_id": licence.pk}, dedupe_key=f"licence-sync:{event.pk}")


def _licence_url(licence: Licence) -> str:
    return reverse("issuance:detail", kwargs={"public_id": licence.public_id})


def _notify_holder(licence: Licence, event: LicenceEvent, *, extra_km: str = "", extra_en: str = "") -> None:
    title_km, title_en = _TITLES[event.kind]
    holder = licence.application.applicant
    body_km = f"{licence.number} — {licence.holder_name_km}"
    body_en = f"{licence.number} — {licence.holder_name_en or licence.holder_name_km}"
    if extra_km or extra_en:
        body_km, body_en = f"{body_km}\n\n{extra_km}", f"{body_en}\n\n{extra_en}"
    if event.reason:
        body_km, body_en = f"{body_km}\n\n{event.reason}", f"{body_en}\n\n{event.reason}"
    notifications.notify(
        holder,
        title_km=title_km,
        title_en=title_en,
        body_km=body_km,
        body_en=body_en,
        url=_licence_url(licence),
        dedupe_key=f"licence-event:{event.pk}",
    )


def change_status(licence: Licence, officer, action: str, reason: str, *, seen_status: str = "") -> Licence:
    """Suspend, reinstate or revoke `licence` for `officer` (see `suspend`, `reinstate`, `revoke`).

    `seen_status`: the status the officer's page showed; when the licence has changed since (another officer
    acted first), the action is refused (`code="stale"`) rather than applied to a licence they did not see.
    """
    if action not in _ACTIONS:
        raise LicenceError(_("Unknown action."), "action")
    if not officer.has_perm(STATUS_PERMISSION):
        raise LicenceError(_("You may not change the status of licences."), "permission")
    if not licences_for_officer(officer).filter(pk=licence.pk).exists():
        raise LicenceError(_("This licence is not one of your institution's."), "scope")
    reason = _reason(reason)
    to_status, kind = _ACTIONS[action]
    with transaction.atomic():
        locked = history.lock(licence)
        if seen_status and locked.status != seen_status:
            raise LicenceError(
                _("Someone changed this licence meanwhile: it is now “%(status)s”. Check it and try again.")
                % {"status": locked.get_status_display()},
                "stale",
            )
        event = history.transition(locked, to_status, kind, actor=officer, reason=reason)
        _enqueue_sync(locked, event)
        _notify_holder(locked, event)
    licence.refresh_from_db()
    return licence


def retry_issuance(licence: Licence, officer) -> Licence:
    """Send a licence whose issuance stopped (still PENDING, `issue_error` kept by the chain) back to the
    chain for `officer` (the register's "Try issuing again"): the same checks as a status change, then
    `chain.resume` and an audit entry. The error stays on the licence until the chain succeeds, so the
    register keeps showing why it is stuck."""
    if not officer.has_perm(STATUS_PERMISSION):
        raise LicenceError(_("You may not change the status of licences."), "permission")
    if not licences_for_officer(officer).filter(pk=licence.pk).exists():
        raise LicenceError(_("This licence is not one of your institution's."), "scope")
    with transaction.atomic():
        locked = history.lock(licence)
        if locked.status != LicenceStatus.PENDING or not chain.resume(locked):
            raise LicenceError(
                _("This licence is already issued (it is “%(status)s”): there is nothing to try again.")
                % {"status": locked.get_status_display()},
                "not_pending",
            )
        audit.record(
            "licence.issue_retried",
            locked,
            before={"issue_error": locked.issue_error},
            actor_id=getattr(officer, "pk", None),
        )
    licence.refresh_from_db()
    return licence


def suspend(licence: Licence, officer, reason: str, *, seen_status: str = "") -> Licence:
    """VALID → SUSPENDED: the licence shows as suspended at verification until reinstated or revoked."""
    return change_status(licence, officer, "suspend", reason, seen_status=seen_status)


def reinstate(licence: Licence, officer, reason: str, *, seen_status: str = "") -> Licence:
    """SUSPENDED → VALID."""
    return change_status(licence, officer, "reinstate", reason, seen_status=seen_status)


def revoke(licence: Licence, officer, reason: str, *, seen_status: str = "") -> Licence:
    """VALID or SUSPENDED → REVOKED, for good."""
    return change_status(licence, officer, "revoke", reason, seen_status=seen_status)


# --- the verification provider ---

# What the public verification page says of an officer's action (anyone holding the QR reads it): a fixed
# wording, never the officer's own text, which stays in the licence's history and the holder's notice.
PUBLIC_REASONS: dict[str, str] = {
    LicenceStatus.SUSPENDED: "ត្រូវបានព្យួរដោយស្ថាប័នចេញអាជ្ញាប័ណ្ណ / Suspended by the issuing institution",
    LicenceStatus.REVOKED: "ត្រូវបានដកហូតដោយស្ថាប័នចេញអាជ្ញាប័ណ្ណ / Revoked by the issuing institution",
}


def public_reason(licence: Licence) -> str:
    """The reason the provider shows for the licence's current status: the fixed wording of an officer's
    suspension or revocation; the system's own reason otherwise (an expiry's date), never an officer's."""
    if licence.status in PUBLIC_REASONS:
        return PUBLIC_REASONS[licence.status]
    last = licence.events.filter(to_status=licence.status).order_by("-at", "-pk").first()
    if last is None or last.actor_id is not None:
        return ""
    return last.reason


def sync_verification(licence_id: int) -> str:
    """Tell the verification provider the licence's current status (the outbox handler's work, and the daily
    job's safety net). Idempotent: re-reads the licence, does nothing when the provider was already told this
    status; a `VerificationError` propagates so the task retries. Returns what it did.

    The provider is called outside any transaction (nothing stays locked while it answers), so two pushes
    for one licence may overlap (suspended, then revoked a second later): after each call the licence is read
    again and, if it moved meanwhile, the newer status is sent too, so the last call of every push carries
    the status the licence had when it ended."""
    result = "skipped"
    for _attempt in range(SYNC_ROUNDS):
        licence = Licence.objects.filter(pk=licence_id).first()
        if licence is None or not licence.verification_id or licence.status == LicenceStatus.PENDING:
            return result
        if licence.verification_status == licence.status and result == "skipped":
            return "unchanged"
        status = licence.status
        active_provider().set_status(
            licence.verification_id, RecordStatus(status), reason=public_reason(licence)
        )
        result = "sent"
        # Recorded only if the licence did not move meanwhile; if it did, the next round sends the newer one.
        if Licence.objects.filter(pk=licence.pk, status=status).update(verification_status=status):
            return result
    return result


def resync_verification(limit: int = BATCH) -> int:
    """Licences whose provider record lags their status (a push that failed every retry): push them again."""
    lagging = (
        Licence.objects.exclude(verification_id="")
        .exclude(status=LicenceStatus.PENDING)
        .exclude(status=F("verification_status"))
        .values_list("pk", flat=True)[:limit]
    )
    done = 0
    for pk in list(lagging):
        try:
            if sync_verification(pk) == "sent":
                done += 1
        except VerificationError as error:
            logger.warning("licence %s: verification still not told: %s", pk, error)
    return done


# --- the daily jobs ---


def expire_due_licences(today: datetime.date | None = None) -> int:
    """VALID and SUSPENDED licences whose `valid_until` has passed become EXPIRED, and their application's
    Part 5 status with them (APPROVED → EXPIRED, which tells the applicant); the provider is told. Idempotent:
    an expired licence is no longer picked up."""
    today = today or timezone.localdate()
    due = Q(status__in=(LicenceStatus.VALID, LicenceStatus.SUSPENDED), valid_until__lt=today)
    count = 0
    failed: set[int] = set()  # skipped for the rest of this run (logged), so one bad row never stops the job
    while True:
        with transaction.atomic():
            batch = list(
                Licence.objects.select_for_update(of=("self",), skip_locked=True)
                .filter(due)
                .exclude(pk__in=failed)
                .select_related("application")
                .order_by("valid_until", "pk")[:BATCH]
            )
            for locked in batch:
                try:
                    with transaction.atomic():
                        _expire(locked)
                except Exception:
                    logger.exception("licence %s: could not expire it (tried again tomorrow)", locked.pk)
                    failed.add(locked.pk)
                else:
                    count += 1
        if len(batch) < BATCH:
            return count


def _expire(locked: Licence) -> None:
    event = history.transition(
        locked,
        LicenceStatus.EXPIRED,
        LicenceEvent.Kind.EXPIRED,
        reason=str(_("The validity period ended on %(date)s.") % {"date": locked.valid_until}),
    )
    _enqueue_sync(locked, event)
    if locked.application.status == Status.APPROVED:
        # The Part 5 status follows the licence; the applicant's timeline says so, which notifies them.
        application_services.change_status(
            locked.application, Status.EXPIRED, title="expired", reason="licence expired"
        )


def _reminder_due(licence: Licence, today: datetime.date) -> tuple[int, list[int]] | None:
    """(the reminder to send, every threshold it covers) — a licence first seen at 29 days gets the 30-day
    reminder, and the 60-day one is marked as passed so it is never sent late."""
    days_left = (licence.valid_until - today).days
    if days_left < 0:
        return None
    passed = [d for d in REMINDER_DAYS if days_left <= d and d not in (licence.reminded_days or [])]
    if not passed:
        return None
    return min(passed), passed


def send_expiry_reminders(today: datetime.date | None = None) -> int:
    """Remind the holders of VALID licences 60 and 30 days before they expire, once each (recorded in
    `reminded_days` and a REMINDED event, on the locked row: two runs, or a late one, send nothing twice)."""
    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=max(REMINDER_DAYS))
    candidates = Licence.objects.filter(
        status=LicenceStatus.VALID, valid_until__gte=today, valid_until__lte=horizon
    ).values_list("pk", flat=True)
    sent = 0
    for pk in list(candidates):
        with transaction.atomic():
            locked = (
                Licence.objects.select_for_update(of=("self",), skip_locked=True)
                .select_related("application__applicant")
                .filter(pk=pk, status=LicenceStatus.VALID)
                .first()
            )
            due = _reminder_due(locked, today) if locked is not None else None
            if due is None:
                continue
            days, covered = due
            locked.reminded_days = sorted({*(locked.reminded_days or []), *covered}, reverse=True)
            locked.save(update_fields=["reminded_days", "updated_at"])
            event = history.append_event(
                locked, LicenceEvent.Kind.REMINDED, detail={"days": days, "covers": covered}
            )
            until = locked.valid_until.isoformat()
            _notify_holder(
                locked,
                event,
                extra_km=f"ផុតសុពលភាពនៅថ្ងៃទី {until}។ សូមដាក់ពាក្យបន្តសុពលភាព។",
                extra_en=f"It expires on {until}. Please apply for its renewal.",
            )
            sent += 1
    return sent


# --- renewal and amendment ---


@dataclass(frozen=True)
class ChangeStarted:
    application: object  # the new draft (applications.Application)
    change: LicenceChange


def open_change(licence: Licence) -> LicenceChange | None:
    """The renewal or amendment of this licence still in progress: a draft, an undecided application, or an
    approved one whose new licence is still being issued (PENDING) — until then a second change would race
    the first (two versions superseding one, two renewals starting the same day)."""
    return (
        licence.changes.select_related("application")
        .filter(
            Q(application__status__in=UNDECIDED)
            | Q(application__status__in=EDITABLE, application__discarded_at__isnull=True)
            | Q(application__status=Status.APPROVED, application__licences__status=LicenceStatus.PENDING)
        )
        .first()
    )


def may_renew(licence: Licence, today: datetime.date | None = None) -> bool:
    """VALID, or EXPIRED within the grace window, and not renewed yet (one renewal per licence: the next
    one starts from the renewed licence)."""
    today = today or timezone.localdate()
    if licence.valid_until is None or renewal_issued_from(licence):
        return False
    if licence.status == LicenceStatus.VALID:
        return True
    return licence.status == LicenceStatus.EXPIRED and (
        licence.valid_until >= today - datetime.timedelta(days=RENEWAL_GRACE_DAYS)
    )


def may_amend(licence: Licence) -> bool:
    return licence.status == LicenceStatus.VALID


def change_service(licence: Licence, kind: str) -> LicenceService | None:
    return (
        LicenceService.objects.filter(licence_type_id=licence.licence_type_id, kind=kind, is_active=True)
        .order_by("sort_order", "code")
        .first()
    )


def _start_change(licence: Licence, user, kind: str) -> ChangeStarted:
    """`licence` must come from the holder's scoped selector (`issuance.selectors.licence_for_holder`): the
    page answers 404 for anyone else's licence before this runs."""
    renewal = kind == LicenceService.Kind.RENEWAL
    if renewal and not may_renew(licence):
        raise LicenceError(
            _(
                "This licence cannot be renewed: only a valid licence, or one expired less than "
                "%(days)s days ago, can."
            )
            % {"days": RENEWAL_GRACE_DAYS},
            "not_renewable",
        )
    if not renewal and not may_amend(licence):
        raise LicenceError(_("Only a valid licence can be amended."), "not_amendable")
    service = change_service(licence, kind)
    if service is None:
        raise LicenceError(
            _("This licence cannot be renewed online: its licence type has no renewal service.")
            if renewal
            else _("This licence cannot be amended online: its licence type has no amendment service."),
            "no_service",
        )
    with transaction.atomic():
        locked = history.lock(licence)  # two clicks at once: the second waits and then finds the change
        existing = open_change(locked)
        if existing is not None:
            raise LicenceError(
                _("A renewal or amendment of this licence is already in progress: continue that one."), "open"
            )
        try:
            draft = application_services.start_application(
                user, locked.licence_type, service=service, business=locked.business
            )
        except application_services.ApplicationError as error:
            raise LicenceError(error.message, error.code) from error
        if LicenceChange.objects.filter(application=draft).exists():
            # start_application returned a draft already opened for another licence of the same type.
            raise LicenceError(
                _(
                    "You have an unfinished request of this service for another licence: "
                    "finish or delete it first."
                ),
                "draft_taken",
            )
        draft = application_services.copy_answers(draft, locked.application, user)
        change = LicenceChange.objects.create(application=draft, licence=locked, kind=kind)
        history.append_event(
            locked,
            LicenceEvent.Kind.RENEWAL_STARTED if renewal else LicenceEvent.Kind.AMENDMENT_STARTED,
            actor=user,
            detail={"application": str(draft.public_id)},
        )
    return ChangeStarted(draft, change)


def start_renewal(licence: Licence, user) -> ChangeStarted:
    """A draft of the licence type's RENEWAL service, prefilled with the licence's application's answers."""
    return _start_change(licence, user, LicenceService.Kind.RENEWAL)


def start_amendment(licence: Licence, user) -> ChangeStarted:
    """A draft of the licence type's AMENDMENT service (approving it issues a new version of this licence)."""
    return _start_change(licence, user, LicenceService.Kind.AMENDMENT)


__all__ = [
    "ALLOWED_ACTIONS",
    "OFFICER_ACTIONS",
    "REMINDER_DAYS",
    "RENEWAL_GRACE_DAYS",
    "STATUS_PERMISSION",
    "SYNC_TOPIC",
    "ChangeStarted",
    "LicenceError",
    "change_service",
    "change_status",
    "expire_due_licences",
    "licences_for_officer",
    "may_amend",
    "may_renew",
    "open_change",
    "reinstate",
    "resync_verification",
    "retry_issuance",
    "revoke",
    "send_expiry_reminders",
    "start_amendment",
    "start_renewal",
    "suspend",
    "sync_verification",
]

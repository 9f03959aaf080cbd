"""The one way a licence changes status or gains a history entry: the transition table, the append-only
`LicenceEvent` and the audit event, in the caller's transaction on a row the caller locked.

Used by the issuance chain (PENDING -> VALID, and SUPERSEDED for the version an amendment replaces) and by the
lifecycle (suspend, reinstate, revoke, expire). What follows a change outside the database (telling the
verification provider, notifying the holder) is the caller's to enqueue in the outbox.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from esb import audit
from issuance.models import TRANSITIONS, Licence, LicenceEvent, LicenceStatus


class LicenceError(Exception):
    """A refused licence change; `message` is for the person who asked (translated), `code` for programs."""

    def __init__(self, message, code: str = "refused"):
        super().__init__(str(message))
        self.message, self.code = message, code


def lock(licence: Licence) -> Licence:
    """The licence row, locked until commit (only that row, never its type or application)."""
    return Licence.objects.select_for_update(of=("self",)).select_related("licence_type").get(pk=licence.pk)


def append_event(
    licence: Licence,
    kind: str,
    *,
    actor=None,
    reason: str = "",
    from_status: str = "",
    to_status: str = "",
    detail: dict | None = None,
) -> LicenceEvent:
    return LicenceEvent.objects.create(
        licence=licence,
        at=timezone.now(),
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        actor=actor,
        detail=detail or {},
    )


def transition(locked: Licence, to_status: str, kind: str, *, actor=None, reason: str = "") -> LicenceEvent:
    """Move a licence the caller locked to `to_status` (checked against `TRANSITIONS`), with its event and
    audit entry. Must run inside `transaction.atomic()`."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("licence transitions run inside the caller's transaction")
    if to_status not in TRANSITIONS[locked.status]:
        raise LicenceError(
            _("A licence that is “%(current)s” cannot become “%(target)s”.")
            % {"current": locked.get_status_display(), "target": LicenceStatus(to_status).label},
            "transition",
        )
    from_status = locked.status
    locked.status = to_status
    locked.save(update_fields=["status", "updated_at"])
    event = append_event(
        locked, kind, actor=actor, reason=reason, from_status=from_status, to_status=to_status
    )
    audit.record(
        f"licence.{kind.lower()}",
        locked,
        before={"status": from_status},
        after={"status": to_status},
        reason=reason[:255],
        actor_id=getattr(actor, "pk", None),
    )
    return event


__all__ = ["LicenceError", "append_event", "lock", "transition"]

"""The one way an application changes status: the transition table, the timeline event the applicant reads,
the audit event, and the notification — all in the caller's transaction, the application row written once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from applications.models import TRANSITIONS, Application, ApplicationEvent, Status
from applications.services import statistics
from applications.services.errors import ApplicationError
from applications.signals import application_approved
from esb import audit
from esb.compiled import CompiledQuery
from notifications import services as notifications

Actor = ApplicationEvent.ActorKind

# What the applicant reads for each move, in both languages (stored on the event: the history keeps the words
# used at the time even if these change).
_TITLES: dict[str, tuple[str, str]] = {
    "created": ("បានចាប់ផ្ដើមពាក្យស្នើសុំ", "Application started"),
    "submitted": ("បានដាក់ពាក្យស្នើសុំ", "Application submitted"),
    "resubmitted": ("បានដាក់ពាក្យស្នើសុំដែលបានកែតម្រូវឡើងវិញ", "Corrected application resubmitted"),
    "payment_required": ("ត្រូវបង់ថ្លៃសេវា", "Payment required"),
    "received": ("មន្ត្រីបានទទួលពាក្យស្នើសុំ ហើយកំពុងពិនិត្យ", "Received by the institution and under review"),
    "forwarded": ("បានបញ្ជូនទៅមន្ត្រីបន្ទាប់", "Forwarded to the next officer"),
    "returned": ("បានប្រគល់មកវិញដើម្បីកែតម្រូវ", "Returned to you for correction"),
    "approved": ("បានអនុម័ត", "Approved"),
    "rejected": ("បានបដិសេធ", "Rejected"),
    "withdrawn": ("បានដកពាក្យស្នើសុំវិញដោយអ្នកដាក់ពាក្យ", "Withdrawn by the applicant"),
    "expired": ("អាជ្ញាប័ណ្ណផុតសុពលភាព", "Licence expired"),
    "licence_issued": (
        "អាជ្ញាប័ណ្ណរបស់អ្នកត្រូវបានចេញ ហើយអាចទាញយកបាន",
        "Your licence is issued and ready to download",
    ),
    "message": ("សារពីមន្ត្រី", "Message from the officer"),
}


@dataclass(frozen=True)
class Move:
    """Who did what, as the timeline and the audit trail record it (one value instead of five arguments
    repeated through every function that records a move)."""

    title: str
    actor: Any = None
    actor_kind: str = Actor.SYSTEM
    message: str = ""
    internal_note: str = ""
    reason: str = ""


def record_event(
    application: Application, kind: str, move: Move, *, from_status: str = "", to_status: str = ""
) -> ApplicationEvent:
    """Append a timeline event (what the applicant sees) for `move`."""
    title_km, title_en = _TITLES[move.title]
    event = ApplicationEvent.objects.create(
        application=application,
        at=timezone.now(),
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        title_km=title_km,
        title_en=title_en,
        message=move.message,
        internal_note=move.internal_note,
        actor=move.actor,
        actor_kind=move.actor_kind,
        revision=application.revision,
    )
    # The statistics' spans move with the status, in this transaction (applications.services.statistics).
    if kind == ApplicationEvent.Kind.CREATED:
        statistics.record_status(application.pk, event.at, Status.DRAFT)
    elif kind == ApplicationEvent.Kind.STATUS and to_status:
        statistics.record_status(application.pk, event.at, to_status)
    return event


def notify_applicant(application: Application, event: ApplicationEvent) -> None:
    """Tell the applicant about `event`, in the current transaction (the notification and what follows it are
    committed, or lost, with the change itself; `notify()` dedupes on the event, so a retry is harmless)."""
    url = reverse("applications:detail", kwargs={"public_id": application.public_id})
    reference = application.reference or application.licence_type.code
    with override("km"):
        body_km = f"{reference} — {application.licence_type.name_km}"
    body_en = f"{reference} — {application.licence_type.name_en}"
    if event.message:
        body_km = f"{body_km}\n\n{event.message}"
        body_en = f"{body_en}\n\n{event.message}"
    notifications.notify(
        application.applicant,
        title_km=event.title_km,
        title_en=event.title_en,
        body_km=body_km,
        body_en=body_en,
        url=url,
        dedupe_key=f"application-event:{event.pk}",
    )


# Compiled once per process (esb.compiled): building and compiling this query cost the ORM several times what
# PostgreSQL spends running it, on every status change.
_LOCKED = CompiledQuery(
    lambda pk: (
        Application.objects.select_for_update(of=("self",))
        .select_related("licence_type__institution", "applicant")
        .filter(pk=pk)
    )
)


def lock(application: Application) -> Application:
    """The application row, locked until commit, with what a status change reads beside it. Only the
    application row is locked (`of`), never the licence type or the applicant every other submission reads."""
    found = _LOCKED.first(application.pk)
    if found is None:
        raise Application.DoesNotExist("Application matching query does not exist.")
    return found


def transition(
    locked: Application,
    to_status: str,
    move: Move,
    *,
    closure: str = "",
    changes: Mapping[str, Any] | None = None,
    notify: bool = True,
) -> ApplicationEvent:
    """Move a row locked by the caller to `to_status` and apply `changes` (other fields the same move sets),
    in one UPDATE; append the timeline event and one audit event holding every changed field."""
    if to_status not in TRANSITIONS[locked.status]:
        raise ApplicationError(
            _("An application that is “%(current)s” cannot become “%(target)s”.")
            % {"current": locked.get_status_display(), "target": Status(to_status).label},
            "transition",
        )
    from_status = locked.status
    fields = {"status": to_status, "closure": closure, **(changes or {})}
    if to_status in (Status.APPROVED, Status.REJECTED):
        fields["decided_at"] = timezone.now()
    before = {name: getattr(locked, name) for name in fields}
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.version += 1
    locked.save(update_fields=[*fields, "version", "updated_at"])
    event = record_event(
        locked, ApplicationEvent.Kind.STATUS, move, from_status=from_status, to_status=to_status
    )
    changed = [name for name in fields if before[name] != fields[name]]
    audit.record(
        "application.status",
        locked,
        before={name: before[name] for name in changed},
        after={name: fields[name] for name in changed},
        reason=move.reason or move.title,
        actor_id=getattr(move.actor, "pk", None),
    )
    if notify:
        notify_applicant(locked, event)
    if to_status == Status.APPROVED:
        application_approved.send(sender=Application, application=locked, actor=move.actor)
    return event


def change_status(
    application: Application,
    to_status: str,
    *,
    title: str,
    actor=None,
    actor_kind: str = Actor.SYSTEM,
    reason: str = "",
    message: str = "",
    internal_note: str = "",
    closure: str = "",
    notify: bool = True,
    changes: Mapping[str, Any] | None = None,
) -> Application:
    """The only way an application changes status: checks the transition table on the locked row, appends a
    timeline event and an audit event, and tells the applicant — one transaction. `application` is updated
    in place and returned."""
    move = Move(title, actor, actor_kind, message, internal_note, reason)
    with transaction.atomic():
        locked = lock(application)
        transition(locked, to_status, move, closure=closure, changes=changes, notify=notify)
    application.refresh_from_db()
    return application


__all__ = ["Actor", "Move", "change_status", "lock", "notify_applicant", "record_event", "transition"]

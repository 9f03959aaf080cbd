"""The institution's side of the lifecycle the review workflow engine (`review`) drives: receive, return for
correction, forwarded to the next officer, and the version bump of an officer action that changes nothing
the applicant sees. (Approve and reject go through `change_status` with the workflow's own titles.)"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext_lazy as _

from applications.models import Application, ApplicationEvent, Status
from applications.services.errors import ApplicationError
from applications.services.status import Actor, Move, change_status, notify_applicant, record_event


def mark_received(application: Application, officer=None) -> Application:
    """The institution has taken the application into review (the workflow engine calls this)."""
    return change_status(
        application,
        Status.REVIEWING,
        title="received",
        actor=officer,
        actor_kind=Actor.OFFICER if officer else Actor.SYSTEM,
    )


def return_for_correction(
    application: Application, officer, *, fields: Iterable[str], message: str, internal_note: str = ""
) -> Application:
    """Send the application back: the applicant may change exactly `fields` and must read `message`."""
    keys = {f.key for f in application.form_definition.fields.all()}
    wanted = [key for key in dict.fromkeys(fields) if key in keys]
    if not wanted:
        raise ApplicationError(_("Name at least one answer or document to correct."), "no_fields")
    if not message.strip():
        raise ApplicationError(_("Tell the applicant what to correct."), "no_message")
    return change_status(
        application,
        Status.RETURNED,
        title="returned",
        actor=officer,
        actor_kind=Actor.OFFICER,
        message=message.strip(),
        internal_note=internal_note,
        changes={"correction_fields": wanted, "correction_message": message.strip()},
    )


def record_forwarded(locked: Application, officer) -> ApplicationEvent:
    """The application moved on to the next officer of its workflow: the applicant's timeline says so (and
    they are told). `locked` is the row the caller locked (`status.lock`) in its transaction."""
    touch(locked)
    event = record_event(locked, ApplicationEvent.Kind.FORWARDED, Move("forwarded", officer, Actor.OFFICER))
    notify_applicant(locked, event)
    return event


def touch(locked: Application) -> Application:
    """An officer acted (claimed, commented, forwarded…): the version moves on, so a page loaded before the
    action is refused as stale. `locked` is the row the caller locked in its transaction."""
    locked.version += 1
    locked.save(update_fields=["version", "updated_at"])
    return locked


__all__ = ["mark_received", "record_forwarded", "return_for_correction", "touch"]

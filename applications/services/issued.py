"""The applicant's timeline learns that the licence of an approved application was issued.

Called by the issuance chain (an app above this one) inside the transaction that makes the licence valid, so
the timeline line, its notification and the licence commit together. `applications` knows nothing of
licences: it is told the number and where to download the document.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from applications.models import Application, ApplicationEvent, Status
from applications.services.errors import ApplicationError
from applications.services.status import Move, record_event
from notifications import services as notifications


def licence_issued(application_id: int, *, number: str, url: str) -> ApplicationEvent:
    """Append "licence issued" (with the licence number) to the timeline of an approved application and tell
    the applicant in both languages, linking to `url`. Runs in the caller's transaction; retried with the same
    number, the notification is not sent twice (it is keyed on the application and the number)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("licence_issued() runs inside the issuing transaction")
    application = Application.objects.select_related("licence_type", "applicant").get(pk=application_id)
    if application.status != Status.APPROVED:
        raise ApplicationError(_("Only an approved application has an issued licence."), "not_approved")
    event = record_event(
        application,
        ApplicationEvent.Kind.MESSAGE,
        Move("licence_issued", message=number),
    )
    reference = application.reference or application.licence_type.code
    notifications.notify(
        application.applicant,
        title_km=event.title_km,
        title_en=event.title_en,
        body_km=f"{reference} — {application.licence_type.name_km}\n\nលេខអាជ្ញាប័ណ្ណ៖ {number}",
        body_en=f"{reference} — {application.licence_type.name_en}\n\nLicence number: {number}",
        url=url,
        dedupe_key=f"licence-issued:{application.pk}:{number}",
    )
    return event


__all__ = ["licence_issued"]

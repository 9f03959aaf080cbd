"""Every write to an application, by concern: `drafts` (start, save a step, documents, discard), `submission`
(submit, resubmit, withdraw), `payment` (a paid draft submitted when its fee is paid: the door `payments`
uses), `review` (receive, return for correction, forwarded, touch — driven by the
`review` app) and `status` (the one status-change function, its timeline event, audit event and
notification).

Each function runs in one transaction, locks the application row and writes an audit event. Import from here
(`from applications import services`; `services.submit(...)`): the modules are an inner arrangement.
"""

from applications.models import EDITABLE, UNDECIDED
from applications.services.drafts import (
    copy_answers,
    current_document_files,
    current_documents,
    discard_draft,
    discard_drafts_of,
    discard_expired_drafts,
    editable_keys,
    missing_answers,
    open_draft,
    save_step,
    start_application,
)
from applications.services.errors import ApplicationError, ConsentRequired, Missing, NotEditable, StalePage
from applications.services.issued import licence_issued
from applications.services.payment import (
    application_for_payment,
    applications_visible_to,
    awaiting_payment,
    payment_settled,
)
from applications.services.review import mark_received, record_forwarded, return_for_correction, touch
from applications.services.status import Actor, Move, change_status
from applications.services.submission import submit, withdraw

__all__ = [
    "EDITABLE",
    "UNDECIDED",
    "Actor",
    "ApplicationError",
    "ConsentRequired",
    "Missing",
    "Move",
    "NotEditable",
    "StalePage",
    "application_for_payment",
    "applications_visible_to",
    "awaiting_payment",
    "change_status",
    "copy_answers",
    "current_document_files",
    "current_documents",
    "discard_draft",
    "discard_drafts_of",
    "discard_expired_drafts",
    "editable_keys",
    "licence_issued",
    "mark_received",
    "missing_answers",
    "open_draft",
    "payment_settled",
    "record_forwarded",
    "return_for_correction",
    "save_step",
    "start_application",
    "submit",
    "touch",
    "withdraw",
]

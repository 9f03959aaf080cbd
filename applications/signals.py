"""Signals applications send, and receivers: what applications do when something happens elsewhere."""

from __future__ import annotations

from django.dispatch import Signal, receiver

from privacy.models import ConsentPurpose
from privacy.signals import consent_withdrawn

# Sent inside the transaction that makes an application SUBMITTED (first submission, resubmission after a
# correction, and the settled payment of a paid service), with `application` (the locked row) and
# `resubmission: bool`. The review engine (`review`, above this app) starts or resumes its task here, so a
# submitted application never exists without its review task.
application_submitted = Signal()

# Sent inside the transaction that makes an application APPROVED, with `application` (the locked row) and
# `actor` (the approving officer). Issuance (`issuance`, above this app) creates the licence and enqueues
# its issuing here, so an approval never commits without the promise to issue.
application_approved = Signal()

# Sent inside the transaction in which the applicant withdraws an undecided application, with `application`
# (the row, now REJECTED with closure WITHDRAWN). The review closes the open task here, so a withdrawn
# application is in nobody's queue, counts as overdue nowhere and raises no overdue notice.
application_withdrawn = Signal()


@receiver(consent_withdrawn, dispatch_uid="applications.discard_drafts_on_withdrawal")
def discard_drafts_on_withdrawal(sender, user, consent, **kwargs) -> None:
    """No consent, no stored data: unsubmitted drafts go when the CamDX-cluster consent is withdrawn
    (submitted applications stay: the institution must keep them)."""
    from applications.services import discard_drafts_of

    if consent.purpose == ConsentPurpose.CAMDX_CLUSTER:
        discard_drafts_of(user, reason="consent withdrawn")

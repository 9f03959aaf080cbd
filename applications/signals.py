"""Receivers: what applications do when something happens elsewhere."""

from __future__ import annotations

from django.dispatch import receiver

from privacy.models import ConsentPurpose
from privacy.signals import consent_withdrawn


@receiver(consent_withdrawn, dispatch_uid="applications.discard_drafts_on_withdrawal")
def discard_drafts_on_withdrawal(sender, user, consent, **kwargs) -> None:
    """No consent, no stored data: unsubmitted drafts go when the CamDX-cluster consent is withdrawn
    (submitted applications stay: the institution must keep them)."""
    from applications.services import discard_drafts_of

    if consent.purpose == ConsentPurpose.CAMDX_CLUSTER:
        discard_drafts_of(user, reason="consent withdrawn")

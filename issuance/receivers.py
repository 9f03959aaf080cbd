"""What issuance does when an application is approved (connected in `IssuanceConfig.ready`)."""

from __future__ import annotations


def issue_on_approval(sender, application, **kwargs) -> None:
    """Inside the approving transaction: create the PENDING licence and enqueue the issuance chain in the
    outbox, so the approval and the promise to issue commit together."""
    from issuance.services.issuing import begin_issuance

    begin_issuance(application, approved_by=kwargs.get("actor"))

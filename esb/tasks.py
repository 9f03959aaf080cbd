"""Background work of the project itself: sealing and anchoring the audit chain."""

from __future__ import annotations

from celery import shared_task

from esb import audit, audit_anchors


@shared_task(name="esb.tasks.seal_audit_chain", ignore_result=True)
def seal_audit_chain() -> int:
    """Chain the audit rows of finished transactions (a no-op if another sealer is running)."""
    return audit.seal()


@shared_task(name="esb.tasks.anchor_audit_chain", ignore_result=True)
def anchor_audit_chain() -> int | None:
    """Seal, then anchor the chain head outside the database; returns the anchored position, if any."""
    audit.seal()
    anchor = audit_anchors.write_anchor()
    return anchor.position if anchor else None

"""The issuance chain: approval, PENDING licence, number, verification record, PDF, publish, VALID."""

from __future__ import annotations


def begin_issuance(application, *, approved_by=None):
    """Placeholder until the chain lands: an approval issues nothing yet."""
    return None

"""Signals other apps listen to."""

from django.dispatch import Signal

# Sent inside the withdrawal's transaction, after `withdrawn_at` is saved, with `user=` and `consent=`.
# Receivers (applications: discard unsubmitted drafts) act atomically with the withdrawal: if one raises,
# the withdrawal is rolled back.
consent_withdrawn = Signal()

"""Issuance services: `issuing` (the chain from approval to a published PDF), `lifecycle` (status changes,
expiry, reminders, renewal and amendment)."""

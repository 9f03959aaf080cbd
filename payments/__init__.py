"""Payments: the fee an application owes, the providers that collect it, and the KHQR codec.

`payments.khqr` encodes, decodes and verifies Bakong KHQR strings exactly as NBC's official JS SDK does
(`docs/payments.md`). Providers (Bakong KHQR, a member payment gateway), confirmations and receipts come
with the rest of issue 11; `payments` reaches `applications` only through `applications.services`.
"""

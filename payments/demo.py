"""Demo data: a KHQR payment account for every institution, paying into the Bakong sandbox (development and
tests only; production configures real accounts in the back-office)."""

from __future__ import annotations

from django.conf import settings

from payments.models import PaymentAccount
from registry.models import Institution


def _fits(name: str) -> str:
    return name if len(name) <= 25 else ""


def seed(out=None, **options) -> None:
    if settings.IS_PRODUCTION:
        return
    made = 0
    for institution in Institution.objects.filter(is_active=True):
        _account, created = PaymentAccount.objects.get_or_create(
            institution=institution,
            provider="khqr",
            defaults={
                "bakong_account_id": f"{institution.code.lower()}@nbcq"[:32],
                "merchant_id": f"{institution.code}-ESB"[:32],
                "acquiring_bank": "National Bank of Cambodia",
                # NBC limits the merchant name to 25 characters: the full name when it fits, else the
                # abbreviation (a Khmer name is never cut inside a word: left out when too long).
                "merchant_name": _fits(institution.name_en)
                or (institution.abbreviation_en or institution.code)[:25],
                "merchant_name_km": _fits(institution.name_km),
                "merchant_city": "Phnom Penh",
            },
        )
        made += created
    if out is not None:
        out.write(f"payments: {made} KHQR payment accounts (Bakong sandbox)")

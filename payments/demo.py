"""Demo data: a KHQR payment account for every institution, paying into the Bakong sandbox (and a
member-gateway account, paying by card or bank transfer into the gateway sandbox), and the demo
applicant's older fees paid through the services a Bakong confirmation goes through, so the review demo has
a paid application to return; their newest waiting fee is left for a newcomer to pay (development and tests
only; production configures real accounts in the back-office)."""

from __future__ import annotations

from django.conf import settings

from applications import services as applications
from applications.demo import demo_applicant
from payments.models import PaymentAccount
from payments.models import Status as PaymentStatus
from payments.services import apply_payment_status, start_payment
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
        if settings.GATEWAY.get("BASE_URL"):
            # Cards and bank transfer through the member-gateway sandbox, offered after KHQR.
            PaymentAccount.objects.get_or_create(
                institution=institution, provider="gateway", defaults={"sort_order": 1}
            )
    if out is not None:
        out.write(f"payments: {made} KHQR payment accounts (Bakong sandbox), card payments (gateway sandbox)")
    paid = _pay_all_but_the_newest_waiting_fee()
    if out is not None and paid:
        out.write(f"payments: {', '.join(paid)} paid in the Bakong sandbox")


def _pay_all_but_the_newest_waiting_fee() -> list[str]:
    applicant = demo_applicant()
    if applicant is None:
        return []
    waiting = list(applications.awaiting_payment().filter(applicant=applicant))
    paid = []
    for application in waiting[:-1]:
        payment = start_payment(application, "khqr")
        apply_payment_status(
            payment.pk,
            PaymentStatus.PAID,
            source="demo",
            evidence={
                "amount": str(payment.amount),
                "currency": payment.currency,
                "transaction_hash": f"demo{payment.md5}"[:64],
                "from_account": "demo_applicant@devb",
            },
        )
        paid.append(application.reference)
    return paid

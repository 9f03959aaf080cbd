"""The daily reconciliation: a day's payments here against the providers' transactions (docs/payments.md).

For each provider that can be reconciled, the portal's attempts of the day (PAID by `paid_at`, and the
attempts created that day still open) are compared with what the provider says it settled:

- PAID here, no transaction at the provider → `missing_at_provider`;
- a transaction whose amount or currency is not the payment's → `amount_differs`;
- a transaction for an attempt not PAID here → settled now through `apply_payment_status` (source
  `reconciliation`) and kept as `not_recorded` with what happened;
- a transaction naming no attempt of the portal → `unknown_reference`.

Each difference is one `ReconciliationMismatch` row, written once per day, provider, kind and key: running
a day again adds nothing already found.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from payments.models import MismatchKind, Payment, ReconciliationMismatch, Status
from payments.providers import ProviderError, ProviderTransaction, payment_providers
from payments.services.status import EvidenceMismatch, apply_payment_status

logger = logging.getLogger(__name__)

SETTLED_HERE = (Status.PAID, Status.REFUNDED)


@dataclass
class DayReport:
    day: datetime.date
    checked: int = 0
    mismatches: dict[str, int] = field(default_factory=dict)
    settled: int = 0
    unavailable: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "day": self.day.isoformat(),
            "checked": self.checked,
            "mismatches": self.mismatches,
            "settled": self.settled,
            "unavailable": self.unavailable,
        }


def _day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    return start, start + datetime.timedelta(days=1)


def _attempts(provider: str, day: datetime.date) -> list[Payment]:
    start, end = _day_bounds(day)
    paid_that_day = Q(status__in=SETTLED_HERE, paid_at__gte=start, paid_at__lt=end)
    open_that_day = Q(
        status__in=(Status.PENDING, Status.FAILED),
        refund_due=False,
        created_at__gte=start,
        created_at__lt=end,
    )
    return list(
        Payment.objects.filter(provider=provider)
        .filter(paid_that_day | open_that_day)
        .select_related("application__licence_type")
        .order_by("pk")
    )


def _record(report: DayReport, provider: str, kind: str, key: str, payment: Payment | None, **values) -> None:
    institution_id = payment.application.licence_type.institution_id if payment is not None else None
    _row, created = ReconciliationMismatch.objects.get_or_create(
        day=report.day,
        provider=provider,
        kind=kind,
        key=key[:100],
        defaults={
            "payment": payment,
            "institution_id": institution_id,
            "portal_amount": payment.amount if payment is not None else None,
            "currency": payment.currency if payment is not None else "",
            **values,
        },
    )
    if created:
        report.mismatches[kind] = report.mismatches.get(kind, 0) + 1
        logger.warning("reconciliation %s %s: %s %s", report.day, provider, kind, key)


def _settle(transaction: ProviderTransaction, payment: Payment) -> str:
    try:
        outcome = apply_payment_status(
            payment.pk, Status.PAID, source="reconciliation", evidence=transaction.evidence
        )
    except EvidenceMismatch as error:
        return f"not settled: {error}"[:100]
    if outcome.changed:
        return "settled: refund due" if outcome.refund_due else "settled"
    return "refund due" if outcome.refund_due else f"not settled: {outcome.status}"


def reconcile_provider(provider: str, report: DayReport) -> None:
    attempts = _attempts(provider, report.day)
    try:
        transactions = payment_providers.get(provider).settled_transactions(report.day, attempts)
    except ProviderError as error:
        logger.warning("reconciliation %s %s: provider unavailable (%s)", report.day, provider, error)
        report.unavailable.append(provider)
        return
    if transactions is None:
        return
    by_id = {p.pk: p for p in attempts}
    by_payment = {t.payment_id: t for t in transactions if t.payment_id is not None}
    report.checked += len(attempts)
    for payment in attempts:
        if payment.status not in SETTLED_HERE:
            continue
        found = by_payment.get(payment.pk)
        if found is None:
            _record(
                report,
                provider,
                MismatchKind.MISSING_AT_PROVIDER,
                payment.md5 or str(payment.public_id),
                payment,
            )
        elif found.amount != payment.amount or found.currency.upper() != payment.currency:
            _record(
                report,
                provider,
                MismatchKind.AMOUNT_DIFFERS,
                found.key,
                payment,
                provider_amount=found.amount,
                provider_currency=found.currency[:3],
            )
    for transaction in transactions:
        if transaction.payment_id is None:
            _record(
                report,
                provider,
                MismatchKind.UNKNOWN_REFERENCE,
                transaction.key,
                None,
                provider_amount=transaction.amount,
                provider_currency=transaction.currency[:3],
                details={k: v for k, v in transaction.evidence.items() if k != "raw"},
            )
            continue
        payment = by_id.get(transaction.payment_id) or Payment.objects.select_related(
            "application__licence_type"
        ).get(pk=transaction.payment_id)
        if payment.status in SETTLED_HERE or payment.refund_due:
            continue
        resolution = _settle(transaction, payment)
        report.settled += resolution.startswith("settled")
        _record(
            report,
            provider,
            MismatchKind.NOT_RECORDED,
            transaction.key,
            payment,
            provider_amount=transaction.amount,
            provider_currency=transaction.currency[:3],
            resolution=resolution,
        )


def reconcile(day: datetime.date) -> DayReport:
    """Reconcile `day` for every registered provider that can be reconciled."""
    report = DayReport(day)
    for key, _provider in payment_providers.items():
        reconcile_provider(key, report)
    return report


__all__ = ["DayReport", "reconcile", "reconcile_provider"]

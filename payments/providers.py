"""Payment providers: one registry of plugins (`esb.plugins`), one contrib package per vendor.

    payment_providers.get("khqr").start(payment, account)   # fill a new attempt; what the page shows
    with payment_providers.override("khqr", FakeKHQR()):      # tests
        ...

A provider is told about a new attempt (`start`: it fills the provider's fields of the unsaved `Payment`
and returns a `Checkout`, what the payment page shows), shows an existing one again (`checkout`), and, when
it confirms by polling (`polls`), checks a batch of open attempts (`check`) and reports each one's status
with the provider's evidence. Whatever it learns reaches the payment only through
`payments.services.apply_payment_status`. Providers register from `PaymentsConfig.ready()`; a provider that
confirms by callback (the member gateway) adds its views to `payments/urls.py` and calls the same service.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from esb.plugins import Plugin, Registry

if TYPE_CHECKING:
    from payments.models import Payment, PaymentAccount


@dataclass(frozen=True)
class Checkout:
    """What the payment page shows for one attempt."""

    kind: str  # "qr" (scan or open the deep link) or "redirect" (the provider's own checkout page)
    qr: str = ""
    deeplink: str = ""
    redirect_url: str = ""
    expires_at: datetime.datetime | None = None


@dataclass(frozen=True)
class StatusReport:
    """What the provider said about one attempt: `status` PAID or FAILED, or "" while it is still waiting;
    `evidence` the normalised facts (`transaction_hash`, `from_account`, `provider_reference`, `paid_at`,
    `amount`, `currency`) and the provider's raw answer under `raw`."""

    payment_id: int
    status: str = ""
    evidence: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ProviderTransaction:
    """A settled transaction as the provider reports it (reconciliation): `key` identifies it at the
    provider (transaction hash or id), `payment_id` the portal attempt it pays (None: the portal knows no
    such attempt), `evidence` what `apply_payment_status` needs to settle it."""

    key: str
    payment_id: int | None
    amount: Decimal
    currency: str
    evidence: dict = field(default_factory=dict)


class ProviderError(Exception):
    """A provider could not be reached or refused the request; the attempt stays as it was."""


class PaymentProvider(Plugin):
    method: str = ""
    polls: bool = False  # confirmations come from `check` (a beat task), not from callbacks

    def usable_with(self, account: PaymentAccount) -> list[str]:
        """What stops `account` from being used with this provider (empty when fine)."""
        return []

    def start(self, payment: Payment, account: PaymentAccount) -> Checkout:
        """Fill the provider's fields of a new, unsaved attempt (its amount, currency and application are
        set) and say what the page shows. Makes no outbound call: it runs inside the request."""
        raise NotImplementedError

    def checkout(self, payment: Payment) -> Checkout:
        """What the page shows for an attempt already started."""
        raise NotImplementedError

    def check(self, payments: list[Payment], now: datetime.datetime | None = None) -> list[StatusReport]:
        """Ask the provider about open attempts (polling providers; called from a task, never a request)."""
        return []

    def prepare(self, payment: Payment) -> dict[str, str]:
        """Outbound work after an attempt is committed (e.g. a deep link): the fields to store (a task)."""
        return {}

    def settled_transactions(
        self, day: datetime.date, payments: list[Payment]
    ) -> list[ProviderTransaction] | None:
        """Reconciliation (a task): the provider's settled transactions of `day` and of `payments` (the
        portal's attempts of that day). None: this provider is not reconciled."""
        return None


payment_providers: Registry[PaymentProvider] = Registry("payment providers")


def get_provider(key: str) -> PaymentProvider:
    """The provider registered under `key` (PluginNotFound, a LookupError, names the known ones)."""
    return payment_providers.get(key)


def provider_choices() -> list[tuple[str, str]]:
    return [(key, str(provider.verbose_name or key)) for key, provider in payment_providers.items()]


__all__ = [
    "Checkout",
    "PaymentProvider",
    "ProviderError",
    "ProviderTransaction",
    "StatusReport",
    "get_provider",
    "payment_providers",
    "provider_choices",
]

"""What an application's fee became: payment attempts, their append-only history, receipts, and which
payment providers each institution offers.

A `Payment` is one attempt with one provider: for KHQR one QR code (its md5 is how Bakong finds the
transfer). A new code is a new attempt; the old one stays PENDING until it expires and can still settle.
Statuses are exactly Part 5's; `TRANSITIONS` is the only table of allowed moves, and
`payments.services.apply_payment_status` the only code that moves a payment (docs/payments.md).
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from esb.i18n import localized


class Status(models.TextChoices):
    UNPAID = "UNPAID", _("Unpaid")
    PENDING = "PENDING", _("Waiting for payment")
    PAID = "PAID", _("Paid")
    FAILED = "FAILED", _("Failed")
    REFUNDED = "REFUNDED", _("Refunded")
    WAIVED = "WAIVED", _("Waived")


# from-status -> statuses it may move to. FAILED is not final while the provider can still settle it (a
# cancelled KHQR can still be paid until it expires), and a FAILED attempt the provider settled after another
# attempt was paid holds money to give back: FAILED -> REFUNDED.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.UNPAID: frozenset({Status.PENDING, Status.WAIVED, Status.FAILED}),
    Status.PENDING: frozenset({Status.PAID, Status.FAILED}),
    Status.FAILED: frozenset({Status.PAID, Status.REFUNDED}),
    Status.PAID: frozenset({Status.REFUNDED}),
    Status.REFUNDED: frozenset(),
    Status.WAIVED: frozenset(),
}

# Attempts a provider may still settle (polled, shown as waiting).
OPEN = frozenset({Status.UNPAID, Status.PENDING, Status.FAILED})


def allowed_from(to_status: str) -> list[str]:
    """Every status that may move to `to_status` (the WHERE of the one conditional update)."""
    return sorted(source for source, targets in TRANSITIONS.items() if to_status in targets)


class Currency(models.TextChoices):
    KHR = "KHR", _("Riel (KHR)")
    USD = "USD", _("US dollar (USD)")


class Method(models.TextChoices):
    KHQR = "KHQR", _("KHQR")
    CARD = "CARD", _("Bank card")
    BANK_TRANSFER = "BANK_TRANSFER", _("Bank transfer")
    WAIVER = "WAIVER", _("Fee waived")


class PaymentAccount(models.Model):
    """One payment provider an institution offers, with the account the money goes to.

    Edited in the back-office. A service offers the providers of its institution's active accounts, all of
    its services or only the licence types listed. The KHQR fields are what the QR shows the payer (NBC
    limits: merchant name 25 characters, city 15); another provider keeps its own settings in `options`.
    """

    institution = models.ForeignKey(
        "registry.Institution",
        on_delete=models.PROTECT,
        related_name="payment_accounts",
        verbose_name=_("institution"),
    )
    provider = models.CharField(_("provider"), max_length=50, help_text=_("A registered payment provider."))
    licence_types = models.ManyToManyField(
        "licensing.LicenceType",
        blank=True,
        related_name="payment_accounts",
        verbose_name=_("only for these services"),
        help_text=_("Leave empty to offer this provider for every service of the institution."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    bakong_account_id = models.CharField(
        _("Bakong account id"), max_length=32, blank=True, help_text=_("For KHQR, e.g. moc@nbcq.")
    )
    merchant_id = models.CharField(_("merchant id"), max_length=32, blank=True)
    acquiring_bank = models.CharField(_("acquiring bank"), max_length=32, blank=True)
    merchant_name = models.CharField(_("merchant name (English)"), max_length=25, blank=True)
    merchant_name_km = models.CharField(_("merchant name (Khmer)"), max_length=25, blank=True)
    merchant_city = models.CharField(_("merchant city"), max_length=15, default="Phnom Penh")
    options = models.JSONField(_("provider options"), default=dict, blank=True)

    class Meta:
        ordering = ["institution", "sort_order", "provider"]
        verbose_name = _("payment account")
        verbose_name_plural = _("payment accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "provider"], name="payment_account_one_per_provider"
            )
        ]

    def __str__(self) -> str:
        return f"{self.institution.code} · {self.provider}"

    @property
    def display_merchant_name(self) -> str:
        return localized(self.merchant_name_km, self.merchant_name) or self.merchant_name


class Payment(models.Model):
    """One attempt to collect an application's fee through one provider."""

    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    application = models.ForeignKey(
        "applications.Application",
        on_delete=models.PROTECT,
        related_name="payments",
        verbose_name=_("application"),
    )
    account = models.ForeignKey(
        PaymentAccount,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payments",
        verbose_name=_("payment account"),
    )
    provider = models.CharField(_("provider"), max_length=50)
    method = models.CharField(_("method"), max_length=20, choices=Method.choices)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.UNPAID)
    # KHQR: the string shown as the QR code and its md5 (how Bakong looks the transfer up).
    khqr = models.TextField(_("KHQR"), blank=True)
    md5 = models.CharField(_("KHQR md5"), max_length=32, blank=True)
    deeplink = models.URLField(_("deep link"), max_length=500, blank=True)
    # Member gateway: the hosted-checkout session the payer is sent to.
    checkout_session_id = models.CharField(_("checkout session"), max_length=100, blank=True)
    checkout_url = models.URLField(_("checkout page"), max_length=500, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    # What the provider reported when it settled.
    transaction_hash = models.CharField(_("transaction hash"), max_length=128, blank=True)
    from_account = models.CharField(_("paid from"), max_length=100, blank=True)
    provider_reference = models.CharField(_("provider reference"), max_length=100, blank=True)
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    # Paid at the provider although it can no longer pay this application (another attempt was paid first, or
    # the application was withdrawn): the money must be given back (docs/payments.md).
    refund_due = models.BooleanField(_("refund due"), default=False)
    # Polling bookkeeping (not part of the status): when to ask the provider again, how often it was asked.
    next_check_at = models.DateTimeField(_("next check"), null=True, blank=True)
    checks = models.PositiveIntegerField(_("checks"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        permissions = [
            ("waive_payment", _("Can waive an application's fee")),
            ("refund_payment", _("Can record a refund of a payment")),
        ]
        indexes = [
            models.Index(fields=["provider", "status", "next_check_at"], name="payment_poll_due"),
            models.Index(fields=["application", "status"], name="payment_application_status"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=Status.values), name="payment_status_valid"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="payment_amount_not_negative"),
            models.UniqueConstraint(fields=["md5"], condition=~models.Q(md5=""), name="payment_md5_unique"),
            models.UniqueConstraint(
                fields=["provider", "checkout_session_id"],
                condition=~models.Q(checkout_session_id=""),
                name="payment_checkout_session_unique",
            ),
            # Never two PAID attempts for one application, whatever the race.
            models.UniqueConstraint(
                fields=["application"],
                condition=models.Q(status="PAID"),
                name="payment_one_paid_per_application",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_method_display()} {self.amount} {self.currency} ({self.status})"


class PaymentEvent(models.Model):
    """One line of a payment's history: every status change and anything worth keeping (a duplicate
    settlement, a refusal). Append-only (a trigger refuses UPDATE and DELETE)."""

    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, related_name="events", verbose_name=_("payment")
    )
    at = models.DateTimeField(_("when"), auto_now_add=True)
    kind = models.CharField(_("kind"), max_length=30)
    from_status = models.CharField(_("from"), max_length=10, blank=True)
    to_status = models.CharField(_("to"), max_length=10, blank=True)
    # What caused it: "poll", "webhook", "reconciliation", "applicant", "officer", ...
    source = models.CharField(_("source"), max_length=30)
    evidence = models.JSONField(_("evidence"), default=dict, blank=True)

    class Meta:
        ordering = ["payment", "at", "id"]
        verbose_name = _("payment event")
        verbose_name_plural = _("payment events")

    def __str__(self) -> str:
        return f"{self.kind} {self.from_status}→{self.to_status}"


class Receipt(models.Model):
    """The receipt of a paid payment: one per payment, its number gap-free per institution and year."""

    payment = models.OneToOneField(
        Payment, on_delete=models.PROTECT, related_name="receipt", verbose_name=_("payment")
    )
    number = models.CharField(_("receipt number"), max_length=40, unique=True)
    issued_at = models.DateTimeField(_("issued"), auto_now_add=True)

    class Meta:
        ordering = ["-issued_at"]
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")

    def __str__(self) -> str:
        return self.number


class WebhookEvent(models.Model):
    """A provider's callback event the portal acted on, by the provider's event id: the unique constraint
    makes a replayed (or concurrently repeated) event impossible to apply twice."""

    provider = models.CharField(_("provider"), max_length=50)
    event_id = models.CharField(_("event id"), max_length=100)
    kind = models.CharField(_("type"), max_length=50)
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, related_name="webhook_events", verbose_name=_("payment")
    )
    received_at = models.DateTimeField(_("received"), auto_now_add=True)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="webhook_event_once_per_provider")
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.event_id}"


class MismatchKind(models.TextChoices):
    MISSING_AT_PROVIDER = "missing_at_provider", _("Paid here, not found at the provider")
    AMOUNT_DIFFERS = "amount_differs", _("Amount or currency differs")
    NOT_RECORDED = "not_recorded", _("Paid at the provider, not recorded here (settled now)")
    UNKNOWN_REFERENCE = "unknown_reference", _("Paid at the provider for no known payment")


class ReconciliationMismatch(models.Model):
    """One difference the daily reconciliation found between the portal's payments of a day and the
    provider's transactions. Written by `payments.tasks.reconcile_day` only; read-only in the back-office."""

    day = models.DateField(_("day"))
    provider = models.CharField(_("provider"), max_length=50)
    kind = models.CharField(_("kind"), max_length=30, choices=MismatchKind.choices)
    # What identifies the difference at the provider (md5, transaction id, reference): reruns of a day
    # find the same key and do not add a second row.
    key = models.CharField(_("key"), max_length=100)
    institution = models.ForeignKey(
        "registry.Institution",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("institution"),
    )
    payment = models.ForeignKey(
        Payment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="mismatches",
        verbose_name=_("payment"),
    )
    portal_amount = models.DecimalField(
        _("amount here"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    provider_amount = models.DecimalField(
        _("amount at the provider"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    provider_currency = models.CharField(_("currency at the provider"), max_length=3, blank=True)
    resolution = models.CharField(_("what was done"), max_length=100, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    found_at = models.DateTimeField(_("found"), auto_now_add=True)

    class Meta:
        ordering = ["-day", "provider", "kind"]
        verbose_name = _("reconciliation mismatch")
        verbose_name_plural = _("reconciliation mismatches")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "provider", "kind", "key"], name="reconciliation_mismatch_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.provider} {self.kind} {self.key}"

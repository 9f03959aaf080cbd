"""The audit trail (append-only, hash-chained events for every state-changing action, DESIGN.md §6), the
number counters, the outgoing-request log and the public holidays the working-day clocks skip."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from esb.i18n import localized


class AuditEvent(models.Model):
    """One state-changing action. Rows are never deleted, and never updated except once, by the sealer.

    The request path only appends (no lock, no read): a row starts unsealed (`position`, `prev_hash`, `hash`
    empty) with the id of the transaction that inserted it (`txid`, set by a database trigger). The sealer
    (`esb.audit.seal()`, a beat task and the start of `verify_audit_chain`) takes the rows of transactions
    that have all ended, in (txid, id) order, and gives each its place in the chain: `hash` = SHA-256 over the
    canonical JSON of the row's content and the previous row's hash. A row changed or removed behind the
    application's back breaks the chain; the chain head is anchored outside the database
    (`esb.audit_anchors`) so a re-hashed, shortened or emptied table is detected too.
    """

    id = models.BigAutoField(primary_key=True)
    occurred_at = models.DateTimeField(_("occurred at"), db_index=True)
    actor_id = models.BigIntegerField(_("actor id"), null=True, blank=True, db_index=True)
    actor_label = models.CharField(_("actor"), max_length=255, blank=True)
    on_behalf_of = models.CharField(_("on behalf of"), max_length=255, blank=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100, blank=True, db_index=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True, db_index=True)
    object_repr = models.CharField(_("object"), max_length=255, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(_("after"), null=True, blank=True, encoder=DjangoJSONEncoder)
    reason = models.TextField(_("reason"), blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    xroad_client = models.CharField(_("X-Road client"), max_length=255, blank=True)
    xroad_id = models.CharField(_("X-Road id"), max_length=255, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    # Set by the BEFORE INSERT trigger to pg_current_xact_id(), whatever the client sends.
    txid = models.BigIntegerField(_("inserting transaction"), default=0, editable=False)
    # The chain columns: empty until the sealer fills them, once.
    position = models.BigIntegerField(_("chain position"), null=True, blank=True, unique=True, editable=False)
    prev_hash = models.CharField(_("previous hash"), max_length=64, null=True, blank=True)
    hash = models.CharField(_("hash"), max_length=64, unique=True, null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [
            models.Index(fields=["object_type", "object_id", "id"], name="audit_object_idx"),
            models.Index(
                fields=["txid", "id"], condition=models.Q(hash__isnull=True), name="audit_unsealed_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.object_type}:{self.object_id}"


class NumberCounter(models.Model):
    """A gap-free counter per scope and year (`esb.numbering.next_gap_free_number`), e.g. licence numbers.

    Incremented under its row lock inside the transaction that uses the number, so a rollback returns it.
    """

    scope = models.CharField(_("scope"), max_length=50)
    year = models.PositiveSmallIntegerField(_("year"))
    last_value = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("number counter")
        verbose_name_plural = _("number counters")
        constraints = [
            models.UniqueConstraint(fields=["scope", "year"], name="numbercounter_scope_year_unique")
        ]

    def __str__(self) -> str:
        return f"{self.scope}-{self.year}: {self.last_value}"


class OutgoingRequest(models.Model):
    """One call the portal made to an external system (CamDigiKey, CamDX, Bakong, verify.gov.kh).

    Written by `esb.outgoing.record()` around every integration call (DESIGN.md §5). Holds what an operator
    needs to see that a partner is slow or failing; never a body, key, token or query-string value.
    """

    class Outcome(models.TextChoices):
        OK = "ok", _("ok")
        ERROR = "error", _("error")

    id = models.BigAutoField(primary_key=True)
    created_at = models.DateTimeField(_("created at"), db_index=True)
    service = models.CharField(_("service"), max_length=50)
    operation = models.CharField(_("operation"), max_length=100)
    method = models.CharField(_("method"), max_length=10)
    url = models.CharField(_("URL"), max_length=500)
    status_code = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    error_code = models.CharField(_("error code"), max_length=50, blank=True)
    error_class = models.CharField(_("error class"), max_length=100, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("outgoing request")
        verbose_name_plural = _("outgoing requests")
        indexes = [models.Index(fields=["service", "created_at"], name="outgoing_service_created_idx")]

    def __str__(self) -> str:
        return f"{self.service} {self.operation} {self.outcome}"


class PublicHoliday(models.Model):
    """A day the public administration does not work, beside Saturdays and Sundays.

    Maintained in the back-office from the Royal Government's yearly sub-decree on public holidays (seeded
    from `esb/data/public_holidays_kh.yaml`); `esb.working_days` reads it for every working-day deadline.
    One row per date: a festival of three days is three rows.
    """

    class Kind(models.TextChoices):
        PUBLIC = "public", _("public holiday")
        COMPENSATORY = "compensatory", _("compensatory day off")
        SPECIAL = "special", _("special day off")

    date = models.DateField(
        _("date"),
        unique=True,
        error_messages={"unique": _("A public holiday is already recorded on this date.")},
    )
    name_km = models.CharField(_("name (Khmer)"), max_length=255)
    name_en = models.CharField(_("name (English)"), max_length=255)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.PUBLIC)
    notes = models.TextField(
        _("notes"), blank=True, help_text=_("Where the date comes from, e.g. the sub-decree and its number.")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("public holiday")
        verbose_name_plural = _("public holidays")

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {localized(self.name_km, self.name_en)}"

    def clean(self) -> None:
        super().clean()
        self.name_km, self.name_en = self.name_km.strip(), self.name_en.strip()
        if self.name_km and not contains_khmer(self.name_km):
            raise ValidationError({"name_km": _("Write the Khmer name in Khmer script.")})


def contains_khmer(text: str) -> bool:
    """True when the text has at least one letter of the Khmer block (U+1780–U+17FF)."""
    return any("\u1780" <= char <= "\u17ff" for char in text)

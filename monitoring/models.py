"""The member systems watched (kept by national administrators), their alert destinations, every probe
answer (append-only, held by a database trigger), incidents, the alerts sent for them and the daily
rollups folded from the answers."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, URLValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from esb.fields import EncryptedTextField, LookupHashField
from esb.i18n import localized
from monitoring import addresses
from notifications.channels import get_channel


class SystemKind(models.TextChoices):
    MINISTRY = "ministry", _("Ministry e-service system")
    CAMDX = "camdx", _("CamDX security server")
    CAMDIGIKEY = "camdigikey", _("CamDigiKey")
    BAKONG = "bakong", _("Bakong")
    VERIFY = "verify", _("verify.gov.kh")
    PORTAL = "portal", _("This portal")


class CheckKind(models.TextChoices):
    PART5_HEALTH = "part5_health", _("Part 5 health answer (JSON with code 200)")
    HTTP_2XX = "http_2xx", _("Any HTTP 2xx answer")


class State(models.TextChoices):
    UNKNOWN = "unknown", _("Not yet checked")
    UP = "up", _("Up")
    SLOW = "slow", _("Slow")
    DOWN = "down", _("Down")


class MemberSystem(models.Model):
    """One system to watch. The probe settings are configuration; `state` … `last_slot` are the running
    state the probes keep (changed only by monitoring.services.incidents, under a row lock)."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=255)
    name_km = models.CharField(_("name (Khmer)"), max_length=255)
    kind = models.CharField(_("kind"), max_length=20, choices=SystemKind.choices)
    probe_url = models.URLField(
        _("probe URL"),
        max_length=500,
        validators=[URLValidator(schemes=["http", "https"])],
        help_text=_("The system's Part 5 /health address, or another address that answers cheaply."),
    )
    check_kind = models.CharField(
        _("how the answer is judged"),
        max_length=20,
        choices=CheckKind.choices,
        default=CheckKind.PART5_HEALTH,
    )
    interval_seconds = models.PositiveIntegerField(
        _("interval (seconds)"), default=60, validators=[MinValueValidator(15), MaxValueValidator(86400)]
    )
    timeout_seconds = models.PositiveIntegerField(
        _("timeout (seconds)"), default=5, validators=[MinValueValidator(1), MaxValueValidator(30)]
    )
    slow_ms = models.PositiveIntegerField(
        _("slow above (milliseconds)"), default=2000, validators=[MinValueValidator(1)]
    )
    failures_before_incident = models.PositiveSmallIntegerField(
        _("failures before an incident"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("An incident opens after this many failed probes in a row."),
    )
    owner_institution = models.ForeignKey(
        "registry.Institution",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="monitored_systems",
        verbose_name=_("owner institution"),
    )
    owner_contact = models.CharField(
        _("owner contact"), max_length=255, blank=True, help_text=_("Who to call about this system.")
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.UNKNOWN)
    consecutive_failures = models.PositiveIntegerField(default=0, editable=False)
    failing_since = models.DateTimeField(null=True, blank=True, editable=False)
    last_checked_at = models.DateTimeField(_("last checked"), null=True, blank=True, editable=False)
    last_latency_ms = models.PositiveIntegerField(
        _("last latency (ms)"), null=True, blank=True, editable=False
    )
    # the highest time slot dispatched (the dispatcher's claim) and the highest one folded into the state
    dispatched_slot = models.BigIntegerField(default=-1, editable=False)
    last_slot = models.BigIntegerField(default=-1, editable=False)

    class Meta:
        verbose_name = _("member system")
        verbose_name_plural = _("member systems")
        ordering = ("name_en",)
        permissions = [("view_status", _("Can see the status of member systems"))]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localized(self.name_km, self.name_en)

    def clean(self) -> None:
        if self.probe_url:
            try:
                addresses.check_url(self.probe_url, resolve_required=False)
            except addresses.RefusedAddress:
                raise ValidationError(
                    {
                        "probe_url": _(
                            "This address cannot be probed: link-local and cloud metadata addresses never, "
                            "internal addresses only on a network the portal's configuration allows."
                        )
                    }
                ) from None
        if self.timeout_seconds and self.interval_seconds and self.timeout_seconds >= self.interval_seconds:
            raise ValidationError({"timeout_seconds": _("The timeout must be shorter than the interval.")})
        if self.slow_ms and self.timeout_seconds and self.slow_ms >= self.timeout_seconds * 1000:
            raise ValidationError({"slow_ms": _("The slow threshold must be below the timeout.")})


class Channel(models.TextChoices):
    TELEGRAM = "telegram", _("Telegram")
    SMS = "sms", _("SMS")


class Language(models.TextChoices):
    KHMER = "km", _("Khmer")
    ENGLISH = "en", _("English")


class AlertDestination(models.Model):
    """Where a system's alerts go: a Telegram chat or a phone number (encrypted at rest, as personal data),
    in the destination's language."""

    system = models.ForeignKey(
        MemberSystem, on_delete=models.CASCADE, related_name="destinations", verbose_name=_("member system")
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    address = EncryptedTextField(
        _("chat id or phone number"),
        hash_field="address_hash",
        help_text=_("A Telegram chat id (e.g. -1001234567890) or a phone number in international form."),
    )
    address_hash = LookupHashField()
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default=Language.KHMER)
    enabled = models.BooleanField(_("enabled"), default=True)

    class Meta:
        verbose_name = _("alert destination")
        verbose_name_plural = _("alert destinations")
        constraints = [
            models.UniqueConstraint(
                fields=["system", "channel", "address_hash"], name="monitoring_destination_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} ***"

    def clean(self) -> None:
        """The address as its channel will send to it (a phone in E.164, +855 added to a national number),
        checked by the channel itself, so what is saved is what can be sent to."""
        message = (
            _("Enter a Telegram chat id: digits (a group's starts with -) or @channel_name.")
            if self.channel == Channel.TELEGRAM
            else _("Enter a phone number, e.g. 012 345 678 or +85512345678.")
        )
        try:
            self.address = get_channel(self.channel).normalize_destination(self.address or "")
        except (LookupError, ValueError):
            raise ValidationError({"address": message}) from None


class Outcome(models.TextChoices):
    UP = "up", _("Up")
    SLOW = "slow", _("Slow")
    DOWN = "down", _("Down")


class ProbeResult(models.Model):
    """One probe's answer (append-only). `slot`: the time slot it was dispatched for (epoch seconds //
    interval); one row per system and slot, so a repeated task records nothing."""

    system = models.ForeignKey(MemberSystem, on_delete=models.PROTECT, related_name="results")
    slot = models.BigIntegerField()
    checked_at = models.DateTimeField(db_index=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    latency_ms = models.PositiveIntegerField(null=True)
    http_status = models.PositiveSmallIntegerField(null=True)
    error_class = models.CharField(max_length=40, blank=True)

    class Meta:
        verbose_name = _("probe result")
        verbose_name_plural = _("probe results")
        constraints = [models.UniqueConstraint(fields=["system", "slot"], name="monitoring_result_per_slot")]
        indexes = [models.Index(fields=["system", "checked_at"], name="monitoring_result_sys_time")]

    def __str__(self) -> str:
        return f"{self.system_id}@{self.slot}: {self.outcome}"


# The error classes of monitoring.probe, as people read them (incident causes, alerts).
CAUSE_LABELS = {
    "timeout": _("no answer within the timeout"),
    "connection": _("the connection failed"),
    "http_status": _("an error HTTP status"),
    "bad_json": _("an answer that is not valid JSON"),
    "unhealthy": _("the system reports itself unhealthy"),
    "too_large": _("an answer too large for a health check"),
    "refused_address": _("an address the probe policy refuses"),
}


def cause_label(cause: str) -> str:
    return str(CAUSE_LABELS.get(cause, _("an unexpected error")))


class Incident(models.Model):
    """Opened after N failed probes in a row, closed by the first success."""

    system = models.ForeignKey(MemberSystem, on_delete=models.PROTECT, related_name="incidents")
    started_at = models.DateTimeField(_("started"))
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    cause = models.CharField(_("cause"), max_length=40)
    failed_probes = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ("-started_at",)
        constraints = [
            models.UniqueConstraint(
                fields=["system"],
                condition=models.Q(ended_at__isnull=True),
                name="monitoring_one_open_incident",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.system}"

    @property
    def is_open(self) -> bool:
        return self.ended_at is None

    @property
    def duration(self):
        return (self.ended_at or timezone.now()) - self.started_at

    @property
    def duration_minutes(self) -> int:
        return max(1, round(self.duration.total_seconds() / 60))

    @property
    def cause_label(self) -> str:
        return cause_label(self.cause)


class AlertKind(models.TextChoices):
    DOWN = "down", _("Down")
    RECOVERED = "recovered", _("Recovered")


class Alert(models.Model):
    """One alert for one incident, kind and destination: sent (queued on the channel) or held back by the
    rate limit (a held-back "down" is sent later while its incident is still open)."""

    class Status(models.TextChoices):
        SENT = "sent", _("Sent")
        SUPPRESSED = "suppressed", _("Held back by the rate limit")
        SKIPPED = "skipped", _("Not needed")
        FAILED = "failed", _("Refused by the channel")

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="alerts")
    destination = models.ForeignKey(AlertDestination, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(max_length=10, choices=AlertKind.choices)
    status = models.CharField(max_length=12, choices=Status.choices)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    message_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        constraints = [
            models.UniqueConstraint(fields=["incident", "destination", "kind"], name="monitoring_alert_once")
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.incident_id}: {self.status}"


class DailyRollup(models.Model):
    """A system's day (in TIME_ZONE) folded from its probe results; rebuilt from them at will."""

    system = models.ForeignKey(MemberSystem, on_delete=models.CASCADE, related_name="rollups")
    day = models.DateField()
    probes = models.PositiveIntegerField(default=0)
    up = models.PositiveIntegerField(default=0)
    slow = models.PositiveIntegerField(default=0)
    down = models.PositiveIntegerField(default=0)
    uptime_percent = models.DecimalField(max_digits=6, decimal_places=3, null=True)
    p50_ms = models.PositiveIntegerField(null=True)
    p95_ms = models.PositiveIntegerField(null=True)
    folded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("daily rollup")
        verbose_name_plural = _("daily rollups")
        constraints = [models.UniqueConstraint(fields=["system", "day"], name="monitoring_rollup_per_day")]

    def __str__(self) -> str:
        return f"{self.system_id} {self.day}"

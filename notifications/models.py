"""What applicants are told: one row per message, shown in the portal and sent by email once."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from esb.fields import EncryptedTextField, LookupHashField
from esb.i18n import localized


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("user"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    title_km = models.CharField(_("title (Khmer)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    body_km = models.TextField(_("message (Khmer)"), blank=True)
    body_en = models.TextField(_("message (English)"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True, help_text=_("A path inside the portal."))
    # Callers key a notification by the event that caused it (e.g. "app:42:status:5"), so retries of the
    # same event never tell the person twice.
    dedupe_key = models.CharField(_("deduplication key"), max_length=200, unique=True, null=True, blank=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("emailed"), null=True, blank=True)
    email_error = models.CharField(_("email error"), max_length=255, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(
                fields=["user"], condition=models.Q(read_at__isnull=True), name="notification_unread_idx"
            ),
            models.Index(fields=["user", "-created_at"], name="notification_user_recent_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return localized(self.title_km, self.title_en)

    @property
    def body(self) -> str:
        return localized(self.body_km, self.body_en)

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class OutgoingMessage(models.Model):
    """One text to one destination on one channel (Telegram, SMS): an operator alert or a short copy of a
    notification. Written with its outbox message in the caller's transaction and sent by a task
    (notifications.delivery), at most once: the task claims the row (QUEUED -> SENDING) before it calls the
    provider, so a duplicated task finds it claimed."""

    class Purpose(models.TextChoices):
        ALERT = "alert", _("operator alert")
        NOTIFICATION = "notification", _("applicant notification")
        # A phone-verification code: its text is never shown in the back-office.
        VERIFICATION = "verification", _("verification code")

    class State(models.TextChoices):
        QUEUED = "queued", _("queued")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")
        # A worker stopped between the claim and the provider's answer: the provider may or may not have the
        # message; not resent (at most once), shown to administrators (notifications.delivery.resolve_stuck).
        UNKNOWN = "unknown", _("unknown (worker stopped while sending)")

    channel = models.CharField(_("channel"), max_length=50)
    destination = EncryptedTextField(_("destination"), hash_field="destination_hash")
    destination_hash = LookupHashField()
    text = models.TextField(_("text"))
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices, default=Purpose.ALERT)
    language = models.CharField(_("language"), max_length=10, blank=True)
    notification = models.ForeignKey(
        Notification,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="outgoing_messages",
        verbose_name=_("notification"),
    )
    # The event that caused the message ("heartbeat:incident:12:opened"): a second send_message() with the
    # same key returns the first row and sends nothing.
    dedupe_key = models.CharField(_("deduplication key"), max_length=200, unique=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    provider_message_id = models.CharField(_("provider message id"), max_length=100, blank=True)
    last_error = models.CharField(_("last error"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")
        indexes = [models.Index(fields=["state", "created_at"], name="outgoing_state_idx")]

    def __str__(self) -> str:
        return f"{self.channel} {self.state} #{self.pk}"


class ChannelSubscription(models.Model):
    """An applicant's opt-in to a channel beyond e-mail: a verified phone (SMS) or a bound Telegram chat.
    Only an enabled, verified subscription receives copies of notifications."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="channel_subscriptions",
        verbose_name=_("user"),
    )
    channel = models.CharField(_("channel"), max_length=50)
    destination = EncryptedTextField(_("destination"), hash_field="destination_hash")
    destination_hash = LookupHashField()
    # What the person sees of a Telegram binding (their first name there), to notice a wrong chat.
    label = models.CharField(_("label"), max_length=128, blank=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("notification channel subscription")
        verbose_name_plural = _("notification channel subscriptions")
        constraints = [
            models.UniqueConstraint(fields=["user", "channel"], name="channel_subscription_user_channel_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.channel} #{self.pk}"


class PhoneVerification(models.Model):
    """A 6-digit code sent by SMS to the phone a person wants to receive messages on. Only the code's keyed
    hash is kept; a code lives a few minutes and allows a few wrong tries."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="phone_verifications",
        verbose_name=_("user"),
    )
    phone = EncryptedTextField(_("phone"))
    code_hash = models.CharField(_("code hash"), max_length=64, editable=False)
    attempts = models.PositiveSmallIntegerField(_("wrong attempts"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    # Set when the code was entered right, or when the person started another verification.
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("phone verification")
        verbose_name_plural = _("phone verifications")
        indexes = [models.Index(fields=["user", "-created_at"], name="phone_verif_user_idx")]

    def __str__(self) -> str:
        return f"phone verification #{self.pk}"


class TelegramLink(models.Model):
    """A one-time start payload of the deep link t.me/<bot>?start=<payload>: whoever presses Start with it
    binds their chat to `user`. Only the payload's SHA-256 is kept; it lives minutes and is used once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="telegram_links",
        verbose_name=_("user"),
    )
    token_hash = models.CharField(_("payload hash"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("Telegram link")
        verbose_name_plural = _("Telegram links")

    def __str__(self) -> str:
        return f"Telegram link #{self.pk}"

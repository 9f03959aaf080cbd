"""One row per piece of work that must happen after a commit, written in the same transaction as the change
that causes it."""

from __future__ import annotations

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        DELIVERED = "delivered", _("delivered")
        FAILED = "failed", _("failed")

    topic = models.CharField(_("topic"), max_length=150)
    payload = models.JSONField(_("payload"), encoder=DjangoJSONEncoder, default=dict)
    # The event that caused the message (e.g. "notification-email:42"): enqueuing it twice keeps one row.
    dedupe_key = models.CharField(_("deduplication key"), max_length=200, unique=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # Not before this time: the next attempt after a failure waits out its backoff.
    available_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    # The request that wrote the message; restored while it is relayed, so Celery tasks and their audit rows
    # carry it too.
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    correlation_id = models.CharField(_("correlation id"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        indexes = [
            # What the relay scans: small, because delivered and failed rows leave it.
            models.Index(
                fields=["available_at", "id"],
                condition=models.Q(status="pending"),
                name="outbox_pending_idx",
            ),
            models.Index(fields=["status", "-created_at"], name="outbox_status_recent_idx"),
        ]
        permissions = [("retry_outboxmessage", _("Can retry failed outbox messages"))]

    def __str__(self) -> str:
        return f"{self.topic} #{self.pk}"

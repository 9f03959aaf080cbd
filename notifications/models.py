"""What applicants are told: one row per message, shown in the portal and sent by email once."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

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

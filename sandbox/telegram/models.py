"""State of the Telegram Bot API simulator: the bot (its webhook), the chats that talked to it and every
message in them. The *external* service's state: the portal never reads these tables, it talks to the
simulator over HTTP and hears back through webhook updates."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SimTelegramBot(models.Model):
    token = models.CharField(_("token"), max_length=100, unique=True)
    username = models.CharField(_("username"), max_length=64)
    webhook_url = models.CharField(_("webhook URL"), max_length=500, blank=True)
    webhook_secret = models.CharField(_("webhook secret token"), max_length=256, blank=True)
    last_update_id = models.PositiveIntegerField(_("last update id"), default=0)
    last_error = models.CharField(_("last webhook error"), max_length=255, blank=True)

    class Meta:
        app_label = "sandbox"
        verbose_name = _("Telegram simulated bot")
        verbose_name_plural = _("Telegram simulated bots")

    def __str__(self) -> str:
        return f"@{self.username}"


class SimTelegramChat(models.Model):
    class Failure(models.TextChoices):
        NONE = "", _("answers normally")
        RATE_LIMITED = "429", _("429 Too Many Requests (retry after)")
        BLOCKED = "403", _("403 bot was blocked by the user")
        BAD_REQUEST = "400", _("400 chat not found")
        SERVER_ERROR = "500", _("500 internal server error")

    chat_id = models.BigIntegerField(_("chat id"), unique=True)
    title = models.CharField(_("name"), max_length=128)
    kind = models.CharField(_("type"), max_length=20, default="private")
    fail_with = models.CharField(_("failure"), max_length=3, choices=Failure.choices, blank=True)
    # How many more sendMessage calls fail with `fail_with` (0: every one).
    fail_times = models.PositiveSmallIntegerField(_("failures left"), default=0)
    retry_after = models.PositiveSmallIntegerField(_("retry after (seconds)"), default=3)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        app_label = "sandbox"
        ordering = ["chat_id"]
        verbose_name = _("Telegram simulated chat")
        verbose_name_plural = _("Telegram simulated chats")

    def __str__(self) -> str:
        return f"{self.title} ({self.chat_id})"


class SimTelegramMessage(models.Model):
    chat = models.ForeignKey(SimTelegramChat, on_delete=models.CASCADE, related_name="messages")
    from_bot = models.BooleanField(_("sent by the bot"), default=True)
    text = models.TextField(_("text"))
    parse_mode = models.CharField(_("parse mode"), max_length=20, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        app_label = "sandbox"
        ordering = ["-pk"]
        verbose_name = _("Telegram simulated message")
        verbose_name_plural = _("Telegram simulated messages")

    def __str__(self) -> str:
        return f"{self.chat_id}: {self.text[:40]}"

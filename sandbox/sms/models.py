"""State of the SMS provider simulator (Twilio's Messages API): every message accepted. The portal never
reads this table: it talks to the simulator over HTTP."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SimSmsMessage(models.Model):
    sid = models.CharField(_("message SID"), max_length=34, unique=True)
    account_sid = models.CharField(_("account SID"), max_length=34)
    to = models.CharField(_("to"), max_length=20)
    sender = models.CharField(_("from"), max_length=20)
    body = models.TextField(_("body"))
    status = models.CharField(_("status"), max_length=20, default="queued")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        app_label = "sandbox"
        ordering = ["-pk"]
        verbose_name = _("SMS simulated message")
        verbose_name_plural = _("SMS simulated messages")

    def __str__(self) -> str:
        return self.sid

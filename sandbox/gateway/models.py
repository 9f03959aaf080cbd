"""State of the member-gateway simulator: its hosted-checkout sessions and what the payer did on them.

The *external* gateway's state: the portal never reads this table, it talks to the simulator over HTTP and
hears back through signed webhooks.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SimCheckoutSession(models.Model):
    class State(models.TextChoices):
        OPEN = "OPEN", _("open")
        PAID = "PAID", _("paid")
        FAILED = "FAILED", _("failed")

    session_id = models.CharField(_("session id"), max_length=40, unique=True)
    reference = models.CharField(_("merchant reference"), max_length=100)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    description = models.CharField(_("description"), max_length=200, blank=True)
    return_url = models.URLField(_("return URL"), max_length=500)
    notify_url = models.URLField(_("webhook URL"), max_length=500)
    state = models.CharField(_("state"), max_length=6, choices=State.choices, default=State.OPEN)
    method = models.CharField(_("method"), max_length=20, blank=True)
    card_brand = models.CharField(_("card brand"), max_length=20, blank=True)
    card_last4 = models.CharField(_("card last digits"), max_length=4, blank=True)
    transaction_id = models.CharField(_("transaction id"), max_length=40, blank=True)
    event_id = models.CharField(_("event id"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    settled_at = models.DateTimeField(_("settled"), null=True, blank=True)

    class Meta:
        app_label = "sandbox"
        ordering = ["-created_at"]
        verbose_name = _("gateway simulated checkout")
        verbose_name_plural = _("gateway simulated checkouts")

    def __str__(self) -> str:
        return f"{self.session_id} {self.state}"

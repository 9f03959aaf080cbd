"""State of the Bakong simulator: the transfers its "bank app" made, by the md5 of the KHQR they paid.

This is the *external* service's state (what Bakong would hold), not the portal's: the portal never reads
this table, only talks to the simulator over HTTP.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SimTransaction(models.Model):
    class State(models.TextChoices):
        UNPAID = "UNPAID", _("unpaid")
        PAID = "PAID", _("paid")
        FAILED = "FAILED", _("failed")

    md5 = models.CharField(_("KHQR md5"), max_length=32, unique=True)
    qr = models.TextField(_("KHQR"))
    state = models.CharField(_("state"), max_length=6, choices=State.choices, default=State.UNPAID)
    hash = models.CharField(_("transaction hash"), max_length=64, blank=True)
    from_account_id = models.CharField(_("from account"), max_length=64, blank=True)
    to_account_id = models.CharField(_("to account"), max_length=64, blank=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, null=True, blank=True)
    description = models.CharField(_("description"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    settled_at = models.DateTimeField(_("settled"), null=True, blank=True)

    class Meta:
        app_label = "sandbox"
        ordering = ["-created_at"]
        verbose_name = _("Bakong simulated transaction")
        verbose_name_plural = _("Bakong simulated transactions")

    def __str__(self) -> str:
        return f"{self.md5} {self.state}"

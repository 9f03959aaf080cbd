"""The SMS channel: a text to a phone number in E.164, through a provider speaking Twilio's Messages API."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from notifications.channels import Channel, channels
from notifications.contrib.sms.client import SmsClient, config
from notifications.phones import mask, to_e164


@channels.register("sms")
class SmsChannel(Channel):
    verbose_name = _("SMS")
    # One message a second to one number is far above what a person needs, and below carriers' flood
    # filters.
    min_interval = 1.0
    # Twilio joins up to 10 segments; Khmer is UCS-2 (70 characters a segment, 67 when joined): 1600 is
    # Twilio's limit for a body.
    max_length = 1600

    def check_config(self) -> list[str]:
        raw = config()
        if not raw.get("BASE_URL"):
            return []  # not configured: the channel is not offered
        return [
            f"SMS['{name}'] is not set: no SMS can be sent"
            for name in ("ACCOUNT_SID", "AUTH_TOKEN", "FROM")
            if not raw.get(name)
        ]

    @property
    def configured(self) -> bool:
        raw = config()
        return all(raw.get(name) for name in ("BASE_URL", "ACCOUNT_SID", "AUTH_TOKEN", "FROM"))

    def normalize_destination(self, destination: str) -> str:
        return to_e164(destination)

    def mask(self, destination: str) -> str:
        return mask(destination)

    def send(self, destination: str, text: str) -> str:
        return str(SmsClient().send(destination, text)["sid"])[:100]

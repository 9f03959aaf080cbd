"""The Telegram channel: a message from the portal's bot to a chat id (a person's private chat with the bot,
bound through the deep link of the notification settings page, or an operators' group for alerts)."""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _

from notifications.channels import Channel, InvalidDestination, channels
from notifications.contrib.telegram.client import TelegramClient, config

# A chat id is an integer (negative for groups, -100… for supergroups and channels); @channelusername is
# also accepted by sendMessage.
_CHAT_ID = re.compile(r"^(-?\d{1,20}|@[A-Za-z][A-Za-z0-9_]{4,31})$")


@channels.register("telegram")
class TelegramChannel(Channel):
    verbose_name = _("Telegram")
    # Telegram: "avoid sending more than one message per second" to one chat (and 20 a minute to a group).
    min_interval = 1.0
    max_length = 4096

    def check_config(self) -> list[str]:
        raw = config()
        if not raw.get("BOT_TOKEN"):
            return []  # not configured: the channel is not offered and alerts to it fail permanently
        problems = []
        if not raw.get("BASE_URL"):
            problems.append("TELEGRAM['BASE_URL'] is not set: no message can be sent")
        if not raw.get("BOT_USERNAME"):
            problems.append("TELEGRAM['BOT_USERNAME'] is not set: the opt-in deep link cannot be made")
        if not raw.get("WEBHOOK_SECRET"):
            problems.append("TELEGRAM['WEBHOOK_SECRET'] is not set: every webhook update would be refused")
        return problems

    @property
    def configured(self) -> bool:
        raw = config()
        return bool(raw.get("BOT_TOKEN") and raw.get("BASE_URL"))

    def normalize_destination(self, destination: str) -> str:
        value = str(destination).strip()
        if not _CHAT_ID.match(value):
            raise InvalidDestination("a Telegram chat id is an integer or an @channel name")
        return value

    def send(self, destination: str, text: str) -> str:
        result = TelegramClient().send_message(destination, text)
        return str(result["message_id"])

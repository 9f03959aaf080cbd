"""Register the portal's webhook with the Telegram bot (setWebhook with the secret token), or show it.

manage.py telegram_webhook            # set it to <ESB_PUBLIC_BASE_URL>/notifications/telegram/webhook/
manage.py telegram_webhook --show     # getWebhookInfo
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from notifications.channels import ChannelError
from notifications.contrib.telegram.client import TelegramClient


class Command(BaseCommand):
    help = "Register (or show) the Telegram bot's webhook pointing at this portal."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--show", action="store_true", help="only show the current webhook")

    def handle(self, *args, show: bool = False, **options) -> None:
        client = TelegramClient()
        try:
            if not show:
                url = settings.ESB_PUBLIC_BASE_URL.rstrip("/") + reverse("notifications:telegram-webhook")
                client.call(
                    "setWebhook",
                    {
                        "url": url,
                        "secret_token": settings.TELEGRAM["WEBHOOK_SECRET"],
                        "allowed_updates": ["message", "my_chat_member"],
                    },
                )
            info = client.call("getWebhookInfo")
        except ChannelError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"webhook: {info.get('url') or '(none)'}")
        if info.get("last_error_message"):
            self.stdout.write(f"last error: {info['last_error_message']}")

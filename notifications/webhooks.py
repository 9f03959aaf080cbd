"""Telegram updates that reach the bot's webhook (after views.telegram_webhook checked the secret token).

What the portal acts on:
- "/start <payload>" in a private chat: the person pressed Start on the deep link of their notification
  settings page; the chat is bound to the payload's owner (notifications.optin.bind_telegram_chat). A used,
  expired or unknown payload binds nothing; the chat is told so in the person's Telegram language.
- my_chat_member with status "kicked": the person blocked the bot; their Telegram channel is turned off.
Each update id is handled once (a replay of the same update, by Telegram or anyone holding the secret, does
nothing), and a payload is used once whatever the update id.
"""

from __future__ import annotations

import logging
import re

from django.core.cache import cache
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from esb.crypto import lookup_hash
from notifications import alerts, optin
from notifications.models import ChannelSubscription, OutgoingMessage

logger = logging.getLogger(__name__)

_PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
UPDATE_MEMORY_SECONDS = 7 * 24 * 3600  # Telegram keeps undelivered updates for 24 hours


def _first_time(update_id: int) -> bool:
    # Under esb.throttle's prefix, like the rate-limit slots (cleared together in tests).
    return bool(cache.add(f"esb-throttle:telegram-update:{update_id}", 1, timeout=UPDATE_MEMORY_SECONDS))


def handle_update(update: dict) -> str:
    update_id = update.get("update_id")
    if not isinstance(update_id, int) or isinstance(update_id, bool):
        return "ignored"
    if not _first_time(update_id):
        return "replayed"
    if isinstance(update.get("my_chat_member"), dict):
        return _member_changed(update["my_chat_member"])
    message = update.get("message")
    if not isinstance(message, dict):
        return "ignored"
    chat, sender = message.get("chat"), message.get("from")
    text = message.get("text")
    if not (isinstance(chat, dict) and isinstance(text, str) and chat.get("type") == "private"):
        return "ignored"
    chat_id = chat.get("id")
    if not isinstance(chat_id, int) or isinstance(chat_id, bool):
        return "ignored"
    command, _sep, payload = text.strip().partition(" ")
    if command not in ("/start", f"/start@{_bot_username()}"):
        return "ignored"
    payload = payload.strip()
    sender = sender if isinstance(sender, dict) else {}
    label = str(sender.get("first_name") or chat.get("first_name") or "")[:128]
    if _PAYLOAD.match(payload):
        binding = optin.bind_telegram_chat(payload, str(chat_id), label)
    else:
        binding = optin.Binding("unknown")
    if binding.status != "bound":
        logger.info("telegram update %s: start payload %s", update_id, binding.status)
        _reply_link_invalid(update_id, chat_id, str(sender.get("language_code") or ""))
    return binding.status


def _bot_username() -> str:
    from django.conf import settings

    return str((getattr(settings, "TELEGRAM", None) or {}).get("BOT_USERNAME") or "")


def _reply_link_invalid(update_id: int, chat_id: int, language_code: str) -> None:
    language = "km" if language_code.startswith("km") else "en"
    with translation.override(language):
        text = _(
            "This link no longer works. Open Notification settings in the ESB Portal and press "
            "“Link Telegram” again."
        )
    with transaction.atomic():
        alerts.queue_message(
            channel="telegram",
            destination=str(chat_id),
            text=text,
            dedupe_key=f"telegram-update:{update_id}",
            purpose=OutgoingMessage.Purpose.NOTIFICATION,
            language=language,
        )


def _member_changed(change: dict) -> str:
    chat = change.get("chat") if isinstance(change.get("chat"), dict) else {}
    status = (
        (change.get("new_chat_member") or {}).get("status")
        if isinstance(change.get("new_chat_member"), dict)
        else None
    )
    chat_id = chat.get("id")
    if status != "kicked" or not isinstance(chat_id, int):
        return "ignored"
    turned_off = ChannelSubscription.objects.filter(
        channel="telegram", destination_hash=lookup_hash(str(chat_id)), enabled=True
    ).update(enabled=False)
    return "blocked" if turned_off else "ignored"

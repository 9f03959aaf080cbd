"""The Telegram Bot API simulator's behaviour (https://core.telegram.org/bots/api): the methods the portal
uses, answered in Telegram's envelope, failures injected per chat, and a person pressing Start on a deep
link, delivered to the bot's webhook as a real Update with the X-Telegram-Bot-Api-Secret-Token header."""

from __future__ import annotations

import json
from dataclasses import dataclass

import requests
from django.db import transaction
from django.utils import timezone

from sandbox.telegram.models import SimTelegramBot, SimTelegramChat, SimTelegramMessage

# The same public values as esb.integration_settings (development and test only).
SANDBOX_TOKEN = "7000000001:ESB-sandbox-bot-token-public-0000000"  # noqa: S105  (public on purpose)
SANDBOX_BOT_USERNAME = "esb_portal_sandbox_bot"
SANDBOX_BOT_ID = 7000000001
# The operators' group the demo alerts go to, and a demo applicant's private chat.
DEMO_OPERATORS_CHAT = -1001000000001
DEMO_CHATS = {DEMO_OPERATORS_CHAT: ("ESB operators", "supergroup"), 100000001: ("Sokha Chan", "private")}
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105  (a header name)
TEXT_LIMIT = 4096


class ApiError(Exception):
    """An answer `{"ok": false, ...}` with this HTTP status / error_code."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code, self.description, self.retry_after = code, description, retry_after

    def envelope(self) -> dict:
        body: dict = {"ok": False, "error_code": self.code, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bot_for(token: str) -> SimTelegramBot:
    """The bot this token belongs to (401 Unauthorized, as Telegram answers, for any other token)."""
    if token != SANDBOX_TOKEN:
        raise ApiError(401, "Unauthorized")
    bot, _created = SimTelegramBot.objects.get_or_create(
        token=SANDBOX_TOKEN, defaults={"username": SANDBOX_BOT_USERNAME}
    )
    return bot


def ensure_demo_chats() -> None:
    for chat_id, (title, kind) in DEMO_CHATS.items():
        SimTelegramChat.objects.get_or_create(chat_id=chat_id, defaults={"title": title, "kind": kind})


def get_me(bot: SimTelegramBot) -> dict:
    return {
        "id": SANDBOX_BOT_ID,
        "is_bot": True,
        "first_name": "ESB Portal (sandbox)",
        "username": bot.username,
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
    }


def _chat_data(chat: SimTelegramChat) -> dict:
    data: dict = {"id": chat.chat_id, "type": chat.kind}
    if chat.kind == "private":
        data["first_name"] = chat.title
    else:
        data["title"] = chat.title
    return data


def message_data(message: SimTelegramMessage, bot: SimTelegramBot | None = None) -> dict:
    sender = (
        {"id": SANDBOX_BOT_ID, "is_bot": True, "first_name": "ESB Portal (sandbox)", "username": bot.username}
        if message.from_bot and bot
        else {"id": message.chat.chat_id, "is_bot": False, "first_name": message.chat.title}
    )
    return {
        "message_id": message.pk,
        "from": sender,
        "chat": _chat_data(message.chat),
        "date": int(message.created_at.timestamp()),
        "text": message.text,
    }


def _chat_id(raw: object) -> int:
    try:
        return int(str(raw))
    except (TypeError, ValueError):
        raise ApiError(400, "Bad Request: chat not found") from None


def send_message(bot: SimTelegramBot, params: dict) -> dict:
    """sendMessage: the chat must exist (someone pressed Start, or a demo chat); failures as injected."""
    ensure_demo_chats()
    text = str(params.get("text") or "")
    if not text.strip():
        raise ApiError(400, "Bad Request: message text is empty")
    if len(text) > TEXT_LIMIT:
        raise ApiError(400, "Bad Request: message is too long")
    parse_mode = str(params.get("parse_mode") or "")
    if parse_mode and parse_mode not in {"HTML", "Markdown", "MarkdownV2"}:
        raise ApiError(400, "Bad Request: unsupported parse_mode")
    injected: ApiError | None = None
    with transaction.atomic():
        chat = (
            SimTelegramChat.objects.select_for_update()
            .filter(chat_id=_chat_id(params.get("chat_id")))
            .first()
        )
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        if chat.fail_with:
            injected = _injected(chat.fail_with, chat.retry_after)
            if chat.fail_times:  # a limited number of failures, then normal answers again
                chat.fail_times -= 1
                if chat.fail_times == 0:
                    chat.fail_with = ""
                chat.save(update_fields=["fail_times", "fail_with"])
        else:
            message = SimTelegramMessage.objects.create(chat=chat, text=text, parse_mode=parse_mode)
    if injected is not None:  # raised after the commit, so the count of failures left is kept
        raise injected
    return message_data(message, bot)


def _injected(failure: str, retry_after: int) -> ApiError:
    if failure == "429":
        return ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)
    if failure == "403":
        return ApiError(403, "Forbidden: bot was blocked by the user")
    if failure == "400":
        return ApiError(400, "Bad Request: chat not found")
    return ApiError(500, "Internal Server Error")


def set_webhook(bot: SimTelegramBot, params: dict) -> bool:
    url = str(params.get("url") or "")
    secret = str(params.get("secret_token") or "")
    if url and not url.startswith(("https://", "http://")):
        raise ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
    if len(secret) > 256 or any(not (c.isalnum() or c in "_-") for c in secret):
        raise ApiError(400, "Bad Request: secret token contains unallowed characters")
    bot.webhook_url, bot.webhook_secret, bot.last_error = url[:500], secret, ""
    bot.save(update_fields=["webhook_url", "webhook_secret", "last_error"])
    return True


def webhook_info(bot: SimTelegramBot) -> dict:
    info: dict = {"url": bot.webhook_url, "has_custom_certificate": False, "pending_update_count": 0}
    if bot.last_error:
        info["last_error_message"] = bot.last_error
    return info


@dataclass(frozen=True)
class Delivery:
    status: int  # the webhook's HTTP status (0: unreachable, -1: no webhook set)
    update: dict


def press_start(payload: str, *, chat_id: int, name: str, secret: str | None = None) -> Delivery:
    """A person opens t.me/<bot>?start=<payload> and presses Start: Telegram sends "/start <payload>" from
    their private chat to the bot's webhook (`secret` overrides the header, to forge one in tests)."""
    bot = bot_for(SANDBOX_TOKEN)
    chat, _created = SimTelegramChat.objects.get_or_create(
        chat_id=chat_id, defaults={"title": name[:128] or "Sandbox user", "kind": "private"}
    )
    text = f"/start {payload}" if payload else "/start"
    message = SimTelegramMessage.objects.create(chat=chat, from_bot=False, text=text)
    with transaction.atomic():
        bot = SimTelegramBot.objects.select_for_update().get(pk=bot.pk)
        bot.last_update_id += 1
        bot.save(update_fields=["last_update_id"])
    update = {"update_id": 500000000 + bot.last_update_id, "message": message_data(message)}
    update["message"]["entities"] = [{"offset": 0, "length": 6, "type": "bot_command"}]
    return deliver_update(bot, update, secret=secret)


def deliver_update(bot: SimTelegramBot, update: dict, *, secret: str | None = None) -> Delivery:
    if not bot.webhook_url:
        return Delivery(-1, update)
    headers = {"Content-Type": "application/json"}
    token = bot.webhook_secret if secret is None else secret
    if token:
        headers[SECRET_HEADER] = token
    try:
        response = requests.post(bot.webhook_url, data=json.dumps(update), headers=headers, timeout=10)
    except requests.RequestException as error:
        status, error_text = 0, f"Connection failed: {type(error).__name__}"
    else:
        status = response.status_code
        error_text = "" if status < 300 else f"Wrong response from the webhook: {status}"
    SimTelegramBot.objects.filter(pk=bot.pk).update(last_error=error_text[:255])
    return Delivery(status, update)


def listing() -> dict:
    """Every chat with its messages, newest first (the JSON tests and the page read)."""
    ensure_demo_chats()
    chats = []
    for chat in SimTelegramChat.objects.prefetch_related("messages"):
        chats.append(
            {
                **_chat_data(chat),
                "failure": chat.fail_with,
                "messages": [
                    {
                        "message_id": m.pk,
                        "from_bot": m.from_bot,
                        "text": m.text,
                        "date": timezone.localtime(m.created_at).isoformat(),
                    }
                    for m in chat.messages.all()
                ],
            }
        )
    return {"chats": chats}

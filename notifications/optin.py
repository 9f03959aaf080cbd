"""Applicants opting in to channels beyond e-mail (the notification settings page; docs/notifications.md).

- SMS: `start_phone_verification` sends a 6-digit code to the phone (only its keyed hash is stored); the
  code lives CODE_LIFETIME, allows MAX_WRONG_ATTEMPTS wrong tries, and a new one replaces the old one.
  `confirm_phone` turns a right code into a verified SMS subscription. The answer never says anything about
  other accounts (a phone is not unique across people: nothing to enumerate).
- Telegram: `start_telegram_link` makes a one-time start payload for the deep link t.me/<bot>?start=…;
  `bind_telegram_chat` (the webhook, after its secret-token check) binds the chat that pressed Start to the
  payload's owner: never another user, never twice, never after it expired.
- `set_enabled` turns a channel off (and on again) without forgetting the destination.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from notifications import alerts
from notifications.channels import InvalidDestination, get_channel
from notifications.models import ChannelSubscription, OutgoingMessage, PhoneVerification, TelegramLink
from notifications.phones import CAMBODIA, mask, to_e164

CODE_LIFETIME = datetime.timedelta(minutes=10)
MAX_WRONG_ATTEMPTS = 5
LINK_LIFETIME = datetime.timedelta(minutes=30)


class OptInError(Exception):
    """A refusal the page shows to the person (already translated)."""


def channel_available(channel: str) -> bool:
    try:
        return bool(getattr(get_channel(channel), "configured", True))
    except LookupError:
        return False


def _code_hash(verification_id: int, code: str) -> str:
    key = settings.ESB_LOOKUP_HASH_KEY.encode("utf-8")
    return hmac.new(key, f"phone-code:{verification_id}:{code}".encode(), hashlib.sha256).hexdigest()


def start_phone_verification(user, phone: str) -> PhoneVerification:
    """Send a new code to `phone` (InvalidDestination, a ValueError, when it is not a Cambodian phone
    number). Applicants' copies go to Cambodian numbers only: anyone with an account can ask for a code, and
    accepting any country would let a script make the portal send SMS to costly international or premium
    numbers at the ministry's expense (SMS pumping). Operators' alert destinations are not limited."""
    e164 = to_e164(phone)
    if not e164.startswith("+" + CAMBODIA):
        raise InvalidDestination("applicants' SMS copies go to Cambodian numbers only")
    code = f"{secrets.randbelow(10**6):06d}"
    now = timezone.now()
    with transaction.atomic():
        PhoneVerification.objects.filter(user=user, closed_at__isnull=True).update(closed_at=now)
        verification = PhoneVerification.objects.create(
            user=user, phone=e164, code_hash="", expires_at=now + CODE_LIFETIME
        )
        verification.code_hash = _code_hash(verification.pk, code)
        verification.save(update_fields=["code_hash"])
        with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
            text = _(
                "%(code)s is your ESB Portal verification code. It expires in 10 minutes. Never share it."
            ) % {"code": code}
        alerts.queue_message(
            channel="sms",
            destination=e164,
            text=text,
            dedupe_key=f"phone-code:{verification.pk}",
            purpose=OutgoingMessage.Purpose.VERIFICATION,
            language=user.preferred_language or "",
        )
    return verification


def open_verification(user) -> PhoneVerification | None:
    """The person's code waiting to be entered (None when there is none, or it expired or was used up)."""
    verification = PhoneVerification.objects.filter(user=user, closed_at__isnull=True).first()
    if verification is None or verification.expires_at <= timezone.now():
        return None
    if verification.attempts >= MAX_WRONG_ATTEMPTS:
        return None
    return verification


def confirm_phone(user, code: str) -> ChannelSubscription:
    """Check `code` against the person's open verification; a verified, enabled SMS subscription if right.
    OptInError (translated) otherwise; each wrong code counts, under a row lock (no parallel guessing)."""
    code = "".join(ch for ch in str(code) if not ch.isspace()).translate(
        str.maketrans("០១២៣៤៥៦៧៨៩", "0123456789")
    )
    now = timezone.now()
    with transaction.atomic():
        verification = (
            PhoneVerification.objects.select_for_update()
            .filter(user=user, closed_at__isnull=True)
            .order_by("-created_at", "-pk")
            .first()
        )
        if verification is None:
            raise OptInError(_("There is no code waiting: ask for a new one."))
        if verification.expires_at <= now:
            raise OptInError(_("This code has expired: ask for a new one."))
        if verification.attempts >= MAX_WRONG_ATTEMPTS:
            raise OptInError(_("Too many wrong codes: ask for a new one."))
        right = len(code) == 6 and code.isdigit()
        if not (right and hmac.compare_digest(verification.code_hash, _code_hash(verification.pk, code))):
            verification.attempts += 1
            verification.save(update_fields=["attempts"])
            wrong = True
        else:
            wrong = False
    if wrong:  # raised after the commit: the wrong attempt stays counted
        if verification.attempts >= MAX_WRONG_ATTEMPTS:
            raise OptInError(_("Too many wrong codes: ask for a new one."))
        raise OptInError(_("This code is not right. Check the SMS and try again."))
    with transaction.atomic():
        # Conditional: of two submissions of the right code (or one racing a new code), one closes it.
        if not PhoneVerification.objects.filter(pk=verification.pk, closed_at__isnull=True).update(
            closed_at=now
        ):
            raise OptInError(_("There is no code waiting: ask for a new one."))
        subscription, _created = ChannelSubscription.objects.update_or_create(
            user=user,
            channel="sms",
            defaults={"destination": verification.phone, "verified_at": now, "enabled": True, "label": ""},
        )
    return subscription


def start_telegram_link(user) -> str:
    """A new one-time deep link for the person (the earlier unused ones stop working)."""
    token = secrets.token_urlsafe(24)  # 32 characters of A-Z a-z 0-9 _ -: what a start payload allows
    now = timezone.now()
    with transaction.atomic():
        TelegramLink.objects.filter(user=user, used_at__isnull=True).update(used_at=now)
        TelegramLink.objects.create(
            user=user, token_hash=hashlib.sha256(token.encode()).hexdigest(), expires_at=now + LINK_LIFETIME
        )
    telegram = getattr(settings, "TELEGRAM", None) or {}
    return (
        f"{telegram.get('DEEP_LINK_BASE', 'https://t.me')}/{telegram.get('BOT_USERNAME', '')}?start={token}"
    )


def pending_telegram_link(user, deep_link: object) -> str:
    """`deep_link` (kept in the person's session by the POST that made it, so the settings page can show it
    after a redirect) if it is still the person's unused, unexpired link; otherwise ""."""
    if not isinstance(deep_link, str) or "?start=" not in deep_link:
        return ""
    token = deep_link.rsplit("?start=", 1)[1]
    still_open = TelegramLink.objects.filter(
        user=user,
        token_hash=hashlib.sha256(token.encode()).hexdigest(),
        used_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).exists()
    return deep_link if still_open else ""


@dataclass(frozen=True)
class Binding:
    status: str  # bound | unknown | used | expired
    subscription: ChannelSubscription | None = None


def bind_telegram_chat(payload: str, chat_id: str, label: str) -> Binding:
    """Bind the private chat `chat_id` to the owner of the start `payload` (one use, before it expires)."""
    digest = hashlib.sha256(payload.encode()).hexdigest()
    now = timezone.now()
    with transaction.atomic():
        link = TelegramLink.objects.select_for_update().filter(token_hash=digest).first()
        if link is None:
            return Binding("unknown")
        if link.used_at is not None:
            return Binding("used")
        if link.expires_at <= now:
            return Binding("expired")
        link.used_at = now
        link.save(update_fields=["used_at"])
        subscription, _created = ChannelSubscription.objects.update_or_create(
            user=link.user,
            channel="telegram",
            defaults={"destination": chat_id, "verified_at": now, "enabled": True, "label": label[:128]},
        )
        with translation.override(link.user.preferred_language or settings.LANGUAGE_CODE):
            text = _("You will now receive ESB Portal notifications in this chat.")
        alerts.queue_message(
            channel="telegram",
            destination=chat_id,
            text=text,
            dedupe_key=f"telegram-linked:{link.pk}",
            purpose=OutgoingMessage.Purpose.NOTIFICATION,
            language=link.user.preferred_language or "",
        )
    return Binding("bound", subscription)


def set_enabled(user, channel: str, enabled: bool) -> bool:
    """Turn the person's channel on or off; False when they have no verified subscription to it."""
    return bool(
        ChannelSubscription.objects.filter(user=user, channel=channel, verified_at__isnull=False).update(
            enabled=enabled, updated_at=timezone.now()
        )
    )


def forget_channels(user) -> int:
    """Erase the person's Telegram and SMS details (their right to erasure of optional data): subscriptions,
    phone verifications and open Telegram links are deleted; the copies of their notifications already
    queued or sent keep their text but lose the destination (replaced by a mask), and the queued ones are
    never sent. Returns the number of subscriptions removed."""
    now = timezone.now()
    with transaction.atomic():
        removed, _ = ChannelSubscription.objects.filter(user=user).delete()
        PhoneVerification.objects.filter(user=user).delete()
        TelegramLink.objects.filter(user=user).delete()
        copies = OutgoingMessage.objects.select_for_update().filter(notification__user=user)
        for message in copies:
            message.destination = mask(message.destination) if message.channel == "sms" else "•••"
            fields = ["destination", "destination_hash"]
            if message.state == OutgoingMessage.State.QUEUED:
                message.state, message.failed_at = OutgoingMessage.State.FAILED, now
                message.last_error = "the person erased their notification channels"
                fields += ["state", "failed_at", "last_error"]
            message.save(update_fields=fields)
    return removed


def fan_out(notification, user) -> list[OutgoingMessage]:
    """A short copy of `notification` on each channel the person opted in to (in their language, with the
    link), keyed by the notification: a retried notify() queues nothing twice. Inside notify()'s
    transaction."""
    subscriptions = ChannelSubscription.objects.filter(user=user, enabled=True, verified_at__isnull=False)
    queued = []
    language = user.preferred_language or settings.LANGUAGE_CODE
    base = settings.ESB_PUBLIC_BASE_URL.rstrip("/")
    for subscription in subscriptions:
        if not channel_available(subscription.channel):
            continue
        title = notification.title_km if language == "km" else notification.title_en
        link = base + (notification.url or reverse("notifications:list"))
        queued.append(
            alerts.queue_message(
                channel=subscription.channel,
                destination=subscription.destination,
                text=f"{title or notification.title_en}\n{link}",
                dedupe_key=f"notification:{notification.pk}:{subscription.channel}",
                purpose=OutgoingMessage.Purpose.NOTIFICATION,
                language=language,
                notification=notification,
            )
        )
    return queued

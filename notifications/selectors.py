"""Reads of notifications, always scoped to their owner."""

from __future__ import annotations

from django.db.models import QuerySet

from notifications.models import Notification


def for_user(user) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user).order_by("-created_at", "-pk")


def unread_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def recent_for(user, limit: int = 20) -> list[Notification]:
    return list(for_user(user)[:limit])


def channel_settings(user) -> dict:
    """What the notification settings page shows: the person's subscription per channel (or None) and the
    code waiting to be entered."""
    from notifications.models import ChannelSubscription
    from notifications.optin import open_verification

    subscriptions = {
        s.channel: s for s in ChannelSubscription.objects.filter(user=user, verified_at__isnull=False)
    }
    return {
        "sms": subscriptions.get("sms"),
        "telegram": subscriptions.get("telegram"),
        "verification": open_verification(user),
    }


def personal_data_of(user) -> dict:
    """What the "my data" page shows of the person's notification channels: every subscription (verified or
    not, on or off) and every phone verification still kept, destinations masked."""
    from notifications.channels import get_channel
    from notifications.models import ChannelSubscription, PhoneVerification
    from notifications.phones import mask

    def masked(channel: str, destination: str) -> str:
        if channel == "sms":
            return mask(destination)
        try:
            return get_channel(channel).mask(destination)
        except LookupError:
            return "•••"

    subscriptions = [
        {
            "channel": row.channel,
            "destination": masked(row.channel, row.destination),
            "label": row.label,
            "enabled": row.enabled,
            "verified_at": row.verified_at,
            "created_at": row.created_at,
        }
        for row in ChannelSubscription.objects.filter(user=user).order_by("channel")
    ]
    verifications = [
        {"phone": mask(row.phone), "created_at": row.created_at, "closed_at": row.closed_at}
        for row in PhoneVerification.objects.filter(user=user).order_by("-created_at")[:20]
    ]
    return {"subscriptions": subscriptions, "verifications": verifications}

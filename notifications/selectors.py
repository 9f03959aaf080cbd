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

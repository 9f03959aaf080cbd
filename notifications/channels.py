"""Notification channels: one registry of plugins (`esb.plugins`), one contrib package per provider.

    channels.get("telegram").send("123456789", "Your application was approved")   # -> provider message id
    with channels.override("telegram", FakeChannel()):                            # tests
        ...

A channel sends one text to one destination and returns the provider's id of the message. It never retries
by itself (a send is not idempotent at the provider): it raises `RetryableError` when trying again later may
work (network, 5xx, 429 with the provider's retry_after) and `PermanentError` when it never will (unknown or
blocked destination, refused request); the delivery task (notifications.delivery) decides what to do.
Channels register from `NotificationsConfig.ready()`.
"""

from __future__ import annotations

from esb.plugins import Plugin, PluginNotFound, Registry


class ChannelError(Exception):
    """A message could not be sent. The text never holds a credential or the destination."""


class RetryableError(ChannelError):
    """Try again later: the provider could not be reached, failed, or asked us to slow down."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentError(ChannelError):
    """Trying again will not help: bad destination, blocked bot, refused credentials or request."""


class InvalidDestination(ValueError):
    """The destination is not one this channel can send to (raised before anything is queued)."""


class Channel(Plugin):
    # Shortest time between two messages to one destination (seconds): the provider's per-recipient limit.
    min_interval: float = 1.0
    # Longest text the provider accepts in one message; longer texts are cut (with an ellipsis).
    max_length: int = 4096

    def normalize_destination(self, destination: str) -> str:
        """The destination in its canonical form (E.164 phone, numeric chat id); InvalidDestination if not."""
        raise NotImplementedError

    def mask(self, destination: str) -> str:
        """The destination as the back-office shows it: enough to tell two apart, not enough to use."""
        value = str(destination)
        return ("•" * max(len(value) - 3, 1)) + value[-3:] if len(value) > 3 else "•••"

    def send(self, destination: str, text: str) -> str:
        """Send `text` to `destination`; return the provider's message id."""
        raise NotImplementedError


channels: Registry[Channel] = Registry("notification channels")


def get_channel(key: str) -> Channel:
    """The channel registered under `key` (PluginNotFound, a LookupError, names the known ones)."""
    return channels.get(key)


def channel_choices() -> list[tuple[str, str]]:
    return [(key, str(channel.verbose_name or key)) for key, channel in channels.items()]


__all__ = [
    "Channel",
    "ChannelError",
    "InvalidDestination",
    "PermanentError",
    "PluginNotFound",
    "RetryableError",
    "channel_choices",
    "channels",
    "get_channel",
]

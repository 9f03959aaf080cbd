"""Who handles each outbox topic.

A handler is either a Celery task (named; the relay publishes it with the payload as keyword arguments) or a
function the relay calls with the payload in its own transaction. Either way it must be idempotent: a message
is relayed at least once, and exactly once only together with the handler's own check (keyed by a business
id, re-read the row, skip work already done).

Apps register their handlers at import of their `tasks.py`, where Celery finds their tasks too; the first
lookup of an unknown topic imports every installed app's `tasks` module, so a process that never imported
them (the web, a management command) still finds every handler.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import autodiscover_modules


class UnknownTopic(LookupError):
    pass


@dataclass(frozen=True)
class Handler:
    topic: str
    task: str = ""
    function: Callable[[dict], None] | None = None

    def __str__(self) -> str:
        return self.task or f"{self.function.__module__}.{self.function.__qualname__}"


_handlers: dict[str, Handler] = {}
_discovered = False
_lock = threading.Lock()


def _add(handler: Handler) -> None:
    with _lock:
        existing = _handlers.get(handler.topic)
        if existing is not None and existing != handler:
            raise ImproperlyConfigured(
                f"outbox topic {handler.topic!r} already handled by {existing}, not also by {handler}"
            )
        _handlers[handler.topic] = handler


def register_task(topic: str, task_name: str) -> None:
    """Messages of `topic` are published as the Celery task `task_name(**payload)`."""
    _add(Handler(topic=topic, task=task_name))


def register(topic: str) -> Callable[[Callable[[dict], None]], Callable[[dict], None]]:
    """Decorator: messages of `topic` are handled by calling `function(payload)` inside the relay."""

    def decorate(function: Callable[[dict], None]) -> Callable[[dict], None]:
        _add(Handler(topic=topic, function=function))
        return function

    return decorate


def unregister(topic: str) -> None:
    """For tests that register a handler of their own."""
    with _lock:
        _handlers.pop(topic, None)


def get(topic: str) -> Handler:
    global _discovered
    handler = _handlers.get(topic)
    if handler is None and not _discovered:
        autodiscover_modules("tasks")
        _discovered = True
        handler = _handlers.get(topic)
    if handler is None:
        known = ", ".join(sorted(_handlers)) or "none"
        raise UnknownTopic(f"no outbox handler for topic {topic!r} (registered: {known})")
    return handler


def topics() -> list[str]:
    return sorted(_handlers)

"""Who is acting, for which request: carried in a context variable so services and the audit trail can
read it without every function taking a request argument."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class RequestContext:
    request_id: str = "-"
    ip: str | None = None
    actor_id: int | None = None
    actor_label: str = ""
    on_behalf_of: str = ""
    xroad_client: str = ""
    xroad_id: str = ""
    extra: dict = field(default_factory=dict)


_current: contextvars.ContextVar[RequestContext] = contextvars.ContextVar("esb_request_context")


def current() -> RequestContext:
    return _current.get(RequestContext())


def set_context(ctx: RequestContext) -> contextvars.Token:
    return _current.set(ctx)


def update_context(**changes) -> None:
    _current.set(replace(current(), **changes))


def reset_context(token: contextvars.Token) -> None:
    _current.reset(token)


def correlation_id() -> str:
    """The id that ties work to where it started: the request that caused a Celery task or an outbox message
    keeps its id here (`extra["correlation_id"]`) across hops; a plain request is its own correlation."""
    ctx = current()
    return ctx.extra.get("correlation_id") or ctx.request_id

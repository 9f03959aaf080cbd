"""The Celery application. Workers and beat start from here (`celery -A esb worker`).

Request and correlation ids travel with every task: a task published while a request (or an outbox message
relayed for one) is current carries them in its message headers, and the worker restores them into
`esb.request_context` for the task's run, so its log lines and audit rows name the request that caused them.
A task nobody's request caused (beat) runs under its own task id.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
from dataclasses import replace

from celery import Celery, signals

from esb import request_context

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "esb.settings")

app = Celery("esb")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

HEADER_REQUEST_ID = "esb_request_id"
HEADER_CORRELATION_ID = "esb_correlation_id"
_ID_LENGTH = 64  # the audit trail's request_id column

# task id -> tokens to reset after the run (a stack: an eager task may run inside another with its id)
_tokens: dict[str, list[contextvars.Token]] = {}


@signals.before_task_publish.connect
def _carry_request_ids(headers: dict | None = None, **kwargs) -> None:
    if headers is None:
        return
    ctx = request_context.current()
    if ctx.request_id != "-":
        headers.setdefault(HEADER_REQUEST_ID, ctx.request_id)
    correlation = request_context.correlation_id()
    if correlation and correlation != "-":
        headers.setdefault(HEADER_CORRELATION_ID, correlation)


def _header(task, name: str) -> str:
    request = task.request
    value = request.get(name) or (getattr(request, "headers", None) or {}).get(name) or ""
    return str(value)[:_ID_LENGTH]


@signals.task_prerun.connect
def _restore_request_ids(task_id: str | None = None, task=None, **kwargs) -> None:
    if task is None or task_id is None:
        return
    request_id = _header(task, HEADER_REQUEST_ID)
    correlation = _header(task, HEADER_CORRELATION_ID)
    extra = {"task_id": task_id, "task": task.name}
    if task.request.is_eager:
        # Run inline (tests, CELERY_TASK_ALWAYS_EAGER): it is part of the current request.
        inherited = request_context.current()
        request_id = request_id or inherited.request_id
        correlation = correlation or request_context.correlation_id()
        ctx = replace(inherited, request_id=request_id, extra={**inherited.extra, **extra})
    else:
        # A worker's task never inherits the previous task's actor or address: a fresh context.
        request_id = request_id or task_id[:_ID_LENGTH]
        ctx = request_context.RequestContext(request_id=request_id, extra=extra)
    ctx.extra["correlation_id"] = correlation or request_id
    _tokens.setdefault(task_id, []).append(request_context.set_context(ctx))


@signals.task_postrun.connect
def _forget_request_ids(task_id: str | None = None, **kwargs) -> None:
    stack = _tokens.get(task_id or "")
    if not stack:
        return
    token = stack.pop()
    if not stack:
        del _tokens[task_id]
    # ValueError: set in another context (should not happen); then leave the context as it is.
    with contextlib.suppress(ValueError):
        request_context.reset_context(token)

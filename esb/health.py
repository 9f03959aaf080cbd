"""`/health` (Part 5 §8, CamDX service code `system_health`).

200 when the database, Redis and the Celery broker answer and every migration is applied; otherwise 503 naming
the failed components. Load balancers and CamDX poll it, so it must answer quickly even when a dependency
hangs: the checks run concurrently, each with its own short socket timeouts, under one overall deadline; a
check that has not finished by then is reported as `timeout`. The body names components only: never a URL,
a host, a password or an exception text (those go to the log, class name only).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from esb.access import public

logger = logging.getLogger(__name__)

# The whole response comes back within about this many seconds, whatever hangs.
DEADLINE_SECONDS = 2.5
# Socket timeouts of the individual checks; below the deadline so a slow dependency reports `fail` on its own.
SOCKET_TIMEOUT_SECONDS = 2

OK, FAIL, TIMEOUT, SKIPPED = "ok", "fail", "timeout", "skipped"


def _check_database() -> None:
    with transaction.atomic(using=DEFAULT_DB_ALIAS), connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        # SET LOCAL: the limit ends with this transaction and never leaks into a pooled connection.
        cursor.execute("SET LOCAL statement_timeout = %s", [f"{SOCKET_TIMEOUT_SECONDS}s"])
        cursor.execute("SELECT 1")


def _check_migrations() -> None:
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        raise RuntimeError(f"{len(plan)} migration(s) not applied")


def _check_redis() -> None:
    cache.set("esb:health", "ok", timeout=10)
    if cache.get("esb:health") != "ok":
        raise RuntimeError("cache did not return what was written")


def _check_broker() -> None:
    from esb.celery import app

    # The URL comes from Django settings (the source of truth); the socket timeouts bound a hung broker,
    # max_retries=0 stops kombu from sleeping between retries.
    with app.connection_for_write(
        getattr(settings, "CELERY_BROKER_URL", None),
        connect_timeout=SOCKET_TIMEOUT_SECONDS,
        transport_options={
            "socket_timeout": SOCKET_TIMEOUT_SECONDS,
            "socket_connect_timeout": SOCKET_TIMEOUT_SECONDS,
        },
    ) as conn:
        conn.ensure_connection(max_retries=0, timeout=SOCKET_TIMEOUT_SECONDS)


# Groups run concurrently; the checks inside a group run in order and the rest of a group is skipped after
# a failure (no point asking for the migration plan of a database that does not answer).
CHECK_GROUPS: list[list[tuple[str, Callable[[], None]]]] = [
    [("database", _check_database), ("migrations", _check_migrations)],
    [("redis", _check_redis)],
    [("celery_broker", _check_broker)],
]


def _run_group(group: list[tuple[str, Callable[[], None]]]) -> dict[str, str]:
    results: dict[str, str] = {}
    try:
        for name, check in group:
            if any(state != OK for state in results.values()):
                results[name] = SKIPPED
                continue
            try:
                check()
            except Exception as exc:  # any failure of a dependency is a health failure, never a 500
                logger.warning("health check %s failed: %s", name, exc.__class__.__name__)
                results[name] = FAIL
            else:
                results[name] = OK
    finally:
        # This runs in a worker thread: its database connections are its own and must not leak.
        connections.close_all()
    return results


def run_checks(deadline: float = DEADLINE_SECONDS) -> dict[str, str]:
    """Run every check; return {component: ok|fail|timeout|skipped} within `deadline` seconds."""
    executor = ThreadPoolExecutor(max_workers=len(CHECK_GROUPS), thread_name_prefix="esb-health")
    futures: dict = {}
    try:
        futures = {executor.submit(_run_group, group): group for group in CHECK_GROUPS}
        wait(futures, timeout=deadline)
    finally:
        # Do not wait for a hung check: its own socket timeouts end its thread shortly after.
        executor.shutdown(wait=False, cancel_futures=True)
    results: dict[str, str] = {}
    for future, group in futures.items():
        if future.done() and not future.cancelled() and future.exception() is None:
            results.update(future.result())
        else:
            for name, _check in group:
                logger.warning("health check %s did not answer within %ss", name, deadline)
                results[name] = TIMEOUT
    return results


@public
@csrf_exempt  # probes send no CSRF token; only GET/HEAD are answered anyway (405 otherwise)
@never_cache
@require_safe
def health(request: HttpRequest) -> JsonResponse:
    """Public, unauthenticated by design (the CamDX `system_health` service); reveals no secrets."""
    try:
        components = run_checks()
    except Exception as exc:  # the health endpoint itself must never answer with a stack trace
        logger.exception("health checks could not run: %s", exc.__class__.__name__)
        components = {"health": FAIL}
    failed = [name for name, state in components.items() if state not in (OK, SKIPPED)]
    code = 503 if failed else 200
    body: dict = {
        "code": code,
        "message": "OK" if not failed else "Service Unavailable",
        "components": components,
    }
    if failed:
        body["failed"] = failed
    return JsonResponse(body, status=code)

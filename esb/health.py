"""`/health` (Part 5 §8, CamDX service code `system_health`).

200 when the database, Redis and the Celery broker answer and every migration is applied; otherwise 503 naming
the failed components. Load balancers and CamDX poll it, so it must be cheap and answer quickly even when a
dependency hangs:

- each group of checks runs in a thread of its own that lives as long as the process, and keeps its
  connections (the database connection follows `CONN_MAX_AGE` like a request's, the broker connection is
  reused), so a probe costs a few round trips, not a connect per dependency;
- the request waits for all groups under one overall deadline; a group that has not finished by then is
  reported as `timeout`. A group still running from an earlier probe is not started again (the probe waits on
  the same run), so a hung dependency holds one thread, not one per probe;
- the migration plan (the graph read from disk) is computed once per process and again only when the
  `django_migrations` table changes (its row count and highest id, read with the database check).

The body names components only: never a URL, a host, a password or an exception text (those go to the log,
class name only).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait

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


class _MigrationState:
    """The answer of the last migration-plan computation, and the `django_migrations` fingerprint it was
    computed for. The migration files cannot change under a running process; the table can (a `migrate` run
    by the deployment), and then its fingerprint changes."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.fingerprint: tuple | None = None
        self.unapplied = 0
        self.computations = 0

    def reset(self) -> None:
        with self.lock:
            self.fingerprint = None

    def unapplied_for(self, fingerprint: tuple) -> int:
        with self.lock:
            if self.fingerprint != fingerprint:
                executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
                self.unapplied = len(executor.migration_plan(executor.loader.graph.leaf_nodes()))
                self.computations += 1
                self.fingerprint = fingerprint
            return self.unapplied


migration_state = _MigrationState()
# The database check leaves the migration table's fingerprint here for the migration check that follows it
# in the same thread.
_local = threading.local()


def _check_database() -> None:
    with transaction.atomic(using=DEFAULT_DB_ALIAS), connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        # Local to this transaction (SET LOCAL): the limit never outlives the check. set_config() rather than
        # SET, which takes no bound parameter under server-side binding (DB_SERVER_SIDE_BINDING).
        cursor.execute("SELECT set_config('statement_timeout', %s, true)", [f"{SOCKET_TIMEOUT_SECONDS}s"])
        cursor.execute("SELECT count(*), coalesce(max(id), 0) FROM django_migrations")
        _local.fingerprint = tuple(cursor.fetchone())


def _check_migrations() -> None:
    fingerprint = getattr(_local, "fingerprint", None)
    if fingerprint is None:  # run without the database check before it (tests compose groups freely)
        _check_database()
        fingerprint = _local.fingerprint
    unapplied = migration_state.unapplied_for(fingerprint)
    if unapplied:
        raise RuntimeError(f"{unapplied} migration(s) not applied")


def _check_redis() -> None:
    cache.set("esb:health", "ok", timeout=10)
    if cache.get("esb:health") != "ok":
        raise RuntimeError("cache did not return what was written")


class _Broker:
    """One broker connection per process, reused while the broker URL stays the same and it works."""

    def __init__(self) -> None:
        self.url: str | None = None
        self.connection = None

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.release()
            except Exception:  # closing a broken connection may fail too; it is dropped either way
                logger.debug("closing the health broker connection failed", exc_info=True)
        self.connection = None

    def check(self) -> None:
        from esb.celery import app

        url = getattr(settings, "CELERY_BROKER_URL", None)
        if self.connection is None or url != self.url:
            self.close()
            # The URL comes from Django settings (the source of truth); the socket timeouts bound a hung
            # broker.
            self.url = url
            self.connection = app.connection_for_write(
                url,
                connect_timeout=SOCKET_TIMEOUT_SECONDS,
                transport_options={
                    "socket_timeout": SOCKET_TIMEOUT_SECONDS,
                    "socket_connect_timeout": SOCKET_TIMEOUT_SECONDS,
                },
            )
        try:
            # max_retries=0: kombu must not sleep between retries.
            self.connection.ensure_connection(max_retries=0, timeout=SOCKET_TIMEOUT_SECONDS)
            channel = self.connection.default_channel
            client = getattr(channel, "client", None)
            if client is not None and hasattr(client, "ping"):
                client.ping()  # a kept connection must prove it still reaches the broker (Redis)
        except Exception:
            self.close()
            raise


_broker = _Broker()


def _check_broker() -> None:
    _broker.check()


Check = Callable[[], None]
# Groups run concurrently, each in its own thread; the checks inside a group run in order and the rest of
# a group is skipped after a failure (no point asking for the migration plan of a database that does not
# answer).
CHECK_GROUPS: list[list[tuple[str, Check]]] = [
    [("database", _check_database), ("migrations", _check_migrations)],
    [("redis", _check_redis)],
    [("celery_broker", _check_broker)],
]


def _run_group(group: list[tuple[str, Check]]) -> dict[str, str]:
    # What Django does around each request, for this long-lived thread's own connections: drop a connection
    # that broke or outlived CONN_MAX_AGE, keep the others.
    for connection in connections.all(initialized_only=True):
        connection.close_if_unusable_or_obsolete()
    _local.fingerprint = None
    results: dict[str, str] = {}
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
    return results


class _Runner:
    """One single-thread executor per group, created on first use and kept, and each group's run in flight."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.executors: dict[str, ThreadPoolExecutor] = {}
        self.in_flight: dict[tuple, Future] = {}

    def start(self, group: list[tuple[str, Check]]) -> Future:
        key = tuple(group)
        with self.lock:
            running = self.in_flight.get(key)
            if running is not None and not running.done():
                return running
            name = group[0][0]
            executor = self.executors.get(name)
            if executor is None:
                executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"esb-health-{name}")
                self.executors[name] = executor
            future = executor.submit(_run_group, group)
            self.in_flight[key] = future
            return future

    def stop(self, timeout: float = 10) -> None:
        """Wait for runs in flight (up to `timeout`), close the threads' connections and end the threads.

        For tests (a test database cannot be dropped while a thread holds a connection to it) and for a
        process that shuts down; the next probe starts fresh threads."""
        with self.lock:
            executors, self.executors = self.executors, {}
            running = list(self.in_flight.values())
            self.in_flight = {}
        wait(running, timeout=timeout)
        for executor in executors.values():
            executor.submit(connections.close_all)
            executor.submit(_broker.close)
            executor.shutdown(wait=True)


runner = _Runner()


def run_checks(deadline: float | None = None) -> dict[str, str]:
    """Run every check; return {component: ok|fail|timeout|skipped} within `deadline` seconds (by default
    DEADLINE_SECONDS)."""
    deadline = DEADLINE_SECONDS if deadline is None else deadline
    futures = {runner.start(group): group for group in CHECK_GROUPS}
    wait(futures, timeout=deadline)
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

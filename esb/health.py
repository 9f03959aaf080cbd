"""`/health` (Part 5 §8): 200 when the database, Redis and the Celery broker answer and migrations are
applied; otherwise a non-200 code naming the failed component."""

from __future__ import annotations

import logging

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


def _check_database() -> None:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
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

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


CHECKS = {
    "database": _check_database,
    "migrations": _check_migrations,
    "redis": _check_redis,
    "celery_broker": _check_broker,
}


def run_checks() -> dict[str, str]:
    results: dict[str, str] = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as exc:  # any failure of a dependency is a health failure, never a 500
            logger.warning("health check %s failed: %s", name, exc.__class__.__name__)
            results[name] = "fail"
        else:
            results[name] = "ok"
    return results


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Public, unauthenticated by design (the CamDX `system_health` service); reveals no secrets."""
    components = run_checks()
    failed = [name for name, state in components.items() if state != "ok"]
    code = 503 if failed else 200
    body: dict = {
        "code": code,
        "message": "OK" if not failed else "Service Unavailable",
        "components": components,
    }
    if failed:
        body["failed"] = failed
    return JsonResponse(body, status=code)

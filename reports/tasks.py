"""Background work of reports: making an export (outbox topic `reports.run`, payload `{"run_id": …}`) and
the daily removal of files past their retention (beat). Both idempotent (reports.services)."""

from __future__ import annotations

from celery import shared_task

from esb.outbox import registry as outbox_registry
from reports import services

# A year-long list of a million applications takes minutes (bench/README.md): beyond the default limit.
RUN_TIME_LIMIT = 3 * 3600


@shared_task(
    acks_late=True, ignore_result=True, time_limit=RUN_TIME_LIMIT, soft_time_limit=RUN_TIME_LIMIT - 60
)
def run_report(run_id: int) -> None:
    services.execute_run(run_id)


@shared_task(acks_late=True, ignore_result=True)
def expire_report_files() -> int:
    return services.expire_files()


outbox_registry.register_task(services.RUN_TOPIC, run_report.name)

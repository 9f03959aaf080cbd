"""The periodic tasks Celery beat sends (imported by esb/settings.py as CELERY_BEAT_SCHEDULE). Task names
are strings: esb imports no domain app. Each task is idempotent, so a beat that fires twice or late does no
harm."""

from __future__ import annotations

from celery.schedules import crontab

CELERY_BEAT_SCHEDULE: dict = {
    "discard-expired-drafts": {"task": "applications.tasks.discard_expired_drafts", "schedule": 60 * 60},
    # Part 5 statistics: closed days folded into the counts (docs/statistics.md); hourly, so a missed night
    # costs speed for an hour, never a wrong answer.
    "close-statistics-days": {
        "task": "applications.tasks.close_statistics_days",
        "schedule": crontab(minute=15),
    },
    # The dashboard's pre-aggregated figures: the history folded in each minute (docs/dashboard.md).
    "fold-dashboard": {"task": "dashboard.tasks.fold", "schedule": 60.0, "options": {"expires": 60}},
    # Review tasks past their working-day SLA: their holder and supervisors are told once.
    "notify-overdue-review-tasks": {"task": "review.tasks.notify_overdue_tasks", "schedule": 60 * 60},
    # The outbox relay's safety net (commits kick it at once); expires: no stale runs after a stopped worker.
    "relay-outbox": {"task": "esb.outbox.tasks.relay_outbox", "schedule": 5.0, "options": {"expires": 5}},
    # The audit chain is built off the request path (esb.audit.seal) and its head anchored outside the
    # database (esb.audit_anchors); verify_audit_chain reports rows left unsealed.
    "seal-audit-chain": {"task": "esb.tasks.seal_audit_chain", "schedule": 5},
    "anchor-audit-chain": {"task": "esb.tasks.anchor_audit_chain", "schedule": 60},
    "reconcile-payments": {"task": "payments.tasks.reconcile_day", "schedule": crontab(hour=2, minute=0)},
    "licence-lifecycle": {"task": "issuance.lifecycle_tasks.daily_lifecycle", "schedule": crontab(30, 0)},
    # The heartbeat of member systems (docs/monitoring.md): probes of the systems due one, every 10 s; the
    # daily rollups (uptime, latency) folded again every 10 minutes.
    "monitoring-dispatch": {
        "task": "monitoring.tasks.dispatch_probes",
        "schedule": 10.0,
        "options": {"expires": 10},
    },
    "monitoring-rollups": {"task": "monitoring.tasks.fold_rollups", "schedule": 600.0},
    # Telegram/SMS messages left "sending" by a stopped worker are marked "unknown", never resent.
    "notifications-resolve-stuck": {"task": "notifications.tasks.resolve_stuck_messages", "schedule": 300.0},
    # Bakong sends no webhook: pending KHQR payments are checked (batched, with backoff) until they expire.
    "poll-pending-khqr": {
        "task": "payments.tasks.poll_pending_khqr",
        "schedule": 5.0,
        "options": {"expires": 5},
    },
    # Report exports are kept ESB_REPORT_RETENTION_DAYS days for their officer, then deleted (docs/reports.md)
    "expire-report-files": {
        "task": "reports.tasks.expire_report_files",
        "schedule": crontab(hour=3, minute=10),
    },
}

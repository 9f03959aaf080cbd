"""Partial indexes of the applications the Part 5 API exposes (camdx_api.selectors.exposed_applications: a
request number, a business, not discarded), so the list's pages and totals are index scans at any size.

The predicate is, clause for clause, the WHERE the ORM writes for `exposed_applications()`: PostgreSQL uses a
partial index only when it can prove the query implies the predicate. Built CONCURRENTLY (no write lock on a
live table); the table is the applications app's, the indexes serve this app's queries only.
"""

from django.db import migrations

EXPOSED = (
    '"business_id" IS NOT NULL AND "discarded_at" IS NULL AND "reference" IS NOT NULL '
    'AND NOT ("reference" = \'\' AND "reference" IS NOT NULL)'
)
INDEXES = {
    # the plain list: newest first
    "camdx_exposed_id": '("id")',
    # license_status: its pages newest first, its total index-only
    "camdx_exposed_status_id": '("status", "id")',
    # search_term (the businesses matching) with or without license_status: pages and totals
    "camdx_exposed_business_status_id": '("business_id", "status", "id")',
}


def _create(name: str, columns: str) -> migrations.RunSQL:
    return migrations.RunSQL(
        f'CREATE INDEX CONCURRENTLY IF NOT EXISTS "{name}" ON "applications_application" {columns} '
        f"WHERE {EXPOSED}",
        reverse_sql=f'DROP INDEX CONCURRENTLY IF EXISTS "{name}"',
    )


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("camdx_api", "0001_initial"),
        ("applications", "0008_statistics_tables_not_granted"),
    ]

    operations = [_create(name, columns) for name, columns in INDEXES.items()]

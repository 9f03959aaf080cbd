"""Indexes of the dates a report's period filters on (reports.selectors.applications): submission and
decision. Partial (drafts have no submission date, undecided applications no decision date), built
CONCURRENTLY so a live table is never write-locked (bench/README.md, reports.py: what they change)."""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("applications", "0008_statistics_tables_not_granted"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="application",
            index=models.Index(
                condition=models.Q(submitted_at__isnull=False),
                fields=["submitted_at"],
                name="application_submitted",
            ),
        ),
        AddIndexConcurrently(
            model_name="application",
            index=models.Index(
                condition=models.Q(decided_at__isnull=False),
                fields=["decided_at"],
                name="application_decided",
            ),
        ),
    ]

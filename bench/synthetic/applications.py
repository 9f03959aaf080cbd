"""Synthetic submitted applications at scale: `python -m bench.synthetic.applications N` (or
`make bench-applications`), for the review-queue benchmark (bench/review_queue.py).

Each service of the demo catalog with a published workflow gets one *template* application, filled and
submitted through the real services (`applications.demo` fills it: real encrypted answers, real PDF documents,
a revision, the timeline). The N synthetic applications are then made in SQL from those templates
(`application_sql.py`): the answers' ciphertext is copied, never re-encrypted; each application gets the
review tasks of the steps it went through (DONE history, then the current OPEN or WAITING task), the officers'
actions, the timeline events and revisions the real path writes, with a deterministic spread over services,
statuses, holders, businesses (synthetic ones when `python -m bench.synthetic` made them) and dates, so
that some tasks are overdue. Steps no demo officer may act on get a bench officer (`bench-officer-…`) with the
step's role, so every action is taken by an officer eligible at that step.

Synthetic applications are keyed by their number: public ids `5e000000-0000-4000-8000-<number>`, references
`<INSTITUTION>-<year>-<5,000,000 + number>` (seven digits: the real sequences give six). A re-run only adds
the missing ones. Large runs drop the secondary indexes and foreign keys of the loaded tables and rebuild them
after the load, in the same transaction (as `bench.synthetic.generator` does).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_BATCH = 100_000
BULK_MODE_FROM = 50_000
APPLICANTS = 500  # synthetic applicants the applications are spread over
TEMPLATE_USER = "bench-review-template"
# (licence type code, weight): how the applications spread over the demo services; an unknown code is skipped.
SERVICE_WEIGHTS = {
    "MOC-CR-002": 30,
    "MOC-BN-001": 25,
    "MISTI-HC-001": 15,
    "MISTI-FP-002": 10,
    "MOT-HL-001": 10,
    "MOT-TA-002": 10,
}


@dataclass
class Step:
    id: int
    number: int  # 1-based position in the workflow
    sla_days: int
    officer_id: int  # an officer eligible at the step (demo officer, else a bench officer)
    finishing_action: str  # what moves a task on: forward, or recommend where forward is not allowed


@dataclass
class Service:
    code: str
    licence_type_id: int
    institution_code: str
    template_id: int
    weight: int
    steps: list[Step]
    correction_field: str
    document_count: int


@dataclass
class Result:
    requested: int
    existing: int = 0
    created: int = 0
    seconds: float = 0.0
    rows: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)


class SyntheticApplicationsError(Exception):
    """The generator cannot run (no demo catalog, no workflow); the message says what to do."""


# --- templates and officers (through the real services) ----------------------------------------------------


def _template_user():
    from applications.demo import _user_for
    from registry.models import BusinessRole

    owners = list(
        BusinessRole.objects.filter(role=BusinessRole.Role.OWNER)
        .exclude(business__single_id__startswith="9")
        .select_related("person", "business")
        .order_by("pk")[:6]
    )
    if not owners:
        raise SyntheticApplicationsError("No demo businesses: run `manage.py seed_demo_data` first.")
    role = owners[-1]
    user = _user_for(role)
    return user, role.business


def _template(licence_type, user, business):
    """A submitted application of the service, made through the real services (once)."""
    from applications import services
    from applications.demo import _fill
    from applications.models import Application, Status

    found = (
        Application.objects.filter(applicant=user, licence_type=licence_type)
        .exclude(status=Status.DRAFT)
        .order_by("pk")
        .first()
    )
    if found is not None:
        return found
    application = _fill(services.start_application(user, licence_type, business=business), user)
    application = services.submit(application, user, version=application.version)
    if application.status == Status.DRAFT:
        # A paid service: the payment issue is not built here; treat the fee as settled (as the demo does).
        Application.objects.filter(pk=application.pk).update(fee_amount=0)
        application.refresh_from_db()
        application = services.submit(application, user, version=application.version)
    return application


def _officer_for(step, licence_type) -> int:
    """An officer eligible at `step`: the first demo officer, else a bench officer made for it."""
    from accounts.models import OfficerAssignment, User
    from review import eligibility

    eligible = (
        eligibility.step_assignments(step, licence_type.institution_id)
        .order_by("user__username", "pk")
        .values_list("user_id", flat=True)
        .first()
    )
    if eligible is not None:
        return eligible
    username = f"bench-officer-{licence_type.institution.code.lower()}-{step.role.code}"[:150]
    if step.department_id:
        username += f"-d{step.department_id}"
    user, created = User.objects.get_or_create(
        username=username,
        defaults={
            "full_name_en": f"Bench officer ({step.role})",
            "full_name_km": "មន្ត្រីសាកល្បង",
            "is_staff": True,
        },
    )
    if created:
        user.set_unusable_password()
        user.save()
    OfficerAssignment.objects.get_or_create(
        user=user,
        role=step.role,
        institution_id=licence_type.institution_id,
        department_id=step.department_id,
        defaults={"active": True},
    )
    return user.pk


def plan_services() -> list[Service]:
    from django.db import transaction

    from applications.models import ApplicationDocument
    from licensing.models import LicenceType, WorkflowDefinition

    user, business = _template_user()
    services = []
    with transaction.atomic():
        for code, weight in SERVICE_WEIGHTS.items():
            licence_type = LicenceType.objects.select_related("institution").filter(code=code).first()
            workflow = WorkflowDefinition.objects.filter(
                licence_type=licence_type, status="PUBLISHED"
            ).first()
            if licence_type is None or workflow is None:
                continue
            template = _template(licence_type, user, business)
            steps = []
            for number, step in enumerate(workflow.steps.select_related("role").order_by("order", "id"), 1):
                actions = step.allowed_actions or []
                finishing = "forward" if "forward" in actions else "recommend"
                steps.append(
                    Step(step.pk, number, step.sla_working_days, _officer_for(step, licence_type), finishing)
                )
            if template.workflow_definition_id != workflow.pk:
                continue  # a template pinned to an older workflow version: its steps differ
            correctable = [
                f.key
                for f in template.form_definition.fields.all()
                if f.field_type in ("number", "text") and f.key not in template.locked_fields
            ]
            documents = ApplicationDocument.objects.filter(
                application=template, replaced_at__isnull=True
            ).count()
            services.append(
                Service(
                    code,
                    licence_type.pk,
                    licence_type.institution.code,
                    template.pk,
                    weight,
                    steps,
                    (correctable or [template.form_definition.fields.first().key])[0],
                    documents,
                )
            )
    if not services:
        raise SyntheticApplicationsError("No demo service with a published workflow: run `seed_demo_data`.")
    return services


# --- the run ---------------------------------------------------------------------------------------------


def generate(
    count: int, stdout=None, *, batch_size: int = DEFAULT_BATCH, bulk_mode: bool | None = None
) -> Result:
    """Make sure synthetic applications 1..count exist (with tasks, actions, events, revisions, documents)."""
    from django.db import connection, transaction

    from bench.synthetic import application_sql as sql
    from esb import audit

    def write(message: str) -> None:
        if stdout is not None:
            stdout.write(message + "\n")
            stdout.flush()

    if not 0 <= count <= sql.MAX_APPLICATIONS:
        raise SyntheticApplicationsError(f"the number must be between 0 and {sql.MAX_APPLICATIONS:,}")
    started = time.monotonic()
    result = Result(requested=count)
    services = plan_services()
    with connection.cursor() as cursor:
        existing = sql.existing_numbers(cursor, count)
    result.existing = len(existing)
    missing = [n for n in range(1, count + 1) if n not in existing]
    if not missing:
        write(f"Synthetic applications: all {count:,} already present.")
        result.seconds = time.monotonic() - started
        return result
    if bulk_mode is None:
        bulk_mode = len(missing) >= BULK_MODE_FROM
    write(
        f"Synthetic applications: {len(existing):,} present, creating {len(missing):,} over "
        f"{len(services)} services (batches of {batch_size:,}"
        + (", indexes and foreign keys rebuilt after the load)" if bulk_mode else ")")
    )
    with transaction.atomic(), connection.cursor() as cursor:
        step = time.monotonic()
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        sql.lock_tables(cursor)
        applicants = sql.ensure_applicants(cursor, APPLICANTS)
        sql.load_context(cursor, services, applicants)
        keys, indexes = ([], [])
        if bulk_mode:
            keys = sql.drop_foreign_keys(cursor)
            indexes = sql.drop_secondary_indexes(cursor)
        result.timings["prepare"] = time.monotonic() - step
        step = time.monotonic()
        ranges = _ranges(missing)
        for low, high in ranges:
            for start in range(low, high + 1, batch_size):
                end = min(high, start + batch_size - 1)
                made = sql.load_batch(cursor, start, end)
                for table, rows in made.items():
                    result.rows[table] = result.rows.get(table, 0) + rows
                result.created += end - start + 1
                write(f"  {result.created:,}/{len(missing):,} in {time.monotonic() - step:.0f} s")
        result.timings["load"] = time.monotonic() - step
        if bulk_mode:
            step = time.monotonic()
            sql.restore_foreign_keys(cursor, keys)
            result.timings["foreign keys"] = time.monotonic() - step
            step = time.monotonic()
            sql.restore_indexes(cursor, indexes)
            result.timings["indexes"] = time.monotonic() - step
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        step = time.monotonic()
        sql.analyze(cursor)
        result.timings["analyze"] = time.monotonic() - step
        audit.record(
            "applications.synthetic.generate",
            object_type="applications.application",
            object_id="synthetic",
            object_repr="synthetic applications",
            after={"requested": count, "created": result.created},
        )
    result.seconds = time.monotonic() - started
    write(
        f"Synthetic applications: created {result.created:,} in {result.seconds:.1f} s ("
        + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in result.timings.items())
        + "); rows: "
        + ", ".join(f"{table} {rows:,}" for table, rows in result.rows.items())
    )
    return result


def _ranges(numbers: list[int]) -> list[tuple[int, int]]:
    """Consecutive runs of the (sorted) numbers, as (first, last) pairs."""
    ranges: list[tuple[int, int]] = []
    for number in numbers:
        if ranges and ranges[-1][1] == number - 1:
            ranges[-1] = (ranges[-1][0], number)
        else:
            ranges.append((number, number))
    return ranges


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.synthetic.applications", description=__doc__)
    parser.add_argument("applications", type=int, metavar="N", help="synthetic applications wanted")
    parser.add_argument(
        "--batch", type=int, default=DEFAULT_BATCH, metavar="ROWS", help="applications per batch"
    )
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "esb.settings")
    import django

    django.setup()
    from django.conf import settings

    if settings.IS_PRODUCTION:
        print("Synthetic data is never generated when ESB_ENV=production.", file=sys.stderr)
        return 2
    try:
        generate(args.applications, sys.stdout, batch_size=max(1000, args.batch))
    except SyntheticApplicationsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

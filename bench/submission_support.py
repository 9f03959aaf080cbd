"""What the submission benchmarks share (`submissions.py` through the services, `submissions_http.py` through
gunicorn): ready-to-submit drafts, nearest-rank percentiles, the audit sealer the beat would run, and the
lock-wait sampler of the database."""

from __future__ import annotations

import collections
import os
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "esb.settings")
os.environ.setdefault("DEBUG", "0")

SERVICE = "MISTI-HC-001"  # a free demo service: a submission goes straight to SUBMITTED
APP_NAME = "esb-bench-submissions"  # the application_name the sampler watches in pg_stat_activity


def setup_django() -> None:
    import django

    django.setup()


def libpq_dsn() -> str:
    """The default database's connection parameters as a libpq string (for psycopg outside Django)."""
    from django.db import connection

    params = connection.get_connection_params()
    return " ".join(
        f"{k}={v}" for k, v in params.items() if k in {"host", "port", "dbname", "user", "password"}
    )


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


# --- seeding ------------------------------------------------------------------------------------------------


def seed(count: int) -> list[int]:
    """`count` filled drafts ready to submit; returns their ids."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection

    from accounts.models import User
    from applications import services
    from applications.demo import one_page_pdf
    from applications.prefill import address_of
    from applications.uploads import check_upload
    from licensing.selectors import licence_type_by_code
    from privacy import selectors as privacy_selectors
    from privacy import services as privacy_services
    from privacy.models import ConsentPurpose
    from registry.models import BusinessRole

    pdf = one_page_pdf()  # uploads are parsed in full: a real PDF
    png = (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
        b"\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef\x00\x00\x00\x00IEND"
        b"\xaeB`\x82"
    )
    role = BusinessRole.objects.filter(role="OWNER").select_related("person", "business").order_by("pk")[3]
    user = User.objects.filter(username="bench-submitter").first() or User.objects.create_user(
        username="bench-submitter", full_name_en="Bench Submitter", personal_code=role.person.identity_number
    )
    if not privacy_selectors.has_consent(user):
        text = privacy_selectors.current_text(ConsentPurpose.CAMDX_CLUSTER)
        privacy_services.give_consent(user, ConsentPurpose.CAMDX_CLUSTER, text)
    licence_type = licence_type_by_code(SERVICE)
    template = services.start_application(user, licence_type, business=role.business)
    steps = list(template.form_definition.steps.order_by("order"))
    answers = {
        "workshop_name_km": "សិប្បកម្មតម្បាញ",
        "craft_types": ["silk"],
        "local_materials": True,
        "workshop_address": address_of(role.business),
    }
    for step in steps[:-1]:
        template = services.save_step(template, user, step, answers=answers, uploads={}, version=None)

    def upload(name: str, content: bytes, content_type: str):
        return check_upload(
            SimpleUploadedFile(name, content, content_type=content_type),
            formats=["pdf", "png"],
            max_size_mb=5,
        )

    documents = {
        "doc_national_id": upload("id.pdf", pdf, "application/pdf"),
        "doc_premises_photos": upload("premises.png", png, "image/png"),
        "doc_product_photos": upload("products.png", png, "image/png"),
    }
    template = services.save_step(template, user, steps[-1], answers={}, uploads=documents, version=None)
    assert not services.missing_answers(template), services.missing_answers(template)

    with connection.cursor() as cursor:
        columns = _copied_columns(cursor, "applications_application", "public_id")
        doc_columns = _copied_columns(cursor, "applications_applicationdocument", "application_id")
        # One statement: the clones of the application, then a copy of its current documents for each clone.
        cursor.execute(
            f"WITH clone AS (INSERT INTO applications_application (public_id, {columns}) "
            f"SELECT gen_random_uuid(), {columns} FROM applications_application, generate_series(1, %(n)s) "
            "WHERE id = %(template)s RETURNING id), "
            f"copied AS (INSERT INTO applications_applicationdocument (application_id, {doc_columns}) "
            f"SELECT clone.id, {doc_columns} FROM applications_applicationdocument, clone "
            "WHERE application_id = %(template)s AND replaced_at IS NULL) "
            "SELECT id FROM clone ORDER BY id",
            {"n": count, "template": template.pk},
        )
        ids = [row[0] for row in cursor.fetchall()]
    # The template itself stays a draft; discard it so the next run starts a fresh one.
    services.discard_draft(template, reason="bench template")
    return ids


def _copied_columns(cursor, table: str, replaced: str) -> str:
    """The columns a clone copies as they are: all but the primary key and the one it replaces."""
    cursor.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_name = %s AND column_name NOT IN ('id', %s)",
        [table, replaced],
    )
    return ", ".join(f'"{name}"' for (name,) in cursor.fetchall())


# --- the audit sealer and the lock-wait sample --------------------------------------------------------------


def sealer(stop) -> None:
    setup_django()
    from esb import audit

    seal = getattr(audit, "seal", None)  # absent before the sealer existed (running this against old code)
    while seal is not None and not stop.is_set():
        seal()
        stop.wait(1.0)


class Sampler(threading.Thread):
    """Polls what the workers' sessions are doing: state and wait event, and waiting advisory locks."""

    def __init__(self, dsn: str, application_name: str = APP_NAME):
        super().__init__(daemon=True)
        self.dsn = dsn
        self.application_name = application_name
        self.stop = threading.Event()
        self.states: collections.Counter[str] = collections.Counter()
        self.advisory_waiting = 0
        self.samples = 0

    def run(self) -> None:
        import psycopg

        with psycopg.connect(self.dsn, autocommit=True) as conn:
            while not self.stop.is_set():
                rows = conn.execute(
                    "SELECT state, wait_event_type, wait_event FROM pg_stat_activity "
                    "WHERE application_name = %s",
                    [self.application_name],
                ).fetchall()
                self.advisory_waiting += conn.execute(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                ).fetchone()[0]
                for state, wait_type, wait_event in rows:
                    if state == "active" and wait_type:
                        self.states[f"waiting: {wait_type}/{wait_event}"] += 1
                    elif state == "active":
                        self.states["running SQL"] += 1
                    else:
                        self.states[state] += 1
                self.samples += 1
                time.sleep(0.02)

    def report(self) -> str:
        total = sum(self.states.values()) or 1
        parts = [f"{name} {100 * n / total:.0f} %" for name, n in self.states.most_common()]
        return (
            f"{self.samples} samples; " + ", ".join(parts) + f"; advisory-lock waits: {self.advisory_waiting}"
        )

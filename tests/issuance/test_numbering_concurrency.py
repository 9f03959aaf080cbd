"""200 licences of one type numbered at once by 4 real worker processes (real Redis broker, the real numbering
step `issuance.services.chain.number`), while the full chain issues 4 more of the same type: the numbers are
consecutive from 1, without gap or duplicate, and more than one process drew them.

The whole chain for 200 (PDF rendering included) is the benchmark's (bench/issuance.py): on this 2-core
machine it would take minutes."""

from __future__ import annotations

import uuid

import pytest
import redis
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from applications.models import Application
from applications.models import Status as AppStatus
from esb.celery import app
from issuance.models import Licence, LicenceStatus
from tests.issuance import factories, workers
from tests.issuance.fake_provider import RedisVerificationProvider
from tests.issuance.worker_tasks import DRAWN_BY
from tests.licensing.factories import FormDefinitionFactory, LicenceTypeFactory

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

DRAWS = 200
FULL = 4
WORKERS = 4


def _pending_licences(licence_type, applicant, count: int) -> list[int]:
    """`count` approved applications with PENDING licences (no outbox message: only numbering is asked)."""
    form = FormDefinitionFactory(licence_type=licence_type)
    applications = Application.objects.bulk_create(
        Application(
            licence_type=licence_type,
            form_definition=form,
            applicant=applicant,
            answers={},
            status=AppStatus.APPROVED,
            reference=f"NUM-2026-{n:06d}",
            decided_at=timezone.now(),
        )
        for n in range(count)
    )
    today = timezone.localdate()
    licences = Licence.objects.bulk_create(
        Licence(
            application=application,
            licence_type=licence_type,
            issued_year=today.year,
            holder_name_km="អាជីវកម្ម",
            valid_from=today,
        )
        for application in applications
    )
    return [licence.pk for licence in licences]


def test_four_workers_draw_consecutive_numbers_without_gap_or_duplicate(tmp_path):
    prefix = f"tests:issuance:{uuid.uuid4().hex}"
    provider = RedisVerificationProvider(prefix)
    broker = redis.Redis.from_url(settings.REDIS_URL)
    broker.delete(DRAWN_BY)
    workers.clear_queue()
    licence_type = LicenceTypeFactory(validity_months=12)
    applicant = get_user_model().objects.create_user(username=f"holder-{uuid.uuid4().hex[:8]}")
    ids = _pending_licences(licence_type, applicant, DRAWS)
    logs = [tmp_path / f"worker-{n}.log" for n in range(WORKERS)]
    processes = [workers.start(log, name=f"w{n}", prefix=prefix, beat=(n == 0)) for n, log in enumerate(logs)]
    try:
        with workers.running(processes):
            for process, log in zip(processes, logs, strict=True):
                workers.wait_ready(process, log)
            for licence_id in ids:
                app.send_task("tests.issuance.number_only", kwargs={"licence_id": licence_id})
            full = [
                factories.approved_directly(licence_type, applicant).licences.get().pk for _ in range(FULL)
            ]
            everything = Licence.objects.filter(licence_type=licence_type)
            workers.wait_for(
                lambda: (
                    everything.exclude(number="").count() == DRAWS + FULL
                    and everything.filter(pk__in=full, status=LicenceStatus.VALID).count() == FULL
                ),
                timeout=240,
                what="every licence numbered and the full chains done",
                logs=logs,
            )
        sequences = sorted(everything.values_list("sequence", flat=True))
        assert sequences == list(range(1, DRAWS + FULL + 1))  # consecutive, no gap, no duplicate
        numbers = list(everything.values_list("number", flat=True))
        assert len(set(numbers)) == len(numbers)
        drawn_by = {int(pid) for pid in broker.lrange(DRAWN_BY, 0, -1)}
        assert broker.llen(DRAWN_BY) == DRAWS
        assert len(drawn_by) >= 2, "only one worker drew numbers: nothing ran concurrently"
        assert len(provider.records()) == FULL
    finally:
        provider.reset()
        broker.delete(DRAWN_BY)
        workers.clear_queue()

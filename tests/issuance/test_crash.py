"""A real worker (real Redis broker) SIGKILLed in the middle of issuance — right after the verification
service registered the licence and before the portal committed the record; or right after the PDF was
published — then a new worker: one licence, one number (no gap, none drawn twice), one verification record,
one event per step, VALID.

The worker's task message survives its death (acks_late): the broker hands it out again once its visibility
timeout has passed (8 s in tests/issuance/worker_settings.py), and the chain skips what was committed."""

from __future__ import annotations

import signal
import uuid

import pytest
from django.contrib.auth import get_user_model

from esb.outbox.models import OutboxMessage
from issuance.models import Licence, LicenceEvent, LicenceStatus
from tests.issuance import factories, workers
from tests.issuance.fake_provider import RedisVerificationProvider
from tests.licensing.factories import LicenceTypeFactory

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("crash_at", ["register", "publish"])
def test_a_worker_killed_mid_issuance_and_restarted_issues_one_licence(crash_at, tmp_path):
    prefix = f"tests:issuance:{uuid.uuid4().hex}"
    provider = RedisVerificationProvider(prefix)
    provider.crash_once_at(crash_at)
    workers.clear_queue()
    licence_type = LicenceTypeFactory(validity_months=12)
    applicant = get_user_model().objects.create_user(
        username=f"holder-{uuid.uuid4().hex[:8]}", full_name_km="សុខ ស្រីស្រស់", full_name_en="SOK Sreysros"
    )
    application = factories.approved_directly(licence_type, applicant)
    licence = Licence.objects.get(application=application)
    log = tmp_path / "worker.log"
    try:
        first = workers.start(log, name="first", prefix=prefix, beat=True)
        with workers.running([first]):
            workers.wait_for(
                lambda: first.poll() is not None, timeout=150, what="the worker's death", logs=[log]
            )
        assert first.returncode == -signal.SIGKILL, log.read_text()[-3000:]
        assert provider.crashed()

        licence.refresh_from_db()
        assert licence.status == LicenceStatus.PENDING
        assert licence.number.endswith("-000001")  # committed before the crash
        assert len(provider.records()) == 1  # the provider did its part
        if crash_at == "register":
            assert licence.verification_id == ""  # … the portal had not committed it
        else:
            assert licence.sha256 and licence.published_at is None

        second = workers.start(log, name="second", prefix=prefix, beat=True)
        with workers.running([second]):
            workers.wait_for(
                lambda: Licence.objects.get(pk=licence.pk).status == LicenceStatus.VALID,
                timeout=150,
                what="the restarted worker to finish the licence",
                logs=[log],
            )
        licence.refresh_from_db()
        assert Licence.objects.filter(application=application).count() == 1
        assert licence.sequence == 1 and licence.number.endswith("-000001")
        records = provider.records()
        assert list(records) == [str(licence.public_id)]  # one registration, however often asked
        assert records[str(licence.public_id)]["record_id"] == licence.verification_id
        assert records[str(licence.public_id)]["sha256"] == licence.sha256
        assert provider.calls("register") == (2 if crash_at == "register" else 1)
        kinds = sorted(LicenceEvent.objects.filter(licence=licence).values_list("kind", flat=True))
        assert kinds == sorted(["NUMBERED", "REGISTERED", "RENDERED", "ISSUED"])
        assert OutboxMessage.objects.filter(topic="issuance.issue").count() == 1
    finally:
        provider.reset()
        workers.clear_queue()

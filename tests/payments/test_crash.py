"""A process killed (SIGKILL) while it confirms a payment — after the PAID update, the receipt and the history
row were written, before the commit — leaves nothing behind; confirmed again after the restart, the payment is
PAID exactly once, with one event, one receipt (the gap-free number not skipped) and one submission.

The confirming process is a real one (a worker would run the same `apply_payment_status`), against the test
database: the test commits, so it runs with `transaction=True`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from applications.models import ApplicationEvent
from applications.models import Status as AppStatus
from payments import services
from payments.models import Payment, PaymentEvent, Receipt, Status
from review.models import ReviewTask
from tests.payments.factories import PAID_EVIDENCE, waiting_application

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]

# Kills itself from inside the confirmation's transaction: `application_submitted` is sent by
# `payment_settled` after the payment row, its event and its receipt are written, before the commit.
CONFIRMING_PROCESS = """
import json, os, signal, sys
import django
django.setup()
from applications.signals import application_submitted
from payments import services
from payments.models import Status

if sys.argv[2] == "crash":
    application_submitted.connect(lambda **kwargs: os.kill(os.getpid(), signal.SIGKILL), weak=False)
outcome = services.apply_payment_status(
    int(sys.argv[1]), Status.PAID, source="poll", evidence=json.loads(sys.argv[3])
)
print("changed" if outcome.changed else "unchanged", flush=True)
"""


def _confirm_in_a_process(payment: Payment, mode: str) -> subprocess.CompletedProcess:
    params = connection.settings_dict
    password = f":{params['PASSWORD']}" if params.get("PASSWORD") else ""
    host, port = params.get("HOST") or "127.0.0.1", params.get("PORT") or 5432
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "esb.settings",
        "ESB_ENV": "test",
        "DATABASE_URL": f"postgres://{params['USER']}{password}@{host}:{port}/{params['NAME']}",
    }
    return subprocess.run(
        [sys.executable, "-c", CONFIRMING_PROCESS, str(payment.pk), mode, json.dumps(PAID_EVIDENCE)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_process_killed_while_confirming_leaves_nothing_and_the_restart_pays_once():
    application = waiting_application()
    payment = services.start_payment(application, "khqr")

    crashed = _confirm_in_a_process(payment, "crash")
    assert crashed.returncode == -signal.SIGKILL, crashed.stdout + crashed.stderr
    payment.refresh_from_db()
    application.refresh_from_db()
    assert payment.status == Status.PENDING
    assert not PaymentEvent.objects.filter(payment=payment, to_status=Status.PAID).exists()
    assert not Receipt.objects.filter(payment=payment).exists()
    assert application.status == AppStatus.DRAFT
    assert not ReviewTask.objects.filter(application=application).exists()

    restarted = _confirm_in_a_process(payment, "confirm")
    assert restarted.returncode == 0, restarted.stdout + restarted.stderr
    assert restarted.stdout.strip() == "changed"
    again = _confirm_in_a_process(payment, "confirm")  # the next polling round, or a replay
    assert again.returncode == 0, again.stdout + again.stderr
    assert again.stdout.strip() == "unchanged"

    payment.refresh_from_db()
    application.refresh_from_db()
    assert payment.status == Status.PAID
    assert PaymentEvent.objects.filter(payment=payment, kind="status", to_status=Status.PAID).count() == 1
    receipt = Receipt.objects.get(payment=payment)
    assert receipt.number.endswith("-000001")  # the killed transaction's number was rolled back with it
    assert application.status == AppStatus.SUBMITTED
    assert (
        ApplicationEvent.objects.filter(application=application, to_status=AppStatus.SUBMITTED).count() == 1
    )
    assert ReviewTask.objects.filter(application=application).count() == 1

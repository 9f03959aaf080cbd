"""Exports opened and checked: CSV (UTF-8 with BOM), XLSX (openpyxl) and the bilingual PDF (PDFium's text,
exact for Khmer thanks to esb/pdf_text.py), figures and Khmer intact; the people a list names are written to
the data-access log; the Celery path (the task called directly, and once through the outbox relay)."""

from __future__ import annotations

import csv
import datetime
import io

import openpyxl
import pypdf
import pypdfium2
import pytest

from applications.models import Status
from privacy.models import DataAccess
from reports import services, tasks
from reports.labels import both
from reports.models import ReportRun, RunState
from tests.reports.conftest import PERIOD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _file(run: ReportRun) -> bytes:
    run.refresh_from_db()
    assert run.state == RunState.DONE, run.error
    with run.file.open("rb") as handle:
        return handle.read()


def _pdf_text(data: bytes) -> str:
    document = pypdfium2.PdfDocument(data)
    try:
        return " ".join(" ".join(page.get_textpage().get_text_range().split()) for page in document)
    finally:
        document.close()


SUMMARY = {**PERIOD, "shape": "summary", "group_by": "service"}
LIST = {**PERIOD, "shape": "list"}


def test_summary_as_csv_in_khmer(dataset):
    run = services.start_run(dataset.officer_a1, SUMMARY, "csv", language="km")
    data = _file(run)
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[1][:3] == ["SA1 សេវា SA1", "3", "2"]
    assert rows[1][3:] == ["4.5", "200000.00", "50.00"]
    assert rows[2][:2] == ["SA2 សេវា SA2", "1"]
    assert rows[-1][1:] == ["4", "2", "4.5", "200000.00", "50.00"]  # the totals row
    assert run.rows_total == 2 and run.rows_done == 2
    assert not DataAccess.objects.exists()  # a summary names no one


def test_list_as_xlsx_names_each_application_and_logs_each_person(dataset):
    run = services.start_run(dataset.officer_a1, LIST, "xlsx", language="km")
    sheet = openpyxl.load_workbook(io.BytesIO(_file(run))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 5  # the header and a1–a4: never a5 of institution B, a6 or the draft
    by_reference = {row[0]: row for row in rows[1:]}
    assert set(by_reference) == {"TST-2026-a1", "TST-2026-a2", "TST-2026-a3", "TST-2026-a4"}
    a1 = by_reference["TST-2026-a1"]
    assert a1[1] == "សេវា SA1" and a1[2] == "ហាងលក់ទំនិញ សុខា" and a1[3] == dataset.biz1.single_id
    assert a1[4] == both(Status.APPROVED.label)[0]  # the status in Khmer
    assert a1[5] == datetime.datetime(2026, 1, 10, 9, 0)  # a real date cell, local time
    assert a1[8] == 100000.0 and a1[9] == "KHR"
    assert a1[10] == "Officer A1"
    assert by_reference["TST-2026-a3"][11] == both("Yes")[0]
    assert by_reference["TST-2026-a4"][11] == both("No")[0]
    logged = DataAccess.objects.filter(accessor_user=dataset.officer_a1, purpose="REPORT")
    assert logged.count() == 4
    assert set(logged.values_list("subject_business_id", flat=True)) == {dataset.biz1.pk, dataset.biz2.pk}
    assert set(logged.values_list("subject_user_id", flat=True)) == {dataset.applicant.pk}


def test_list_as_csv_in_english_with_overdue_and_officer(dataset):
    run = services.start_run(dataset.officer_a1, LIST, "csv", language="en")
    rows = list(csv.DictReader(io.StringIO(_file(run).decode("utf-8-sig"))))
    by_reference = {row["Reference number"]: row for row in rows}
    assert by_reference["TST-2026-a3"]["Overdue"] == "Yes"
    assert by_reference["TST-2026-a1"]["Overdue"] == "No"
    assert by_reference["TST-2026-a2"]["Officer"] == "Officer A2"
    assert by_reference["TST-2026-a2"]["Status"] == "Rejected"
    assert by_reference["TST-2026-a1"]["Submitted"] == "2026-01-10 09:00"
    assert by_reference["TST-2026-a1"]["Business"] == "Sokha Retail"


def test_summary_as_bilingual_pdf(dataset):
    run = services.start_run(dataset.officer_a1, {**SUMMARY, "group_by": "month"}, "pdf", language="en")
    data = _file(run)
    assert data.startswith(b"%PDF")
    text = _pdf_text(data)
    assert "Report: summary of applications" in text
    for khmer in ("មករា 2026", "កុម្ភៈ 2026", "មីនា 2026"):
        assert khmer in text, khmer
    assert "January 2026" in text and "200000.00" in text
    page = pypdf.PdfReader(io.BytesIO(data)).pages[0]
    fonts = [font.get_object() for font in page["/Resources"]["/Font"].values()]
    assert any("Noto-Sans-Khmer" in str(font["/BaseFont"]) for font in fonts)
    descriptors = [
        f["/DescendantFonts"][0].get_object()["/FontDescriptor"] for f in fonts if "/DescendantFonts" in f
    ]
    assert any("/FontFile2" in d or "/FontFile3" in d for d in descriptors)  # embedded, not referenced


def test_list_as_pdf_holds_khmer_names(dataset):
    run = services.start_run(dataset.officer_a1, LIST, "pdf", language="km")
    text = _pdf_text(_file(run))
    assert "ហាងលក់ទំនិញ សុខា" in text and "រោងចក្រ ដារ៉ា" in text
    assert "TST-2026-a4" in text and "TST-2026-a5" not in text


def test_a_pdf_too_long_fails_with_a_clear_message(dataset, monkeypatch):
    from reports import exports

    monkeypatch.setattr(exports, "MAX_PDF_ROWS", 2)
    run = services.start_run(dataset.officer_a1, LIST, "pdf", language="en")
    run.refresh_from_db()
    assert run.state == RunState.FAILED
    assert "at most 2 rows" in run.error and not run.file


def test_a_large_list_waits_for_its_task_which_is_idempotent(dataset, monkeypatch):
    monkeypatch.setattr(services, "IMMEDIATE_ROWS", 0)
    run = services.start_run(dataset.officer_a1, LIST, "csv", language="en")
    run.refresh_from_db()
    assert run.state == RunState.QUEUED and not run.file
    tasks.run_report(run.pk)
    first = _file(run)
    name = run.file.name
    tasks.run_report(run.pk)  # a second delivery of the message: nothing made again, nothing logged again
    run.refresh_from_db()
    assert run.file.name == name and _file(run) == first
    assert DataAccess.objects.filter(purpose="REPORT").count() == 4


def test_the_outbox_relay_runs_the_export(dataset, monkeypatch, settings):
    from esb.outbox import relay
    from esb.outbox.models import OutboxMessage

    settings.CELERY_TASK_ALWAYS_EAGER = True
    monkeypatch.setattr(services, "IMMEDIATE_ROWS", 0)
    run = services.start_run(dataset.officer_a1, LIST, "xlsx", language="en")
    assert OutboxMessage.objects.filter(topic=services.RUN_TOPIC, payload={"run_id": run.pk}).count() == 1
    relay.relay()
    sheet = openpyxl.load_workbook(io.BytesIO(_file(run))).active
    assert sheet.max_row == 5
    assert run.rows_done == run.rows_total == 4


def test_a_run_whose_owner_lost_the_permission_fails(dataset, monkeypatch):
    from accounts.models import OfficerAssignment

    monkeypatch.setattr(services, "IMMEDIATE_ROWS", 0)
    run = services.start_run(dataset.officer_a1, LIST, "csv", language="en")
    OfficerAssignment.objects.filter(user=dataset.officer_a1).update(active=False)
    tasks.run_report(run.pk)
    run.refresh_from_db()
    assert run.state == RunState.FAILED and not run.file
    assert not DataAccess.objects.exists()


def test_files_past_their_retention_are_deleted(dataset):
    from django.utils import timezone

    run = services.start_run(dataset.officer_a1, SUMMARY, "csv", language="en")
    run.refresh_from_db()
    path = run.file.path
    assert tasks.expire_report_files() == 0
    ReportRun.objects.filter(pk=run.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    assert tasks.expire_report_files() == 1
    run.refresh_from_db()
    assert not run.file
    import os

    assert not os.path.exists(path)

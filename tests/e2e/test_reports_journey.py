# ruff: noqa: F811 - pytest fixtures are imported by name and requested as arguments of the same name
"""The report builder in a real browser (issue 14, page 3): an officer of institution A builds a summary by
service and a list of applications for the first quarter of 2026, sees the tables (cards on a phone, never a
sideways scroll), exports the list and downloads the file — in Khmer on a phone (390 px, as XLSX) and in
English on a wide screen (1280 px, as CSV). The file is opened and checked (Khmer intact, institution B's
application absent); every page is scanned with axe (no serious or critical violation)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest

from tests.e2e.test_issuance_journey import _scan as _axe_scan
from tests.e2e.test_issuance_journey import _signed_in
from tests.reports.conftest import dataset  # noqa: F401 - fixture
from tests.review.test_screen_browser import reference  # noqa: F401 - fixture

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def portal(live_server, settings, tmp_path, reference):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.MEDIA_ROOT = tmp_path / "media"
    return live_server


def _scan(tab, what: str) -> None:
    """No sideways scroll, no script error, a screenshot when ESB_E2E_SHOTS names a directory, axe clean."""
    tab.settle(what.replace(" ", "-"))
    _axe_scan(tab, what)


def _show(page, shape: str) -> None:
    page.locator("#id_shape").select_option(shape)
    page.locator("#id_group_by").select_option("service")
    page.locator("#id_date_from").fill("2026-01-01")
    page.locator("#id_date_to").fill("2026-03-31")
    page.get_by_test_id("show-report").click()
    page.get_by_test_id("report-table").wait_for()


@pytest.mark.parametrize(("language", "width", "export_format"), [("km", 390, "xlsx"), ("en", 1280, "csv")])
def test_an_officer_builds_a_report_and_downloads_the_list(
    browser, portal, dataset, language, width, export_format
):
    tab = _signed_in(browser, portal.url, dataset.officer_a1, "officer", language, width)
    page = tab.page
    try:
        page.goto(f"{portal.url}/backoffice/reports/")
        page.get_by_test_id("report-form").wait_for()
        assert page.evaluate("document.documentElement.lang") == language
        _scan(tab, "report builder")

        _show(page, "summary")
        assert page.get_by_test_id("report-row").count() == 2
        total = page.get_by_test_id("report-total").inner_text()
        assert "4" in total and "200000.00" in total
        assert ("សេវា SA1" if language == "km" else "Service SA1") in page.get_by_test_id(
            "report-table"
        ).inner_text()
        _scan(tab, "report summary")

        _show(page, "list")
        table = page.get_by_test_id("report-table").inner_text()
        assert page.get_by_test_id("report-row").count() == 4
        assert "TST-2026-a1" in table and "TST-2026-a5" not in table
        _scan(tab, "report list")

        page.locator("#rp-format").select_option(export_format)
        page.get_by_test_id("export").click()
        page.get_by_test_id("run-status").wait_for()
        assert page.get_by_test_id("run-status").get_attribute("data-state") == "done"
        _scan(tab, "report run")
        with page.expect_download() as download_info:
            page.get_by_test_id("download").click()
        data = Path(download_info.value.path()).read_bytes()
    finally:
        tab.close()

    if export_format == "xlsx":
        rows = list(openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
        references = {row[0] for row in rows[1:]}
        assert "ហាងលក់ទំនិញ សុខា" in {row[2] for row in rows[1:]}
    else:
        assert data.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
        references = {row[0] for row in rows[1:]}
        assert "Sokha Retail" in {row[2] for row in rows[1:]}
    assert references == {"TST-2026-a1", "TST-2026-a2", "TST-2026-a3", "TST-2026-a4"}

"""The report pages: permissions, the table on the page, saved definitions and runs scoped to their owner
(another officer's ids are 404 in every view), hostile input answered with a form error, never a 500."""

from __future__ import annotations

import csv
import io
import uuid

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from privacy.models import DataAccess
from reports import services
from reports.models import ReportDefinition, ReportRun, RunState
from tests.reports.conftest import PERIOD
from tests.review.factories import officer

pytestmark = pytest.mark.django_db

BUILDER = "/backoffice/reports/"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _client(client, user):
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def test_the_page_needs_the_permission(client, dataset):
    technical = officer("technical_officer", dataset.a)
    assert _client(client, technical).get(BUILDER).status_code == 403
    assert client.post(reverse("reports:export"), {**PERIOD, "format": "csv"}).status_code == 403


def test_anonymous_is_sent_to_the_login(client, dataset):
    response = client.get(BUILDER)
    assert response.status_code == 302 and "/backoffice/login/" in response["Location"]


def test_the_builder_opens_with_this_year(client, dataset):
    response = _client(client, dataset.officer_a1).get(BUILDER)
    assert response.status_code == 200
    assert b'data-testid="report-form"' in response.content
    assert b'data-testid="report-results"' not in response.content


def test_a_summary_on_the_page_with_its_totals(client, dataset):
    response = _client(client, dataset.officer_a1).get(
        BUILDER, {**PERIOD, "shape": "summary", "group_by": "service"}
    )
    assert response.status_code == 200, response.context["form"].errors
    rows = response.context["rows"]
    assert [dict(row)["Service"] for row in rows] == ["SA1 Service SA1", "SA2 Service SA2"]
    assert dict(rows[0])["Applications"] == "3"
    assert dict(response.context["total"])["Applications"] == "4"
    assert dict(response.context["total"])["Fees collected (KHR)"] == "200000.00"
    assert "Service SB1" not in response.content.decode()


def test_a_list_on_the_page_logs_the_people_shown(client, dataset):
    response = _client(client, dataset.officer_a1).get(BUILDER, {**PERIOD, "shape": "list"})
    assert response.status_code == 200
    references = [dict(row)["Reference number"] for row in response.context["rows"]]
    assert references == ["TST-2026-a1", "TST-2026-a2", "TST-2026-a3", "TST-2026-a4"]
    assert DataAccess.objects.filter(accessor_user=dataset.officer_a1, purpose="REPORT").count() == 4


def test_a_summary_only_officer_may_not_list(client, dataset):
    reader = officer("reception_officer", dataset.a)
    reader.user_permissions.add(Permission.objects.get(codename="run_report"))
    client = _client(client, reader)
    assert client.get(BUILDER, {**PERIOD, "shape": "summary"}).status_code == 200
    response = client.get(BUILDER, {**PERIOD, "shape": "list"})
    assert response.status_code == 400
    assert "summaries only" in response.content.decode()
    response = client.post(reverse("reports:export"), {**PERIOD, "shape": "list", "format": "csv"})
    assert response.status_code == 302 and not ReportRun.objects.exists()
    assert not DataAccess.objects.exists()


@pytest.mark.parametrize(
    "bad",
    [
        {"date_from": "not a date", "date_to": "2026-01-01"},
        {"date_from": "2026-05-01", "date_to": "2026-01-01"},
        {"date_from": "2000-01-01", "date_to": "2026-01-01"},
        {**PERIOD, "group_by": "password"},
        {**PERIOD, "service": "1 OR 1=1"},
        {**PERIOD, "officer": "٣"},
        {**PERIOD, "status": "DRAFT"},
    ],
)
def test_hostile_conditions_are_form_errors(client, dataset, bad):
    response = _client(client, dataset.officer_a1).get(BUILDER, bad)
    assert response.status_code == 400
    assert b'role="alert"' in response.content
    assert b'data-testid="report-results"' not in response.content


def test_another_institution_cannot_be_asked_for(client, dataset):
    client = _client(client, dataset.officer_b)
    for name, value in (
        ("institution", dataset.a.pk),
        ("service", dataset.sa1.pk),
        ("department", dataset.da.pk),
    ):
        response = client.get(BUILDER, {**PERIOD, "shape": "list", name: value})
        assert response.status_code == 400, name
        assert "TST-2026-a1" not in response.content.decode()
    response = client.post(
        reverse("reports:export"), {**PERIOD, "shape": "list", "institution": dataset.a.pk, "format": "csv"}
    )
    assert response.status_code == 302 and not ReportRun.objects.exists()


def test_a_forged_definition_never_widens_the_scope(dataset):
    """A definition or run whose stored conditions name B (written behind the form's back) still reads only
    what its owner may see."""
    run = ReportRun.objects.create(
        owner=dataset.officer_a1,
        conditions={**PERIOD, "shape": "list", "institution": dataset.b.pk},
        format="csv",
        language="en",
    )
    services.execute_run(run.pk)
    run.refresh_from_db()
    with run.file.open("rb") as handle:
        rows = list(csv.reader(io.StringIO(handle.read().decode("utf-8-sig"))))
    assert len(rows) == 1  # the header only: a5 of institution B is not there


def test_saving_and_reopening_a_definition(client, dataset):
    client = _client(client, dataset.officer_a1)
    response = client.post(
        reverse("reports:save"), {**PERIOD, "shape": "summary", "group_by": "month", "name": "Quarter"}
    )
    assert response.status_code == 302
    definition = ReportDefinition.objects.get(owner=dataset.officer_a1, name="Quarter")
    assert definition.conditions == {
        **PERIOD,
        "shape": "summary",
        "group_by": "month",
        "date_field": "submitted",
    } or (definition.conditions["group_by"] == "month")
    response = client.get(reverse("reports:definition", kwargs={"public_id": definition.public_id}))
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert [dict(r)["Month"] for r in page.context["rows"]] == ["January 2026", "February 2026", "March 2026"]
    # saving again under the same name replaces the conditions
    client.post(
        reverse("reports:save"), {**PERIOD, "shape": "summary", "group_by": "status", "name": "Quarter"}
    )
    definition.refresh_from_db()
    assert definition.conditions["group_by"] == "status"
    assert ReportDefinition.objects.filter(owner=dataset.officer_a1).count() == 1


def test_another_officers_definition_run_and_file_are_404(client, dataset):
    mine = services.save_definition(dataset.officer_a1, "Mine", {**PERIOD, "shape": "list"})
    run = services.start_run(dataset.officer_a1, {**PERIOD, "shape": "list"}, "csv", language="en")
    run.refresh_from_db()
    assert run.state == RunState.DONE
    colleague = officer("approver", dataset.a)  # same institution: still not theirs
    for user in (dataset.officer_b, colleague):
        client = _client(client, user)
        assert (
            client.get(reverse("reports:definition", kwargs={"public_id": mine.public_id})).status_code == 404
        )
        assert (
            client.post(
                reverse("reports:delete_definition", kwargs={"public_id": mine.public_id})
            ).status_code
            == 404
        )
        assert client.get(reverse("reports:run", kwargs={"public_id": run.public_id})).status_code == 404
        assert client.get(reverse("reports:download", kwargs={"public_id": run.public_id})).status_code == 404
        client.logout()
    assert ReportDefinition.objects.filter(pk=mine.pk).exists()
    owner = _client(client, dataset.officer_a1)
    assert owner.get(reverse("reports:run", kwargs={"public_id": uuid.uuid4()})).status_code == 404
    assert owner.get(BUILDER + "runs/not-a-uuid/download/").status_code == 404


def test_export_then_progress_then_download(client, dataset):
    client = _client(client, dataset.officer_a1)
    response = client.post(reverse("reports:export"), {**PERIOD, "shape": "list", "format": "csv"})
    assert response.status_code == 302
    run = ReportRun.objects.get(owner=dataset.officer_a1)
    assert response["Location"] == reverse("reports:run", kwargs={"public_id": run.public_id})
    page = client.get(response["Location"])
    assert b'data-state="done"' in page.content
    partial = client.get(response["Location"], HTTP_HX_REQUEST="true")
    assert b"<html" not in partial.content and b'data-testid="run-status"' in partial.content
    download = client.get(reverse("reports:download", kwargs={"public_id": run.public_id}))
    assert download.status_code == 200
    assert download["Content-Type"].startswith("text/csv")
    assert "attachment" in download["Content-Disposition"]
    body = b"".join(download.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf") and b"TST-2026-a4" in body and b"TST-2026-a5" not in body


def test_a_queued_run_is_polled_by_htmx(client, dataset, monkeypatch):
    monkeypatch.setattr(services, "IMMEDIATE_ROWS", 0)
    client = _client(client, dataset.officer_a1)
    client.post(reverse("reports:export"), {**PERIOD, "shape": "list", "format": "xlsx"})
    run = ReportRun.objects.get(owner=dataset.officer_a1)
    page = client.get(reverse("reports:run", kwargs={"public_id": run.public_id}))
    assert b'hx-trigger="every 2s"' in page.content and b'data-state="queued"' in page.content
    assert client.get(reverse("reports:download", kwargs={"public_id": run.public_id})).status_code == 404


def test_an_unknown_format_is_refused_with_a_message(client, dataset):
    client = _client(client, dataset.officer_a1)
    response = client.post(
        reverse("reports:export"), {**PERIOD, "shape": "summary", "format": "exe"}, follow=True
    )
    assert response.status_code == 200
    assert "Choose CSV, Excel or PDF." in response.content.decode()
    assert not ReportRun.objects.exists()


def test_the_sidebar_shows_reports_to_who_may_run_them(client, dataset):
    response = _client(client, dataset.officer_a1).get(BUILDER)
    assert reverse("reports:builder").encode() in response.content


def test_exports_are_rate_limited_per_officer(client, dataset, settings):
    settings.ESB_THROTTLE_RATES = {"report-export": "2/h"}
    client = _client(client, dataset.officer_a1)
    data = {**PERIOD, "shape": "summary", "format": "csv"}
    assert [client.post(reverse("reports:export"), data).status_code for _ in range(3)] == [302, 302, 429]
    assert ReportRun.objects.count() == 2

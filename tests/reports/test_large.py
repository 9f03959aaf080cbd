"""A summary too large for the page's request (by the planner's estimate) is computed by a run: the page
starts it (or shows the officer's recent one again), polls it, and shows the kept table; the run applies the
owner's scope whatever its conditions say, and is the owner's alone (404 to anyone else)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from esb.outbox.models import OutboxMessage
from reports import selectors, services
from reports.models import Format, ReportRun, RunState
from tests.reports.conftest import PERIOD

pytestmark = pytest.mark.django_db

BUILDER = "/backoffice/reports/"
SUMMARY = {**PERIOD, "shape": "summary", "group_by": "service"}


@pytest.fixture
def large(monkeypatch):
    # The planner never estimates fewer than one row: with a limit of 0 every summary is "large".
    monkeypatch.setattr(services, "INLINE_SUMMARY_ROWS", 0)


def _client(client, user):
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def test_the_estimate_is_the_planners(dataset):
    estimate = selectors.estimated_rows(dataset.officer_a1, {**SUMMARY})
    assert estimate >= 1
    assert services.is_small(dataset.officer_a1, {**SUMMARY})


def test_a_small_summary_is_computed_in_the_request(client, dataset):
    response = _client(client, dataset.officer_a1).get(BUILDER, SUMMARY)
    assert response.status_code == 200
    assert len(response.context["rows"]) == 2
    assert not ReportRun.objects.exists()


def test_a_large_estimate_starts_a_run_then_shows_its_table(client, dataset, large):
    client = _client(client, dataset.officer_a1)
    response = client.get(BUILDER, SUMMARY)
    assert response.status_code == 200
    run = response.context["run"]
    assert run.format == Format.TABLE and run.state == RunState.QUEUED
    assert response.context.get("rows") is None
    content = response.content.decode()
    assert 'hx-trigger="every 2s"' in content and 'data-testid="report-table"' not in content
    assert OutboxMessage.objects.filter(topic=services.RUN_TOPIC, payload={"run_id": run.pk}).count() == 1

    # Reloading the page shows the same run: the computation is never started twice.
    again = client.get(BUILDER, SUMMARY)
    assert again.context["run"].pk == run.pk and ReportRun.objects.count() == 1

    services.execute_run(run.pk)
    run.refresh_from_db()
    assert run.state == RunState.DONE and not run.file and run.rows_total == 2

    partial = client.get(reverse("reports:run", kwargs={"public_id": run.public_id}), HTTP_HX_REQUEST="true")
    text = partial.content.decode()
    assert 'data-testid="report-table"' in text and "every 2s" not in text
    assert "SA1 Service SA1" in text and "SA2 Service SA2" in text and "SB1" not in text
    shown = client.get(BUILDER, SUMMARY)
    assert shown.context["table"]["total"][1] == ("Applications", "4")
    assert client.get(reverse("reports:download", kwargs={"public_id": run.public_id})).status_code == 404


def test_the_runs_result_keeps_the_owners_scope(dataset, large):
    forged = {**SUMMARY, "institution": dataset.b.pk}  # behind the form's back: another institution
    run = services.start_run(dataset.officer_a1, forged, Format.TABLE, language="en")
    services.execute_run(run.pk)
    run.refresh_from_db()
    assert run.state == RunState.DONE
    assert run.result["rows"] == [] and run.result["total"][1] == 0

    unfiltered = services.start_run(dataset.officer_a1, {**SUMMARY}, Format.TABLE, language="en")
    services.execute_run(unfiltered.pk)
    unfiltered.refresh_from_db()
    assert unfiltered.result["total"][1] == 4  # a1..a4 of institution A; never a5 of B


def test_another_officers_table_run_is_404(client, dataset, large):
    run = services.start_run(dataset.officer_a1, {**SUMMARY}, Format.TABLE, language="en")
    services.execute_run(run.pk)
    other = _client(client, dataset.officer_a2)
    assert other.get(reverse("reports:run", kwargs={"public_id": run.public_id})).status_code == 404
    response = other.get(BUILDER, SUMMARY)
    assert response.context["run"].pk != run.pk  # their own run, never the other officer's


def test_a_list_is_never_a_table_run(dataset):
    with pytest.raises(services.ReportRefused):
        services.start_run(dataset.officer_a1, {**PERIOD, "shape": "list"}, Format.TABLE, language="en")


def test_starting_runs_from_the_page_is_rate_limited(client, dataset, large, settings):
    settings.ESB_THROTTLE_RATES = {"report-export": "2/h"}
    client = _client(client, dataset.officer_a1)
    for group_by in ("service", "status"):
        assert client.get(BUILDER, {**SUMMARY, "group_by": group_by}).status_code == 200
    assert client.get(BUILDER, {**SUMMARY, "group_by": "province"}).status_code == 429
    assert ReportRun.objects.count() == 2

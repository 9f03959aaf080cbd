"""The dashboard page: its permission, the officer's scope (another institution is a 404), bad filters (400
with the reason in the user's language, never a 500), both languages, and the sidebar entry."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dashboard.services import folding
from tests.dashboard.scenario import D1, D3
from tests.review.factories import officer

pytestmark = pytest.mark.django_db
URL = reverse("dashboard:dashboard")


def _get(client, user, language="en", **params):
    client.force_login(user)
    client.cookies["django_language"] = language
    return client.get(URL, params)


def _cell(response, testid: str) -> str:
    html = response.content.decode()
    start = html.index(f'data-testid="{testid}"')
    return html[start : html.index("</table>", start)]


def test_anonymous_is_sent_to_the_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and "login" in response["Location"]


def test_an_officer_without_the_permission_is_refused(client, history):
    technical = history.team_a.technical  # a technical officer does not get the dashboard
    assert _get(client, technical).status_code == 403


def test_national_admin_sees_both_institutions_and_may_filter(client, history):
    folding.fold()
    params = {"start": D1.isoformat(), "end": D3.isoformat()}
    response = _get(client, history.national, **params)
    assert response.status_code == 200
    services = _cell(response, "by-service")
    assert history.service_a.name_en in services and history.service_b.name_en in services
    only_b = _get(client, history.national, **params, institution=history.service_b.institution_id)
    services = _cell(only_b, "by-service")
    assert history.service_b.name_en in services and history.service_a.name_en not in services
    assert 'name="institution"' in response.content.decode()


def test_an_officer_sees_their_institution_only(client, history):
    folding.fold()
    response = _get(client, history.team_a.supervisor, start=D1.isoformat(), end=D3.isoformat())
    assert response.status_code == 200
    html = response.content.decode()
    assert history.service_a.name_en in html and history.service_b.name_en not in html
    assert 'name="institution"' not in html  # one institution: nothing to choose


@pytest.mark.parametrize("who", ["supervisor", "national"])
@pytest.mark.parametrize("value", ["other", "x' OR 1=1", "999999999", "-1"])
def test_another_or_unknown_institution_is_not_found(client, history, who, value):
    user = history.team_a.supervisor if who == "supervisor" else history.national
    institution = history.service_b.institution_id if value == "other" else value
    if who == "national" and value == "other":
        return  # the national administrator may choose it (test above)
    response = _get(client, user, start=D1.isoformat(), end=D3.isoformat(), institution=institution)
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2025-04-01", "end": "2025-03-01"}, "must not be after its end"),
        ({"start": "not a date", "end": "2025-03-01"}, "Enter a valid date"),
        ({"start": "1900-01-01", "end": "2025-03-01"}, "ten years or less"),
    ],
)
def test_bad_filters_are_explained(client, history, params, message):
    response = _get(client, history.national, **params)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_khmer_page(client, history):
    folding.fold()
    response = _get(client, history.national, language="km", start=D1.isoformat(), end=D3.isoformat())
    assert response.status_code == 200
    assert 'lang="km"' in response.content.decode()


def test_the_sidebar_shows_the_entry_to_those_who_may(client, history):
    response = _get(client, history.national)
    assert URL in response.content.decode()
    reception = officer("reception_officer", history.service_a.institution)
    client.force_login(reception)
    assert URL not in client.get(reverse("review:queue")).content.decode()


def _received_in_period(response) -> str:
    summary = _cell(response, "summary")
    row = summary[summary.index('data-measure="RECEIVED"') :]
    return row.split('<td class="dash-num">')[2].split("<")[0]


def test_the_drawn_figures_follow_the_next_fold_and_the_scope(client, history, applicant, business):
    """The figures are kept between folds for officers of the same scope; a fold shows what it added, and an
    officer of another scope never gets the national drawing."""
    from tests.applications import factories as application_factories

    folding.fold()
    params = {"start": D1.isoformat(), "end": "2030-12-31"}
    before = _received_in_period(_get(client, history.national, **params))
    assert _received_in_period(_get(client, history.national, **params)) == before  # from the cache
    application_factories.submitted(applicant, history.service_a, business)
    assert _received_in_period(_get(client, history.national, **params)) == before  # not folded yet
    folding.fold()
    assert int(_received_in_period(_get(client, history.national, **params))) == int(before) + 1
    ministry_b = officer("head_of_office", history.service_b.institution)
    assert int(_received_in_period(_get(client, ministry_b, **params))) == 1  # B's paid application only


def test_the_summary_shows_overdue_now_and_finished_late_apart(client, history):
    """Today (long after the scenario) A's returned application and B's open task are overdue; the officer
    of A sees only A's."""
    folding.fold()
    params = {"start": D1.isoformat(), "end": D3.isoformat()}
    summary = _cell(_get(client, history.national, **params), "summary")
    row = summary[summary.index('data-measure="OVERDUE_NOW"') :]
    assert "Overdue now" in row and '<td class="dash-num">2</td>' in row[: row.index("</tr>")]
    assert 'data-measure="LATE"' in summary and "Finished late" in summary
    summary = _cell(_get(client, history.team_a.supervisor, **params), "summary")
    row = summary[summary.index('data-measure="OVERDUE_NOW"') :]
    assert '<td class="dash-num">1</td>' in row[: row.index("</tr>")]


def test_overdue_now_is_kept_apart_for_a_while(client, history, settings):
    """Kept per scope and day (OVERDUE_SECONDS) across folds; read live when the setting is 0."""
    import datetime

    from review.models import ReviewTask

    settings.DASHBOARD_OVERDUE_SECONDS = 600
    folding.fold()
    params = {"start": D1.isoformat(), "end": D3.isoformat()}

    def overdue() -> str:
        summary = _cell(_get(client, history.team_a.supervisor, **params), "summary")
        row = summary[summary.index('data-measure="OVERDUE_NOW"') :]
        return row.split('<td class="dash-num">')[1].split("<")[0]

    assert overdue() == "1"
    ReviewTask.objects.filter(application__licence_type=history.service_a).exclude(state="DONE").update(
        due_date=datetime.date(2999, 1, 1)
    )
    folding.fold()  # a new fold draws the figures again, with the kept count
    assert overdue() == "1"
    settings.DASHBOARD_OVERDUE_SECONDS = 0
    folding.fold()
    assert overdue() == "0"

"""What the API disclosed is in the data-access log of the people concerned, and on their "my data" page in
their language."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from applications.models import Application
from camdx_api import calllog, services
from camdx_api.models import ApiCall
from privacy.models import AccessorKind, AccessPurpose, DataAccess
from tests.applications.conftest import make_applicant
from tests.camdx_api.conftest import DOOR, bearer
from tests.licensing.factories import LicenceTypeFactory, publish_valid_form
from tests.registry.factories import BusinessFactory, PersonFactory

pytestmark = pytest.mark.django_db


def _application(applicant, business, reference: str) -> Application:
    licence_type = LicenceTypeFactory(fee_amount=0, processing_days=10)
    form = publish_valid_form(licence_type)
    return Application.objects.create(
        licence_type=licence_type,
        form_definition=form,
        applicant=applicant,
        business=business,
        reference=reference,
        status="SUBMITTED",
    )


@pytest.fixture
def caller(consumer):
    return services.Caller(consumer=consumer, token_jti="jti-1")


def test_the_call_line_and_one_data_access_row_per_application_and_person_are_one_insert(
    caller, applicant, business, reference_data
):
    first = _application(applicant, business, "MOC-2026-000123")
    other_person = make_applicant(PersonFactory(), username="other")
    second = _application(other_person, BusinessFactory(), "MOC-2026-000124")
    accesses = services.disclosures(applications=[first, second], people=[other_person])
    with CaptureQueriesContext(connection) as queries:
        call_id = services.record_call(
            consumer=caller.consumer,
            service_code="application_info",
            method="GET",
            path="/api/v1/licenses?search_term=x",
            status_code=200,
            duration_ms=3,
            accesses=accesses,
        )
    # one statement (a savepoint around it only because the test runs in a transaction)
    assert [q["sql"].split()[0] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]] == ["WITH"]
    call = ApiCall.objects.get()
    assert call.pk == call_id and call.path == "/api/v1/licenses" and call.consumer_id == caller.consumer.pk
    rows = DataAccess.objects.order_by("id")
    assert [(r.subject_user_id, r.object_ref) for r in rows] == [
        (applicant.pk, "MOC-2026-000123"),
        (other_person.pk, "MOC-2026-000124"),
        (other_person.pk, ""),
    ]
    row = rows[0]
    assert row.subject_business_id == business.pk and row.at == call.at
    assert row.accessor_kind == AccessorKind.API and row.purpose == AccessPurpose.API_REQUEST
    assert (row.accessor_label, row.accessor_label_km) == ("Ministry of Commerce", "ក្រសួងពាណិជ្ជកម្ម")
    assert [r.what for r in rows] == ["your application", "your application", "your personal data"]


def test_nothing_disclosed_writes_only_the_call_line(caller):
    assert services.disclosures() == []
    services.record_call(
        consumer=caller.consumer,
        service_code="health",
        method="GET",
        path="/x",
        status_code=200,
        duration_ms=1,
    )
    assert ApiCall.objects.count() == 1 and not DataAccess.objects.exists()


@pytest.mark.urls("tests.camdx_api.disclosing_urls")
def test_the_applicant_sees_which_ministry_read_the_application_in_their_language(
    client, consumer, camdigikey, applicant, business, reference_data
):
    _application(applicant, business, "MOC-2026-000123")
    response = client.get(DOOR + "MOC-2026-000123/", **bearer(camdigikey.valid()))
    assert response.status_code == 200

    client.force_login(applicant)
    client.cookies["django_language"] = "en"
    with translation.override("en"):
        html = client.get("/my-data/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Ministry of Commerce read your application MOC-2026-000123 on" in html

    client.cookies["django_language"] = "km"
    with translation.override("km"):
        html = client.get("/my-data/", HTTP_ACCEPT_LANGUAGE="km").content.decode()
    assert "ក្រសួងពាណិជ្ជកម្ម" in html and "MOC-2026-000123" in html
    assert "Ministry of Commerce" not in html


@pytest.mark.urls("tests.camdx_api.disclosing_urls")
def test_the_disclosure_and_the_call_line_are_written_in_one_commit(
    client, consumer, camdigikey, applicant, business, reference_data
):
    _application(applicant, business, "MOC-2026-000124")
    token = camdigikey.valid()
    client.get(DOOR + "MOC-2026-000124/", **bearer(token))  # the consumer row is cached from here on
    with CaptureQueriesContext(connection) as captured:
        assert client.get(DOOR + "MOC-2026-000124/", **bearer(token)).status_code == 200
    statements = [q["sql"].split()[0].upper() for q in captured.captured_queries]
    # one statement (camdx_api.calllog) inserting the call-log and the data-access rows; the savepoint
    # around it only because the test runs in a transaction (a request runs in autocommit)
    statements = [s for s in statements if s not in ("SAVEPOINT", "RELEASE")]
    assert statements[-1] == "WITH" and "INSERT" not in statements
    assert DataAccess.objects.filter(object_ref="MOC-2026-000124").count() == 2


@pytest.mark.urls("tests.camdx_api.disclosing_urls")
def test_an_answer_whose_disclosure_cannot_be_logged_is_not_sent(
    client, consumer, camdigikey, applicant, business, reference_data, monkeypatch
):
    _application(applicant, business, "MOC-2026-000125")

    def broken(*args, **kwargs):
        raise RuntimeError("the data-access log is unavailable")

    monkeypatch.setattr(services, "disclosures", broken)
    response = client.get(DOOR + "MOC-2026-000125/", **bearer(camdigikey.valid()))
    assert response.status_code == 500
    assert b"MOC-2026-000125" not in response.content
    assert "no-store" in response["Cache-Control"]

    assert list(ApiCall.objects.values_list("status_code", flat=True)) == [500]


@pytest.mark.urls("tests.camdx_api.disclosing_urls")
def test_a_failed_write_of_the_disclosure_is_a_500_and_the_500_is_logged(
    client, consumer, camdigikey, applicant, business, reference_data, monkeypatch
):
    from django.db import DatabaseError

    _application(applicant, business, "MOC-2026-000126")
    real_write = calllog.write

    def failing_with_accesses(**kwargs):
        if kwargs.get("accesses"):
            raise DatabaseError("the data-access log is unavailable")
        return real_write(**kwargs)

    monkeypatch.setattr(calllog, "write", failing_with_accesses)
    response = client.get(DOOR + "MOC-2026-000126/", **bearer(camdigikey.valid()))
    assert response.status_code == 500 and b"MOC-2026-000126" not in response.content
    assert list(ApiCall.objects.values_list("status_code", flat=True)) == [500]
    assert not DataAccess.objects.filter(object_ref="MOC-2026-000126").exists()


def _write(consumer, accesses=()) -> int:
    call_id, _written = calllog.write(
        consumer_id=consumer.pk,
        service_code="application_info",
        method="GET",
        path="/api/v1/licenses",
        status_code=200,
        duration_ms=1,
        outcome="ok",
        ip="127.0.0.1",
        xroad=services.XRoadHeaders(),
        request_id="r-1",
        accesses=accesses,
    )
    return call_id


@pytest.mark.django_db(transaction=True)
def test_without_synchronous_commit_the_lines_are_written_and_nothing_else_is_relaxed(settings, consumer):
    # transactional (the statement must be its own transaction): no reference data here, which a flush by
    # an earlier transactional test removes; the subject columns take any id (no database constraint)
    settings.CAMDX_API_LOG_SYNCHRONOUS_COMMIT = False
    access = calllog.Access(
        what=services.WHAT_APPLICATION,
        subject_user_id=987_654,
        subject_business_id=876_543,
        object_ref="MOC-X-1",
    )
    with CaptureQueriesContext(connection) as queries:
        call_id = _write(consumer, [access])
    assert "set_config('synchronous_commit', 'off', true)" in queries.captured_queries[-1]["sql"]
    assert ApiCall.objects.filter(pk=call_id).exists()
    assert DataAccess.objects.filter(object_ref="MOC-X-1", subject_user_id=987_654).count() == 1
    with connection.cursor() as cursor:  # transaction-local: the session's own setting is untouched
        assert cursor.execute("SHOW synchronous_commit").fetchone() == ("on",)


def test_inside_a_callers_transaction_the_commit_is_never_relaxed(settings, consumer):
    settings.CAMDX_API_LOG_SYNCHRONOUS_COMMIT = False
    with CaptureQueriesContext(connection) as queries:
        _write(consumer)
    assert not any("synchronous_commit" in q["sql"] for q in queries.captured_queries)

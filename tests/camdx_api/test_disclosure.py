"""What the API disclosed is in the data-access log of the people concerned, and on their "my data" page in
their language."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from applications.models import Application
from camdx_api import services
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


def test_record_disclosure_writes_one_row_per_application_and_person_in_one_insert(
    caller, applicant, business, reference_data
):
    first = _application(applicant, business, "MOC-2026-000123")
    other_person = make_applicant(PersonFactory(), username="other")
    second = _application(other_person, BusinessFactory(), "MOC-2026-000124")
    with CaptureQueriesContext(connection) as queries:
        written = services.record_disclosure(caller, applications=[first, second], people=[other_person])
    assert written == 3
    assert [q["sql"].split()[0] for q in queries.captured_queries] == ["INSERT"]
    rows = DataAccess.objects.order_by("id")
    assert [(r.subject_user_id, r.object_ref) for r in rows] == [
        (applicant.pk, "MOC-2026-000123"),
        (other_person.pk, "MOC-2026-000124"),
        (other_person.pk, ""),
    ]
    row = rows[0]
    assert row.subject_business_id == business.pk
    assert row.accessor_kind == AccessorKind.API and row.purpose == AccessPurpose.API_REQUEST
    assert (row.accessor_label, row.accessor_label_km) == ("Ministry of Commerce", "ក្រសួងពាណិជ្ជកម្ម")


def test_nothing_disclosed_writes_nothing(caller):
    with CaptureQueriesContext(connection) as queries:
        assert services.record_disclosure(caller) == 0
    assert not queries.captured_queries


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

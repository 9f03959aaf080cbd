"""Contract tests of the Part 5 endpoints over HTTP, against spec/part5-api.md field by field and type by
type: envelopes, path and query validation, not found, pagination, conditional GET, the file stream, the
data-access log. The door (token, ACL, throttling) is tested in test_door.py; here a valid token is given."""

# ruff: noqa: F811 - pytest fixtures are imported by name and requested as arguments of the same name

from __future__ import annotations

import re

import pytest

from privacy.models import DataAccess
from tests.camdx_api.conftest import bearer
from tests.camdx_api.factories_api import (  # noqa: F401 - fixtures
    _english,
    api_service,
    applicant,
    approved_app,
    business,
    free_service,
    other_app,
    owner,
    submitted_app,
)

pytestmark = pytest.mark.django_db
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
LIST_ITEM = {
    "single_id": str,
    "company_name_en": str,
    "company_name_kh": str,
    "license_type": dict,
    "license_status": str,
    "request_no": str,
    "submitted_date": str,
    "decision_date": (str, type(None)),
    "expired_date": (str, type(None)),
}


@pytest.fixture
def api(client, consumer, camdigikey):
    token = camdigikey.valid()

    def get(path: str, **params):
        return client.get(path, params, **bearer(token))

    return get


def _types(item: dict, spec: dict) -> None:
    assert set(item) == set(spec)
    for name, kind in spec.items():
        assert isinstance(item[name], kind), (name, item[name])


# --- 1 ------------------------------------------------------------------------------------------------------


def test_list_envelope_fields_and_types(api, approved_app, other_app):
    response = api("/api/v1/licenses", size=1)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"status", "message", "data", "pagination"}
    assert body["status"] == 1 and body["message"] == "Success"
    assert body["pagination"] == {"page": 1, "size": 1, "total_counts": 2, "total_page": 2}
    item = body["data"][0]
    _types(item, LIST_ITEM)
    assert item["request_no"] == other_app.reference  # newest first
    second = api("/api/v1/licenses", size=1, page=2).json()["data"][0]
    assert second["request_no"] == approved_app.reference and second["license_status"] == "APPROVED"
    assert set(second["license_type"]) == {"code", "name_en", "name_kh"}
    assert DATE.match(second["submitted_date"]) and DATE.match(second["decision_date"])
    assert second["expired_date"] == "2027-06-30"


def test_list_search_and_filters(api, approved_app, other_app):
    by_name = api("/api/v1/licenses", search_term="Mekong").json()
    assert [row["request_no"] for row in by_name["data"]] == [other_app.reference]
    by_id = api("/api/v1/licenses", search_term=approved_app.business.single_id).json()
    assert [row["request_no"] for row in by_id["data"]] == [approved_app.reference]
    by_status = api("/api/v1/licenses", license_status="SUBMITTED").json()
    assert [row["request_no"] for row in by_status["data"]] == [other_app.reference]
    by_type = api("/api/v1/licenses", license_type=approved_app.licence_type.code).json()
    assert by_type["pagination"]["total_counts"] == 2


def test_list_empty_and_past_the_end(api, approved_app):
    empty = api("/api/v1/licenses", search_term="no such company")
    assert empty.status_code == 200
    body = empty.json()
    assert body["status"] == 0 and body["message"] == "Not found." and body["data"] == []
    assert body["pagination"] == {"page": 1, "size": 20, "total_counts": 0, "total_page": 0}
    past = api("/api/v1/licenses", page=5).json()
    assert past["status"] == 0 and past["data"] == []
    assert past["pagination"] == {"page": 5, "size": 20, "total_counts": 1, "total_page": 1}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page": "0"}, "page"),
        ({"page": "abc"}, "page"),
        ({"size": "0"}, "size"),
        ({"size": "101"}, "size"),
        ({"license_status": "PENDING"}, "license_status"),
        ({"sort": "name"}, "sort"),
        ({"search_term": "x"}, "search_term"),
    ],
)
def test_list_bad_query_is_a_400_body(api, params, field):
    response = api("/api/v1/licenses", **params)
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == 0 and body["data"] == [] and field in body["errors"]


def test_list_without_token_is_status_minus_one(client, consumer, camdigikey):
    response = client.get("/api/v1/licenses")
    assert response.status_code == 401 and response.json()["status"] == -1


def test_list_is_logged_in_the_data_access_log(api, approved_app, applicant):
    api("/api/v1/licenses")
    assert DataAccess.objects.filter(subject_user=applicant, object_ref=approved_app.reference).exists()


# --- 2 ------------------------------------------------------------------------------------------------------


def test_business_licenses(api, approved_app, other_app):
    response = api(f"/api/v1/licenses/{approved_app.business.single_id}")
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    body = response.json()
    assert body["code"] == 0 and body["message"] == "Success"
    data = body["data"]
    assert set(data) == {"single_id", "company_name_en", "company_name_kh", "licenses"}
    assert data["company_name_kh"] == approved_app.business.name_km
    (licence,) = data["licenses"]
    assert licence["license_type"]["code"] == approved_app.licence_type.code
    assert licence["request_no"] == approved_app.reference and licence["status"] == "APPROVED"
    assert [service["code"] for service in licence["services"]] == [approved_app.service.code]


def test_unknown_and_malformed_single_id(api, approved_app):
    unknown = api("/api/v1/licenses/999999999")
    assert unknown.status_code == 404 and unknown.json()["code"] == 400 and unknown.json()["data"] is None
    bad = api("/api/v1/licenses/bad!id")
    assert bad.status_code == 400 and bad.json()["code"] == 400 and "single_id" in bad.json()["errors"]


# --- 3 ------------------------------------------------------------------------------------------------------


def test_detail_types(api, approved_app):
    path = f"/api/v1/licenses/{approved_app.business.single_id}/info/{approved_app.reference}"
    response = api(path)
    assert response.status_code == 200
    data = response.json()["data"]
    company = data["company_data"]
    for name in (
        "total_number_of_employee",
        "total_number_of_female_employees",
        "number_of_foreign_employees",
        "number_of_foreign_female_employees",
    ):
        assert type(company[name]) is int
    assert type(company["is_register_via_obr"]) is bool and type(company["use_obr_business_address"]) is bool
    address = company["current_address"]
    assert set(address) == {
        "province",
        "district",
        "commune",
        "village",
        "house_number",
        "street_name",
        "group_name",
        "latitude",
        "longitude",
    }
    assert set(data["biz_owner_data"]) == {
        "first_name_en",
        "first_name_kh",
        "last_name_en",
        "last_name_kh",
        "date_of_birth",
        "gender",
        "phone_number",
        "email",
        "nationality_code",
        "nationality_name_en",
        "nationality_name_kh",
        "identity_code",
        "current_address",
    }
    assert data["biz_owner_data"]["gender"] in ("FEMALE", "MALE")
    assert data["supporting_docs"] == [{"code": "NATIONAL_ID", "file_name": "id-card.pdf"}]
    assert set(data["license_data"]) == {
        "decision_date",
        "expired_date",
        "license_properties",
        "license_status",
        "license_type",
        "payment_status",
        "request_no",
        "service_type",
        "submitted_date",
    }
    assert isinstance(data["license_data"]["license_properties"], dict)
    assert set(data["register_by"]) == {
        "first_name_en",
        "first_name_kh",
        "last_name_en",
        "last_name_kh",
        "phone",
        "email",
    }
    assert all(data["register_by"].values())


def test_detail_not_found_and_bad_request_number(api, approved_app, other_app):
    single_id = approved_app.business.single_id
    unknown = api(f"/api/v1/licenses/{single_id}/info/MOC-2026-999999")
    assert unknown.status_code == 404 and unknown.json()["code"] == 400
    # a request number of another business is not found under this Single ID
    foreign = api(f"/api/v1/licenses/{single_id}/info/{other_app.reference}")
    assert foreign.status_code == 404
    bad = api(f"/api/v1/licenses/{single_id}/info/bad%20no")
    assert bad.status_code == 400 and "request_no" in bad.json()["errors"]


def test_detail_conditional_get(client, api, approved_app, applicant, camdigikey):
    path = f"/api/v1/licenses/{approved_app.business.single_id}/info/{approved_app.reference}"
    first = api(path)
    etag, modified = first["ETag"], first["Last-Modified"]
    assert etag.startswith('"') and modified.endswith("GMT")
    assert "private" in first["Cache-Control"] and "no-cache" in first["Cache-Control"]
    disclosed = DataAccess.objects.filter(subject_user=applicant).count()
    token = camdigikey.valid()
    again = client.get(path, HTTP_IF_NONE_MATCH=etag, **bearer(token))
    assert again.status_code == 304 and again["ETag"] == etag and not again.content
    since = client.get(path, HTTP_IF_MODIFIED_SINCE=modified, **bearer(token))
    assert since.status_code == 304
    assert DataAccess.objects.filter(subject_user=applicant).count() == disclosed  # nothing new was disclosed
    changed = client.get(path, HTTP_IF_NONE_MATCH='"stale"', **bearer(token))
    assert changed.status_code == 200 and changed.json()["data"]


def test_detail_is_logged_for_the_filer(api, approved_app, applicant):
    api(f"/api/v1/licenses/{approved_app.business.single_id}/info/{approved_app.reference}")
    assert DataAccess.objects.filter(subject_user=applicant).exists()


# --- 4 ------------------------------------------------------------------------------------------------------


def test_document_stream(api, approved_app):
    path = f"/api/v1/licenses/{approved_app.business.single_id}/document/{approved_app.reference}/NATIONAL_ID"
    response = api(path)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert (
        response["Content-Disposition"].startswith("attachment")
        and "id-card.pdf" in response["Content-Disposition"]
    )
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_document_of_another_application_or_unknown_code(api, approved_app, other_app):
    single_id = approved_app.business.single_id
    foreign = api(f"/api/v1/licenses/{single_id}/document/{other_app.reference}/NATIONAL_ID")
    assert foreign.status_code == 404 and foreign.json()["code"] == 400
    unknown = api(f"/api/v1/licenses/{single_id}/document/{approved_app.reference}/BUSINESS_PLAN")
    assert unknown.status_code == 404
    bad = api(f"/api/v1/licenses/{single_id}/document/{approved_app.reference}/national-id")
    assert bad.status_code == 400 and "document_code" in bad.json()["errors"]


# --- 5 ------------------------------------------------------------------------------------------------------


def test_timeline(client, api, approved_app, camdigikey):
    path = f"/api/v1/licenses/{approved_app.business.single_id}/timeline/{approved_app.reference}"
    response = api(path)
    assert response.status_code == 200
    data = response.json()["data"]
    assert set(data) == {"single_id", "company_name_en", "company_name_kh", "request_no", "timelines"}
    times = [line["event_date_time"] for line in data["timelines"]]
    assert times == sorted(times) and all(time.endswith("+07:00") for time in times)
    for line in data["timelines"]:
        assert line["title_en"] and line["title_kh"] and line["description_en"] and line["description_kh"]
        assert "SECRET" not in str(line)
    again = client.get(path, HTTP_IF_NONE_MATCH=response["ETag"], **bearer(camdigikey.valid()))
    assert again.status_code == 304


# --- 7 ------------------------------------------------------------------------------------------------------


def test_owner_statistic(api, business):
    body = api("/api/v1/statistic/biz-owner/nationality", nationality_code="KH").json()
    assert body["code"] == 0
    (row,) = body["data"]
    assert row == {
        "nationality_code": "KH",
        "number_of_female_biz_owner": 0,
        "number_of_male_biz_owner": 1,
        "total_number_of_owner": 1,
    }
    zero = api("/api/v1/statistic/biz-owner/nationality", nationality_code="us").json()["data"]
    assert zero == [
        {
            "nationality_code": "US",
            "number_of_female_biz_owner": 0,
            "number_of_male_biz_owner": 0,
            "total_number_of_owner": 0,
        }
    ]
    everyone = api("/api/v1/statistic/biz-owner/nationality").json()["data"]
    assert [row["nationality_code"] for row in everyone] == ["KH"]
    for code in ("ZZ", "KHM", "1"):
        bad = api("/api/v1/statistic/biz-owner/nationality", nationality_code=code)
        assert bad.status_code == 400 and "nationality_code" in bad.json()["errors"]


# --- codes --------------------------------------------------------------------------------------------------


def test_codes_are_public(client, approved_app):
    response = client.get("/api/v1/codes")
    assert response.status_code == 200
    data = response.json()["data"]
    assert [row["code"] for row in data["license_statuses"]] == [
        "DRAFT",
        "SUBMITTED",
        "REVIEWING",
        "RETURNED",
        "APPROVED",
        "REJECTED",
        "EXPIRED",
    ]
    assert [row["code"] for row in data["payment_statuses"]] == [
        "UNPAID",
        "PENDING",
        "PAID",
        "FAILED",
        "REFUNDED",
        "WAIVED",
    ]
    licence_type = next(row for row in data["license_types"] if row["code"] == approved_app.licence_type.code)
    assert licence_type["name_kh"] == approved_app.licence_type.name_km
    assert [service["code"] for service in licence_type["services"]] == [approved_app.service.code]
    assert {"code": "NATIONAL_ID"}.items() <= next(
        row for row in data["document_types"] if row["code"] == "NATIONAL_ID"
    ).items()
    for table in data.values():
        for row in table:
            assert row["name_en"] and row["name_kh"]


def test_unknown_api_path_is_a_json_not_found_body(client):
    for path in ("/api/v1/licenses/", "/api/v1/licence", "/api/v2/licenses"):
        response = client.get(path)
        assert response.status_code == 404 and response["Content-Type"] == "application/json"
        assert response.json() == {"code": 400, "message": "Not found: no such API path.", "data": None}

"""Adversarial tests of the Part 5 endpoints (the door's own attacks are test_attacks_door.py): what the
endpoints disclose, the document download's headers, the data-access log, hostile query strings and paths,
conditional GET and the public pages. Every bad input must answer the documented 4xx body, never a 500."""

# ruff: noqa: F811 - pytest fixtures are imported by name and requested as arguments of the same name

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import resolve

from applications.models import ApplicationDocument
from camdx_api import selectors
from licensing.models import FormField
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
    paid_service,
    submitted_app,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client, consumer, camdigikey):
    token = camdigikey.valid()

    def get(path: str, params=None, **headers):
        return client.get(path, params or {}, **bearer(token), **headers)

    return get


def _detail_path(application) -> str:
    return f"/api/v1/licenses/{application.business.single_id}/info/{application.reference}"


def _document_path(application, code: str = "NATIONAL_ID") -> str:
    return f"/api/v1/licenses/{application.business.single_id}/document/{application.reference}/{code}"


def _assert_documented_error(response, status: int, envelope: str = "code") -> None:
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert envelope in body and "message" in body


# --- (1) what is disclosed ----------------------------------------------------------------------------------


def test_single_id_path_mismatch_is_not_found_on_every_keyed_endpoint(api, approved_app, other_app):
    single_id = approved_app.business.single_id
    for path in (
        f"/api/v1/licenses/{single_id}/info/{other_app.reference}",
        f"/api/v1/licenses/{single_id}/timeline/{other_app.reference}",
        f"/api/v1/licenses/{single_id}/document/{other_app.reference}/NATIONAL_ID",
    ):
        response = api(path)
        _assert_documented_error(response, 404)
        assert other_app.business.name_en not in response.content.decode()
    assert not DataAccess.objects.filter(object_ref=other_app.reference).exists()


def test_discarded_application_with_a_request_number_is_not_found(api, approved_app):
    from django.utils import timezone

    approved_app.discarded_at = timezone.now()
    approved_app.save(update_fields=["discarded_at"])
    _assert_documented_error(api(_detail_path(approved_app)), 404)
    _assert_documented_error(api(_document_path(approved_app)), 404)
    body = api(f"/api/v1/licenses/{approved_app.business.single_id}").json()
    assert body["data"]["licenses"] == []


def test_replaced_file_of_the_application_is_never_served(api, approved_app):
    from django.utils import timezone

    ApplicationDocument.objects.filter(application=approved_app).update(replaced_at=timezone.now())
    _assert_documented_error(api(_document_path(approved_app)), 404)
    assert api(_detail_path(approved_app)).json()["data"]["supporting_docs"] == []


def _add_field(application, key: str, field_type: str, **fields) -> FormField:
    # A published definition is immutable (model and database trigger): the question is slipped in under
    # the test's superuser with triggers off, as if the version had been published with it.
    step = application.form_definition.steps.order_by("order").first()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
    (field,) = FormField.objects.bulk_create(
        [
            FormField(
                step=step,
                definition=application.form_definition,
                key=key,
                field_type=field_type,
                label_km=key,
                label_en=key,
                required=False,
                order=99,
                **fields,
            )
        ]
    )
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = DEFAULT")
    return field


@pytest.mark.parametrize(
    ("key", "field_type", "value"),
    [
        ("contact_email", FormField.FieldType.EMAIL, "someone.else@example.com"),
        ("manager_identity_number", FormField.FieldType.TEXT, "010203040"),
        ("manager_passport_no", FormField.FieldType.TEXT, "N1234567"),
        ("bank_account_number", FormField.FieldType.TEXT, "000123456789"),
        ("iban", FormField.FieldType.TEXT, "KH00ABCD0000000000"),
        ("manager_date_of_birth", FormField.FieldType.DATE, "1980-02-03"),
        ("guarantor_first_name_en", FormField.FieldType.TEXT, "Dara"),
        ("emergency_mobile", FormField.FieldType.TEXT, "012345678"),
        ("card_number", FormField.FieldType.NUMBER, 4111111111111111),
    ],
)
def test_license_properties_never_carry_personal_identifiers_or_accounts(
    api, approved_app, key, field_type, value
):
    _add_field(approved_app, key, field_type)
    approved_app.answers = {**approved_app.answers, key: value}
    approved_app.save(update_fields=["answers"])
    properties = api(_detail_path(approved_app)).json()["data"]["license_data"]["license_properties"]
    assert key not in properties
    assert str(value) not in str(properties)


def test_license_properties_keep_the_licence_particulars(api, approved_app):
    _add_field(approved_app, "number_of_rooms", FormField.FieldType.NUMBER)
    _add_field(approved_app, "trade_name_en", FormField.FieldType.TEXT)
    approved_app.answers = {**approved_app.answers, "number_of_rooms": 12, "trade_name_en": "Mekong Inn"}
    approved_app.save(update_fields=["answers"])
    properties = api(_detail_path(approved_app)).json()["data"]["license_data"]["license_properties"]
    assert properties["number_of_rooms"] == 12 and properties["trade_name_en"] == "Mekong Inn"
    assert properties["license_number"].endswith("-2026-000001")


def test_detail_serves_no_officer_only_or_internal_field(api, approved_app):
    text = api(_detail_path(approved_app)).content.decode()
    for secret in ("SECRET NOTE", "internal_note", "_hash", "personal_code", "password", "assigned"):
        assert secret not in text
    timeline = api(f"/api/v1/licenses/{approved_app.business.single_id}/timeline/{approved_app.reference}")
    assert "SECRET NOTE" not in timeline.content.decode()


# --- (2) the document download ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "original_name",
    [
        'quote"d; name=evil.pdf',
        "crlf\r\nSet-Cookie: a=b.pdf",
        "លិខិតអនុញ្ញាត.pdf",
        "../../etc/passwd",
        "tab\tand\x7fdel.pdf",
    ],
)
def test_document_headers_are_safe_whatever_the_stored_name(api, approved_app, original_name):
    ApplicationDocument.objects.filter(application=approved_app).update(original_name=original_name)
    response = api(_document_path(approved_app))
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "\r" not in disposition and "\n" not in disposition and "\x00" not in disposition
    assert "Set-Cookie" not in response.headers or "a=b" not in response.headers.get("Set-Cookie", "")
    assert "/" not in disposition.split("filename", 1)[1].replace("utf-8''", "")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_document_with_khmer_name_keeps_it_in_filename_star(api, approved_app):
    ApplicationDocument.objects.filter(application=approved_app).update(original_name="លិខិត.pdf")
    disposition = api(_document_path(approved_app))["Content-Disposition"]
    assert "filename*=utf-8''" in disposition


def test_document_with_an_unexpected_stored_type_is_not_served_as_that_type(api, approved_app):
    ApplicationDocument.objects.filter(application=approved_app).update(content_type="text/html")
    response = api(_document_path(approved_app))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")


def test_document_missing_from_storage_is_a_404_body_and_not_logged(api, approved_app, applicant):
    document = ApplicationDocument.objects.get(application=approved_app)
    document.file.storage.delete(document.file.name)
    before = DataAccess.objects.count()
    _assert_documented_error(api(_document_path(approved_app)), 404)
    assert DataAccess.objects.count() == before


def test_document_is_streamed_with_its_length_and_private(api, approved_app):
    response = api(_document_path(approved_app))
    assert response.streaming
    assert int(response["Content-Length"]) == ApplicationDocument.objects.get(application=approved_app).size
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


# --- (3) the data-access log --------------------------------------------------------------------------------


def test_detail_logs_each_person_once(api, approved_app, applicant):
    before = set(DataAccess.objects.values_list("pk", flat=True))
    api(_detail_path(approved_app))
    rows = DataAccess.objects.filter(subject_user=applicant).exclude(pk__in=before)
    assert rows.count() == 1, list(rows.values("what", "object_ref"))
    assert rows.get().object_ref == approved_app.reference


def _second_owner_with_account(application):
    from registry.models import BusinessRole
    from tests.applications.conftest import make_applicant
    from tests.registry.factories import PersonFactory

    # The business gets a second, longer-standing owner who has their own account.
    other_owner = PersonFactory(identity_number="055566677")
    BusinessRole.objects.filter(business=application.business).update(since="2025-06-01")
    BusinessRole.objects.create(
        business=application.business, person=other_owner, role=BusinessRole.Role.OWNER, since="2020-01-01"
    )
    return make_applicant(other_owner, username="second-owner")


def test_document_logs_the_filer_and_the_owner_with_an_account_once_each(api, approved_app, applicant):
    owner_user = _second_owner_with_account(approved_app)
    before = set(DataAccess.objects.values_list("pk", flat=True))
    assert api(_document_path(approved_app)).status_code == 200
    new = DataAccess.objects.exclude(pk__in=before)
    assert new.filter(subject_user=owner_user).count() == 1
    assert new.filter(subject_user=applicant).count() == 1


def test_detail_logs_the_owner_with_an_account_of_their_own(api, approved_app, applicant):
    owner_user = _second_owner_with_account(approved_app)
    before = set(DataAccess.objects.values_list("pk", flat=True))
    api(_detail_path(approved_app))
    new = DataAccess.objects.exclude(pk__in=before)
    assert new.filter(subject_user=owner_user).count() == 1
    assert new.filter(subject_user=applicant).count() == 1


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/licenses/1200000001/info/NO-SUCH-1",
        "/api/v1/licenses/bad!id/info/X",
        "/api/v1/licenses?page=0",
        "/api/v1/licenses?search_term=zz-no-match",
        "/api/v1/statistic?start_date=2026-01-01&end_date=2026-01-31",
    ],
)
def test_errors_and_empty_answers_log_nothing(api, approved_app, path):
    before = DataAccess.objects.count()
    api(path)
    assert DataAccess.objects.count() == before


def test_list_logs_each_listed_application_once(api, approved_app, other_app):
    before = set(DataAccess.objects.values_list("pk", flat=True))
    api("/api/v1/licenses", {"size": 1})
    new = DataAccess.objects.exclude(pk__in=before)
    assert new.count() == 1  # the one row on the page, not the whole result
    assert new.get().object_ref == other_app.reference


def test_a_304_logs_nothing(client, api, approved_app, camdigikey):
    first = api(_detail_path(approved_app))
    before = DataAccess.objects.count()
    again = api(_detail_path(approved_app), HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert DataAccess.objects.count() == before


# --- (4) injection and denial of service --------------------------------------------------------------------


@pytest.mark.parametrize(
    "term",
    [
        "%%",
        "__",
        "%_%",
        ".*",
        "(a+)+$",
        "' OR 1=1 --",
        "\\",
        "\u200b\u200b",
        "Me\u200bkong",
        "a\x00b",
        "%00",
        "x" * 10_000,
        "ក" * 300,
    ],
)
def test_hostile_search_terms_never_500(api, approved_app, other_app, term):
    response = api("/api/v1/licenses", {"search_term": term})
    assert response.status_code in (200, 400), (response.status_code, response.content[:300])
    if "\x00" in term:
        return  # refused before routing by esb.middleware.RejectNulBytesMiddleware (an HTML 400)
    body = response.json()
    assert "status" in body
    if response.status_code == 200 and term in ("%%", "__", "%_%", ".*", "(a+)+$"):
        assert body["data"] == []  # wildcards are literal characters, not patterns


def test_zero_width_characters_do_not_hide_a_match(api, other_app):
    body = api("/api/v1/licenses", {"search_term": "Me\u200bkong"}).json()
    assert [row["request_no"] for row in body["data"]] == [other_app.reference]


def test_overlong_search_term_is_refused(api, approved_app):
    response = api("/api/v1/licenses", {"search_term": "x" * 1000})
    _assert_documented_error(response, 400, "status")
    assert "search_term" in response.json()["errors"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page": "9" * 5000}, "page"),
        ({"size": "9" * 5000}, "size"),
        ({"page": "1e3"}, "page"),
        ({"page": "١"}, "page"),  # an Arabic-Indic digit
        ({"page": "២"}, "page"),  # a Khmer digit
        ({"size": " "}, None),
        ({"license_type": "a\x00b"}, None),
        ({"license_type": "x" * 5000}, None),
        ({"license_status": "a\x00b"}, "license_status"),
    ],
)
def test_hostile_list_parameters_never_500(api, approved_app, params, field):
    response = api("/api/v1/licenses", params)
    assert response.status_code in (200, 400), (response.status_code, response.content[:300])
    if field and not any("\x00" in value for value in params.values()):
        assert field in response.json()["errors"]


def test_huge_page_number_answers_the_real_pagination_without_a_query_of_the_page(
    api, approved_app, django_assert_max_num_queries
):
    page = 999_999_999
    response = api("/api/v1/licenses", {"page": str(page), "size": "100"})
    body = response.json()
    assert response.status_code == 200 and body["status"] == 0 and body["data"] == []
    assert body["pagination"]["total_counts"] == 1


def test_repeated_query_parameters_are_refused(api, approved_app):
    response = api("/api/v1/licenses?page=1&page=2")
    _assert_documented_error(response, 400, "status")
    assert "page" in response.json()["errors"]


@pytest.mark.parametrize(
    ("start", "end", "status"),
    [
        ("0001-01-01", "0001-01-01", 200),
        ("0001-01-01", "9999-12-31", 200),
        ("9999-12-31", "9999-12-31", 200),
        ("2026-01-01", "10000-01-01", 400),
        ("2026-02-30", "2026-03-01", 400),
        ("2026-13-01", "2026-12-01", 400),
        ("2026-03-01", "2026-01-01", 400),
        ("២០២៦-០១-០១", "2026-01-02", 400),
        ("2026-01-01\n", "2026-01-02", 200),
        ("20260101", "2026-01-02", 400),
        ("2026-1-1", "2026-01-02", 400),
    ],
)
def test_statistic_date_extremes_never_500(api, start, end, status):
    response = api("/api/v1/statistic", {"start_date": start, "end_date": end})
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response.json()["code"] == (0 if status == 200 else 400)


@pytest.mark.parametrize("code", ["\u200bKH", "ＫＨ", "k h", "x" * 5000])
def test_hostile_nationality_codes_never_500(api, code):
    response = api("/api/v1/statistic/biz-owner/nationality", {"nationality_code": code})
    _assert_documented_error(response, 400)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/statistic/biz-owner/nationality?nationality_code=K%00",
        "/api/v1/statistic?start_date=2026-01-01%00&end_date=2026-01-02",
        "/api/v1/licenses/%00",
    ],
)
def test_nul_characters_are_a_400_before_any_query(api, path):
    # Refused by esb.middleware.RejectNulBytesMiddleware, before routing: an HTTP 400 (its body is the
    # portal's page, not the API envelope — reported, the middleware is outside camdx_api).
    assert api(path).status_code == 400


@pytest.mark.parametrize(
    "segment",
    [
        "..%2F..%2Fetc%2Fpasswd",
        "A" * 5000,
        "%E2%80%8B",
        "1200000001%0A",
        "%25",
        "%2E%2E",
    ],
)
def test_hostile_path_segments_never_500(api, approved_app, segment):
    single_id = approved_app.business.single_id
    for path in (
        f"/api/v1/licenses/{segment}",
        f"/api/v1/licenses/{single_id}/info/{segment}",
        f"/api/v1/licenses/{single_id}/timeline/{segment}",
        f"/api/v1/licenses/{single_id}/document/{approved_app.reference}/{segment}",
        f"/api/v1/licenses/{segment}/document/{approved_app.reference}/NATIONAL_ID",
    ):
        response = api(path)
        assert response.status_code in (400, 404), (path, response.status_code, response.content[:300])
        assert response["Content-Type"] == "application/json"


# --- (5) conditional GET cannot be used to probe ------------------------------------------------------------


def test_conditional_headers_without_a_token_or_the_service_code_reveal_nothing(
    client, make_consumer, camdigikey, approved_app
):
    from camdx_api.service_codes import ServiceCode

    path = _detail_path(approved_app)
    for headers in ({"HTTP_IF_NONE_MATCH": "*"}, {"HTTP_IF_MODIFIED_SINCE": "Fri, 01 Jan 2100 00:00:00 GMT"}):
        anonymous = client.get(path, **headers)
        assert anonymous.status_code == 401 and "ETag" not in anonymous
    make_consumer(allowed_service_codes=[ServiceCode.APPLICATION_TIMELINE])
    token = camdigikey.valid()
    refused = client.get(path, HTTP_IF_NONE_MATCH="*", **bearer(token))
    assert refused.status_code == 403 and "ETag" not in refused


def test_if_none_match_star_on_an_unknown_application_is_a_404_not_a_304(api, approved_app):
    single_id = approved_app.business.single_id
    response = api(f"/api/v1/licenses/{single_id}/info/NO-SUCH-1", HTTP_IF_NONE_MATCH="*")
    _assert_documented_error(response, 404)


def test_the_etag_differs_between_applications_and_changes_with_the_data(api, approved_app, submitted_app):
    first = api(_detail_path(approved_app))["ETag"]
    approved_app.business.name_en = "Renamed Co."
    approved_app.business.save()
    assert api(_detail_path(approved_app))["ETag"] != first


# --- (6) the public pages -----------------------------------------------------------------------------------


def test_codes_are_cacheable_and_leak_nothing_internal(client, approved_app):
    response = client.get("/api/v1/codes")
    assert response.status_code == 200
    assert "public" in response["Cache-Control"] and "max-age" in response["Cache-Control"]
    text = response.content.decode()
    for internal in ("pk", '"id"', "institution", "workflow", "fee", "form_definition"):
        assert internal not in text


def test_schema_is_cacheable_and_public(client):
    response = client.get("/api/v1/schema/")
    assert response.status_code == 200
    assert "public" in response["Cache-Control"]


def test_the_api_catch_all_masks_no_other_route():
    assert resolve("/health").url_name == "health"
    assert resolve("/api/v1/licenses").url_name == "applications_info"
    assert resolve("/api/v1/statistic/biz-owner/nationality").url_name == "owner_statistic"
    assert resolve("/api/v1/codes").url_name == "codes"
    assert resolve("/api/anything/else").url_name == "unknown"


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_writing_methods_on_the_endpoints_are_refused_with_the_envelope(api, client, method, approved_app):
    response = getattr(client, method)(_detail_path(approved_app))
    assert response.status_code in (401, 405)
    assert response["Content-Type"] == "application/json"


def test_the_statistic_answers_the_same_for_the_far_future_end(api):
    far = api("/api/v1/statistic", {"start_date": "2026-01-01", "end_date": "9999-12-31"}).json()
    near = api("/api/v1/statistic", {"start_date": "2026-01-01", "end_date": "9999-12-30"}).json()
    assert far == near and far["code"] == 0


# --- helpers' own contract ----------------------------------------------------------------------------------


def test_selectors_refuse_an_overlong_search_term():
    with pytest.raises(selectors.InvalidQuery):
        selectors.search_applications(search_term="x" * (selectors.MAX_SEARCH_LENGTH + 1))


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_a_write_without_csrf_token_under_the_api_gets_the_documented_json_body(method):
    """Public views stay CSRF-checked (tests/esb/test_view_access.py), so a write to an unknown /api/ path is
    refused by Django's CSRF check before the catch-all: in the API's envelope, never the HTML page."""
    from django.test import Client

    response = getattr(Client(enforce_csrf_checks=True), method)("/api/v1/no-such-thing")
    assert response.status_code == 403 and response["Content-Type"] == "application/json"
    assert response.json() == {
        "code": 403,
        "message": "Forbidden: the request was refused before reaching an endpoint.",
        "data": None,
    }


def test_outside_the_api_a_csrf_refusal_is_still_the_portals_page(client):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post("/accounts/logout/")
    assert response.status_code == 403 and response["Content-Type"].startswith("text/html")


def test_the_codes_refuse_a_write_without_a_csrf_token():
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post("/api/v1/codes")
    assert response.status_code in (403, 405)


def test_if_modified_since_never_hides_a_change_the_date_does_not_see(api, approved_app, applicant):
    # The filer's account (register_by: email, phone) has no modification time: only the ETag, a hash of the
    # body, can say the caller's copy is current.
    first = api(_detail_path(approved_app))
    applicant.email = "new-address@example.com"
    applicant.save(update_fields=["email"])
    again = api(_detail_path(approved_app), HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert again.status_code == 200
    assert again.json()["data"]["register_by"]["email"] == "new-address@example.com"
    assert api(_detail_path(approved_app), HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


@pytest.mark.parametrize("term", ["\u200b\u200b", "\u200c\ufeff", "\u2060"])
def test_a_search_term_of_invisible_characters_does_not_silently_list_everything(api, approved_app, term):
    response = api("/api/v1/licenses", {"search_term": term})
    _assert_documented_error(response, 400, "status")
    assert "search_term" in response.json()["errors"]

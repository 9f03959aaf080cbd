"""The data side of the Part 5 endpoints: what is exposed, how it is found, and the JSON the serializers make
of it, field by field and type by type (spec/part5-api.md)."""

# ruff: noqa: F811 - pytest fixtures are imported by name and requested as arguments of the same name

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from applications.models import ApplicationEvent, Status
from camdx_api import selectors
from camdx_api.serializers import (
    ApplicationDetailSerializer,
    ApplicationListItemSerializer,
    BusinessLicensesSerializer,
    TimelineSerializer,
)
from tests.applications import factories as application_factories
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
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
UNIT_KEYS = {"code", "name_en", "name_kh"}


def test_drafts_without_request_number_and_applications_without_business_are_not_exposed(
    applicant, business, api_service, submitted_app
):
    licence_type, _ = api_service
    application_factories.draft(applicant, licence_type, business)  # no request number yet
    page = selectors.search_applications()
    assert [a.pk for a in page.items] == [submitted_app.pk]
    submitted_app.business = None
    submitted_app.save(update_fields=["business"])
    assert selectors.search_applications().total_counts == 0


def test_list_item_fields_and_types(approved_app):
    page = selectors.search_applications()
    item = ApplicationListItemSerializer(page.items[0]).data
    assert set(item) == {
        "single_id",
        "company_name_en",
        "company_name_kh",
        "license_type",
        "license_status",
        "request_no",
        "submitted_date",
        "decision_date",
        "expired_date",
    }
    business = approved_app.business
    assert item["single_id"] == business.single_id
    assert item["company_name_en"] == business.name_en and item["company_name_kh"] == business.name_km
    assert item["license_type"] == {
        "code": approved_app.licence_type.code,
        "name_en": approved_app.licence_type.name_en,
        "name_kh": approved_app.licence_type.name_km,
    }
    assert item["license_status"] == "APPROVED"
    assert item["request_no"] == approved_app.reference
    assert DATE.match(item["submitted_date"]) and DATE.match(item["decision_date"])
    assert item["expired_date"] == "2027-06-30"


def test_list_filters_search_and_pagination(submitted_app, other_app):
    assert selectors.search_applications().total_counts == 2
    by_id = selectors.search_applications(search_term=submitted_app.business.single_id)
    assert [a.pk for a in by_id.items] == [submitted_app.pk]
    by_khmer = selectors.search_applications(search_term="កិនស្រូវ")
    assert [a.pk for a in by_khmer.items] == [other_app.pk]
    by_english = selectors.search_applications(search_term="mekong rice")
    assert [a.pk for a in by_english.items] == [other_app.pk]
    assert selectors.search_applications(license_status="APPROVED").total_counts == 0
    assert selectors.search_applications(license_type="NO-SUCH").total_counts == 0
    first = selectors.search_applications(page=1, size=1)
    assert first.pagination == {"page": 1, "size": 1, "total_counts": 2, "total_page": 2}
    assert [a.pk for a in first.items] == [other_app.pk]  # newest first
    past = selectors.search_applications(page=3, size=1)
    assert past.items == [] and past.total_counts == 2


@pytest.mark.parametrize(
    ("page", "size", "field"),
    [
        ("0", None, "page"),
        ("x", None, "page"),
        (None, "0", "size"),
        (None, "101", "size"),
        ("-1", None, "page"),
    ],
)
def test_bad_page_or_size_is_refused(page, size, field):
    with pytest.raises(selectors.InvalidQuery) as caught:
        selectors.parse_page(page, size)
    assert caught.value.field == field


def test_page_and_size_defaults():
    assert selectors.parse_page(None, None) == (1, 20)
    assert selectors.parse_page("2", "100") == (2, 100)


def test_list_query_count_does_not_grow_with_rows(applicant, business, api_service, submitted_app, other_app):
    with CaptureQueriesContext(connection) as queries:
        page = selectors.search_applications()
        ApplicationListItemSerializer(page.items, many=True).data
    assert len(queries) == 2  # count + one page query with everything joined


def test_business_licenses(approved_app, other_app):
    found = selectors.business_with_applications(approved_app.business.single_id)
    data = BusinessLicensesSerializer(found).data
    assert data["single_id"] == approved_app.business.single_id
    assert [lic["request_no"] for lic in data["licenses"]] == [approved_app.reference]
    licence = data["licenses"][0]
    assert licence["status"] == "APPROVED"
    assert licence["license_type"]["code"] == approved_app.licence_type.code
    assert licence["services"] == [{"code": approved_app.service.code, "name_en": "New", "name_kh": "ថ្មី"}]
    assert selectors.business_with_applications("999999999") is None
    assert selectors.is_single_id("1200000001") and not selectors.is_single_id("bad id!")


def test_detail_all_five_objects(approved_app, owner):
    found = selectors.application_detail(approved_app.business.single_id, approved_app.reference)
    data = ApplicationDetailSerializer(found).data
    assert set(data) == {"company_data", "biz_owner_data", "supporting_docs", "license_data", "register_by"}
    company = data["company_data"]
    assert company["company_email"] == "contact@example.com"
    assert company["total_number_of_employee"] == 10 and isinstance(
        company["total_number_of_female_employees"], int
    )
    assert company["is_register_via_obr"] is False and company["use_obr_business_address"] is False
    address = company["current_address"]
    for level in ("province", "district", "commune", "village"):
        assert set(address[level]) == UNIT_KEYS and address[level]["name_en"] and address[level]["name_kh"]
    assert address["house_number"] == "12"
    owner_data = data["biz_owner_data"]
    assert owner_data["first_name_en"] == "Dara" and owner_data["last_name_kh"] == "សុខ"
    assert owner_data["gender"] == "MALE" and owner_data["date_of_birth"] == "1985-06-15"
    assert owner_data["nationality_code"] == "KH" and owner_data["nationality_name_kh"]
    assert owner_data["identity_code"] == owner.identity_number
    assert owner_data["phone_number"] == owner.phone
    assert data["supporting_docs"] == [{"code": "NATIONAL_ID", "file_name": "id-card.pdf"}]
    licence = data["license_data"]
    assert licence["license_status"] == "APPROVED" and licence["request_no"] == approved_app.reference
    assert licence["service_type"] == approved_app.service.code
    assert licence["expired_date"] == "2027-06-30" and DATE.match(licence["decision_date"])
    assert licence["payment_status"] is None  # a free service: no payment applies
    # the form's own answers, not the prefilled Single ID / address, with the licence number
    assert licence["license_properties"] == {
        "activity": "4711",
        "employees": 12,
        "kind": "a",
        "license_number": f"{approved_app.licence_type.code}-2026-000001",
    }
    register = data["register_by"]
    assert register == {
        "first_name_en": "Dara",
        "first_name_kh": "ដារ៉ា",
        "last_name_en": "Sok",
        "last_name_kh": "សុខ",
        "phone": owner.phone,
        "email": "applicant@example.com",
    }


def test_coordinates_are_json_numbers(approved_app):
    business = approved_app.business
    business.latitude, business.longitude = "11.562108", "104.888535"
    business.save()
    found = selectors.application_detail(business.single_id, approved_app.reference)
    address = ApplicationDetailSerializer(found).data["company_data"]["current_address"]
    assert address["latitude"] == 11.562108 and isinstance(address["longitude"], float)


def test_unpaid_fee_is_unpaid(applicant, business, paid_service):
    application = application_factories.filled(applicant, paid_service, business)
    assert selectors.payment_status(application) == "UNPAID"


def test_application_of_another_business_is_not_found(submitted_app, other_app):
    assert selectors.application(other_app.business.single_id, submitted_app.reference) is None
    assert selectors.document(other_app.business.single_id, submitted_app.reference, "NATIONAL_ID") is None
    assert selectors.document(submitted_app.business.single_id, submitted_app.reference, "NATIONAL_ID")
    assert selectors.document(submitted_app.business.single_id, submitted_app.reference, "OTHER") is None


def test_timeline_oldest_first_bilingual_without_internal_note(approved_app):
    assert ApplicationEvent.objects.filter(
        application=approved_app, internal_note__startswith="SECRET"
    ).exists()
    found = selectors.timeline(approved_app.business.single_id, approved_app.reference)
    data = TimelineSerializer(found).data
    assert data["request_no"] == approved_app.reference
    lines = data["timelines"]
    assert len(lines) >= 3
    assert [line["event_date_time"] for line in lines] == sorted(line["event_date_time"] for line in lines)
    for line in lines:
        assert set(line) == {"title_en", "title_kh", "description_en", "description_kh", "event_date_time"}
        assert line["title_en"] and line["title_kh"]
        assert line["event_date_time"].endswith("+07:00")
        assert "SECRET" not in line["description_en"] + line["description_kh"]
    approved = lines[-1]
    assert (
        approved["description_en"] == approved["description_kh"] == "Approved: keep the licence on display."
    )
    received = next(line for line in lines if line["description_en"] == str(Status.REVIEWING.label))
    assert received["description_kh"] and received["description_kh"] != received["description_en"]


def test_name_search_can_use_the_trigram_indexes(submitted_app):
    """The company-name filter is served by the GIN trigram indexes on UPPER(name) (a large table is searched
    through them; this small one only when a scan is ruled out) and the Single ID by its unique index."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = selectors.businesses_matching("Mekong 12").explain()
    assert "business_name_en_trgm" in plan and "business_name_km_trgm" in plan
    assert "single_id" in plan

"""The registry back-office: search through the hash, masking, audit, validation without 500s."""

import json

import pytest
from django.urls import reverse

from esb.models import AuditEvent
from registry.models import AdministrativeUnit, Business, BusinessActivity, Country, IsicActivity, Person


def changelist(model) -> str:
    return reverse(f"admin:registry_{model._meta.model_name}_changelist")


@pytest.fixture
def people(make_person):
    return {
        "dara": make_person(identity_number="010234567", phone="012 345 678"),
        "sophea": make_person(
            last_name_km="ចាន់",
            first_name_km="សុភា",
            last_name_en="Chan",
            first_name_en="Sophea",
            gender=Person.Gender.FEMALE,
            identity_number="020111222",
        ),
    }


def test_every_registry_page_opens(admin_client, people, make_business):
    business = make_business(owner=people["dara"])
    for model in (Business, Person, AdministrativeUnit, IsicActivity, Country):
        assert admin_client.get(changelist(model)).status_code == 200
    for name in ("business", "person", "property", "institution"):
        assert admin_client.get(reverse(f"admin:registry_{name}_add")).status_code == 200
    assert admin_client.get(reverse("admin:registry_business_change", args=[business.pk])).status_code == 200
    assert (
        admin_client.get(reverse("admin:registry_person_change", args=[people["dara"].pk])).status_code == 200
    )


def test_typing_an_identity_number_finds_the_person_through_the_hash(admin_client, people):
    response = admin_client.get(changelist(Person), {"q": "០១០ ២៣៤ ៥៦៧"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Dara" in page and "Sophea" not in page
    # identifiers are masked in the list: the full number never reaches the page
    assert "010234567" not in page and "••••••567" in page

    page = admin_client.get(changelist(Person), {"q": "012-345-678"}).content.decode()
    assert "Dara" in page and "Sophea" not in page  # by phone, too

    page = admin_client.get(changelist(Person), {"q": "សុភា"}).content.decode()
    assert "Sophea" in page and "Dara" not in page  # by Khmer name


def test_business_search_by_name_or_single_id(admin_client, make_business):
    make_business(single_id="1000000101", name_km="អង្គរស្មាយល៍ ត្រាវែល", name_en="Angkor Smile Travel")
    make_business(single_id="1000000102", name_km="មេគង្គស្រស់", name_en="Mekong Fresh")
    for query in ("angkor", "អង្គរស្មាយល៍", "1000000101", "១០០០០០០១០១"):
        page = admin_client.get(changelist(Business), {"q": query}).content.decode()
        assert "Angkor Smile Travel" in page and "Mekong Fresh" not in page, query


def test_changing_a_business_in_the_backoffice_is_audited(admin_client, make_business, unit):
    business = make_business(single_id="1000000101", name_en="Angkor Smile Travel")
    activity = IsicActivity.objects.get(code="7912")
    data = {
        "single_id": business.single_id,
        "name_km": business.name_km,
        "name_en": "Angkor Smile Travel & Tours",
        "legal_form": business.legal_form,
        "status": "SUSPENDED",
        "registration_date": "2020-01-02",
        "email": "",
        "phone": "",
        "total_employees": "10",
        "female_employees": "4",
        "foreign_employees": "0",
        "foreign_female_employees": "0",
        "village": unit("17100101").pk,
        "house_number": "",
        "street_name": "",
        "group_name": "",
        "latitude": "",
        "longitude": "",
        "business_activities-TOTAL_FORMS": "1",
        "business_activities-INITIAL_FORMS": "0",
        "business_activities-0-activity": activity.pk,
        "business_activities-0-is_primary": "on",
        "roles-TOTAL_FORMS": "0",
        "roles-INITIAL_FORMS": "0",
    }
    url = reverse("admin:registry_business_change", args=[business.pk])
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]

    business.refresh_from_db()
    assert business.status == "SUSPENDED" and business.province.code == "17"  # filled from the village
    event = AuditEvent.objects.get(action="admin.change", object_type="registry.business")
    assert event.after["status"] == "SUSPENDED" and event.before["status"] == "ACTIVE"
    assert AuditEvent.objects.filter(action="admin.add", object_type="registry.businessactivity").exists()

    # two primary activities are refused with a message, not a server error
    data.update(
        {
            "business_activities-TOTAL_FORMS": "2",
            "business_activities-INITIAL_FORMS": "1",
            "business_activities-0-id": BusinessActivity.objects.get(business=business).pk,
            "business_activities-0-business": business.pk,
            "business_activities-1-activity": IsicActivity.objects.get(code="7911").pk,
            "business_activities-1-is_primary": "on",
        }
    )
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert BusinessActivity.objects.filter(business=business).count() == 1


def test_a_duplicate_identity_number_is_a_form_error(admin_client, people):
    response = admin_client.post(
        reverse("admin:registry_person_add"),
        {
            "last_name_en": "Someone",
            "first_name_en": "Else",
            "gender": "MALE",
            "nationality": "KH",
            "identity_document_type": "NATIONAL_ID",
            "identity_number": "010-234-567",
            "phone": "",
            "email": "",
            "date_of_birth": "",
        },
    )
    assert response.status_code == 200
    assert Person.objects.count() == 2
    assert response.context["adminform"].form.errors["identity_number"]


def test_a_person_added_in_the_backoffice_is_encrypted_and_audited(admin_client, ref):
    response = admin_client.post(
        reverse("admin:registry_person_add"),
        {
            "last_name_km": "កែវ",
            "first_name_km": "មករា",
            "gender": "MALE",
            "nationality": "KH",
            "identity_document_type": "NATIONAL_ID",
            "identity_number": "120334455",
            "phone": "010 456 789",
            "email": "",
            "date_of_birth": "1985-01-26",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    person = Person.objects.get(last_name_km="កែវ")
    assert person.identity_number == "120334455"
    event = AuditEvent.objects.get(action="admin.add", object_type="registry.person")
    assert event.after["identity_number"] == "***" and "120334455" not in json.dumps(event.after)


def test_reference_data_cannot_be_deleted(admin_client, unit):
    village = unit("12010101")
    url = reverse("admin:registry_administrativeunit_delete", args=[village.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 403
    assert AdministrativeUnit.objects.filter(pk=village.pk).exists()


def test_village_autocomplete_offers_villages_only(admin_client, ref):
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "registry", "model_name": "business", "field_name": "village", "term": "ទន្លេបាសាក់"},
    )
    assert response.status_code == 200
    results = response.json()["results"]
    ids = [int(r["id"]) for r in results]
    assert ids and set(AdministrativeUnit.objects.filter(pk__in=ids).values_list("level", flat=True)) == {
        "village"
    }
    assert "ទន្លេបាសាក់" in results[0]["text"]  # the commune is shown beside the village name

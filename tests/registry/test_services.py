"""Writes through registry.services: validation, constraints, one audit event per change."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from esb.models import AuditEvent
from registry import services
from registry.models import Business, BusinessActivity, BusinessRole, Country, Person, Property


def new_business(**overrides) -> Business:
    values = {
        "single_id": "1000000201",
        "name_km": "  ក្រុមហ៊ុន\u200b តេស្ត  ឯ.ក ",
        "name_en": " Test   Company Co., Ltd. ",
        "legal_form": Business.LegalForm.PRIVATE_LIMITED,
        "total_employees": 10,
        "female_employees": 5,
    }
    values.update(overrides)
    return services.create_business(activities=["4711", "4690"], **values)


def test_create_business_cleans_names_and_records_activities(ref):
    business = new_business(single_id="១០០០ ០០០ ២០១")
    assert business.single_id == "1000000201"
    assert business.name_km == "ក្រុមហ៊ុន តេស្ត ឯ.ក" and business.name_en == "Test Company Co., Ltd."
    primary = BusinessActivity.objects.get(business=business, is_primary=True)
    assert primary.activity.code == "4711"
    assert BusinessActivity.objects.filter(business=business).count() == 2
    events = AuditEvent.objects.filter(object_id=str(business.pk)).order_by("id")
    actions = list(events.values_list("action", flat=True))
    assert actions == ["registry.business.create", "registry.business.activities"]


@pytest.mark.parametrize(
    "counts",
    [
        {"total_employees": 3, "female_employees": 4},
        {"total_employees": 3, "foreign_employees": 4},
        {"total_employees": 9, "female_employees": 2, "foreign_employees": 5, "foreign_female_employees": 3},
    ],
)
def test_employee_parts_cannot_exceed_totals(ref, counts):
    with pytest.raises(ValidationError):
        new_business(**{"female_employees": 0, **counts})
    assert not Business.objects.exists()


def test_the_database_also_refuses_inconsistent_counts(ref):
    business = new_business()
    with pytest.raises(IntegrityError), transaction.atomic():
        Business.objects.filter(pk=business.pk).update(female_employees=99)


def test_activities_must_be_isic_classes_with_one_primary(ref):
    business = new_business()
    with pytest.raises(ValidationError):
        services.set_business_activities(business, ["47"])  # a division, not a class
    with pytest.raises(ValidationError):
        services.set_business_activities(business, ["0000"])
    services.set_business_activities(business, ["4711", "5610"], primary="5610")
    assert BusinessActivity.objects.get(business=business, is_primary=True).activity.code == "5610"
    with pytest.raises(IntegrityError), transaction.atomic():
        BusinessActivity.objects.filter(business=business).update(is_primary=True)


def test_update_records_only_what_changed(ref):
    business = new_business()
    services.update_business(business, reason="typo", name_en="Test Company Plc.")
    event = AuditEvent.objects.get(action="registry.business.update")
    assert event.before == {"name_en": "Test Company Co., Ltd."}
    assert event.after["name_en"] == "Test Company Plc." and event.reason == "typo"
    services.update_business(business, name_en="Test Company Plc.")  # no change, no event
    assert AuditEvent.objects.filter(action="registry.business.update").count() == 1
    with pytest.raises(ValueError):
        services.update_business(business, no_such_field=1)


def test_status_change_keeps_the_reason(ref):
    business = new_business()
    services.set_status(business, Business.Status.DISSOLVED, reason="court order 12/2025")
    event = AuditEvent.objects.get(action="registry.business.status")
    assert event.after == {"status": "DISSOLVED"} and event.reason == "court order 12/2025"
    with pytest.raises(ValidationError):
        services.set_status(business, "BANKRUPT", reason="")


def test_person_identifier_changes_are_audited_without_values(make_person):
    person = make_person(identity_number="010234567", phone="012 345 678")
    services.update_person(person, phone="098 000 111")
    event = AuditEvent.objects.get(action="registry.person.update")
    assert event.after == {"phone": "*** (changed)"} and event.before == {"phone": "***"}
    assert Person.objects.get(pk=person.pk).phone_hash != person.phone_hash
    with pytest.raises(ValidationError):
        services.update_person(person, date_of_birth="not a date")
    with pytest.raises(ValidationError):
        services.update_person(person, date_of_birth=datetime.date.today() + datetime.timedelta(days=1))


def test_linking_people_is_idempotent_and_ending_keeps_history(make_person, ref):
    business, person = new_business(), make_person()
    link = services.link_person(business, person, BusinessRole.Role.OWNER, since=datetime.date(2020, 1, 1))
    assert services.link_person(business, person, BusinessRole.Role.OWNER) == link
    assert AuditEvent.objects.filter(action="registry.business_role.add").count() == 1

    services.end_role(link, until=datetime.date(2024, 6, 30), reason="shares sold")
    link.refresh_from_db()
    assert link.until == datetime.date(2024, 6, 30)
    again = services.link_person(business, person, BusinessRole.Role.OWNER)  # a new period
    assert again.pk != link.pk
    assert BusinessRole.objects.filter(business=business, person=person).count() == 2
    with pytest.raises(IntegrityError), transaction.atomic():
        BusinessRole.objects.create(business=business, person=person, role="OWNER")  # a second active row
    with pytest.raises(ValidationError):
        services.link_person(business, person, "CHAIRMAN")


def test_a_role_cannot_end_before_it_starts(make_person, ref):
    link = services.link_person(new_business(), make_person(), "DIRECTOR", since=datetime.date(2024, 1, 1))
    with pytest.raises(ValidationError):
        services.end_role(link, until=datetime.date(2023, 12, 31))


def test_a_property_has_exactly_one_owner(make_person, unit, ref):
    person, business = make_person(), new_business()
    base = {
        "title_number": "12010101-0001",
        "property_type": "LAND",
        "area_sqm": Decimal("100"),
        "village": unit("12010101"),
    }
    with pytest.raises(ValidationError):
        services.create_property(**base)
    with pytest.raises(ValidationError):
        services.create_property(owner=person, owner_business=business, **base)
    prop = services.create_property(owner=person, **base)
    assert prop.province.code == "12"
    services.transfer_property(prop, owner_business=business, reason="sale")
    prop.refresh_from_db()
    assert prop.owner is None and prop.owner_business == business
    with pytest.raises(IntegrityError), transaction.atomic():
        Property.objects.filter(pk=prop.pk).update(owner=person)


def test_a_person_needs_a_name(ref):
    with pytest.raises(ValidationError):
        services.create_person(gender="MALE", nationality=Country.objects.get(alpha2="KH"))

"""Part 5 response bodies (spec/part5-api.md), field by field: what the endpoints serve and, through
drf-spectacular, the OpenAPI response schema. Read-only: the API never takes a body.

Our Khmer fields are named `*_km`; the API says `*_kh`. Dates are `yyyy-MM-dd` in Asia/Phnom_Penh; the
timeline's `event_date_time` is ISO 8601 with the +07:00 offset; coordinates are JSON numbers.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import translation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from applications.models import ApplicationEvent, Status

# --- one bound serializer per class -------------------------------------------------------------------------
# `SomeSerializer(instance).data` deep-copies every declared field, nested serializers included, at each
# construction: for the detail's five nested serializers that is a few milliseconds a request, more than its
# queries' execution. These serializers keep no state between calls (no context, no validation), so one
# instance per class, bound once per process, serves every request with the same output.


@functools.cache
def _bound(serializer_class: type[serializers.Serializer]) -> serializers.Serializer:
    serializer = serializer_class()
    serializer.fields  # noqa: B018  (binds the fields now, not at the first request's first access)
    return serializer


def represent(serializer_class: type[serializers.Serializer], instance: Any) -> dict:
    """What `serializer_class(instance).data` holds."""
    return _bound(serializer_class).to_representation(instance)


def represent_many(serializer_class: type[serializers.Serializer], instances: Iterable) -> list[dict]:
    """What `serializer_class(instances, many=True).data` holds."""
    serializer = _bound(serializer_class)
    return [serializer.to_representation(instance) for instance in instances]


PHNOM_PENH = ZoneInfo("Asia/Phnom_Penh")


@extend_schema_field(OpenApiTypes.DATE)
class LocalDateField(serializers.Field):
    """A date or a moment as `yyyy-MM-dd`, the moment taken as the Phnom Penh calendar day; null when the
    event has not happened."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("read_only", True)
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_representation(self, value: datetime.date | datetime.datetime) -> str:
        if isinstance(value, datetime.datetime):
            value = value.astimezone(PHNOM_PENH).date()
        return value.isoformat()


@extend_schema_field(OpenApiTypes.DATETIME)
class LocalDateTimeField(serializers.Field):
    """ISO 8601 with the Phnom Penh offset, to the second: `2026-03-01T14:05:09+07:00`."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value: datetime.datetime) -> str:
        return value.astimezone(PHNOM_PENH).isoformat(timespec="seconds")


class CodeNameSerializer(serializers.Serializer):
    """`{code, name_en, name_kh}` of a catalog entry (licence type, service, document type)."""

    code = serializers.CharField()
    name_en = serializers.CharField()
    name_kh = serializers.CharField(source="name_km")


class UnitSerializer(serializers.Serializer):
    """A gazetteer unit: its NCDD code and names; `name_en` falls back to the NCDD romanization when the unit
    has no English name of its own."""

    code = serializers.CharField()
    name_en = serializers.SerializerMethodField()
    name_kh = serializers.CharField(source="name_km")

    def get_name_en(self, unit) -> str:
        return unit.name_en or unit.name_en_ncdd


class AddressSerializer(serializers.Serializer):
    """The Part 5 address object, read from any model with `registry.models.AddressFields`."""

    province = UnitSerializer(allow_null=True)
    district = UnitSerializer(allow_null=True)
    commune = UnitSerializer(allow_null=True)
    village = UnitSerializer(allow_null=True)
    house_number = serializers.CharField()
    street_name = serializers.CharField()
    group_name = serializers.CharField()
    latitude = serializers.FloatField(allow_null=True)
    longitude = serializers.FloatField(allow_null=True)


# --- 1. applications_info -----------------------------------------------------------------------------------


class ApplicationListItemSerializer(serializers.Serializer):
    single_id = serializers.CharField(source="business.single_id")
    company_name_en = serializers.CharField(source="business.name_en")
    company_name_kh = serializers.CharField(source="business.name_km")
    license_type = CodeNameSerializer(source="licence_type")
    license_status = serializers.ChoiceField(source="status", choices=Status.values)
    request_no = serializers.CharField(source="reference")
    submitted_date = LocalDateField(source="submitted_at")
    decision_date = LocalDateField(source="decided_at")
    expired_date = LocalDateField(source="licence_valid_until")


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


# Cambodia has kept UTC+07:00, without daylight saving, since 1975 (every application is later): the list
# converts 60 moments a page, and a fixed offset costs a fraction of a zoneinfo lookup each.
_UTC_PLUS_7 = datetime.timezone(datetime.timedelta(hours=7))
_FIXED_OFFSET_FROM = datetime.datetime(1976, 1, 1, tzinfo=datetime.UTC)


def _local_date(value: datetime.date | datetime.datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        zone = _UTC_PLUS_7 if value.tzinfo is not None and value >= _FIXED_OFFSET_FROM else PHNOM_PENH
        value = value.astimezone(zone).date()
    return value.isoformat()


def _code_name(entry: Any) -> dict | None:
    if entry is None:
        return None
    return {"code": _text(entry.code), "name_en": _text(entry.name_en), "name_kh": _text(entry.name_km)}


def list_items(applications: Iterable) -> list[dict]:
    """What `represent_many(ApplicationListItemSerializer, applications)` holds, built directly: a list page
    is 20 rows of 9 fields, and DRF's field machinery cost ~3 ms of CPU per page for what is a dictionary
    copy (tests/camdx_api/test_fast_paths.py checks that both give the same dictionaries)."""
    items = []
    for application in applications:
        business = application.business
        items.append(
            {
                "single_id": _text(business.single_id),
                "company_name_en": _text(business.name_en),
                "company_name_kh": _text(business.name_km),
                "license_type": _code_name(application.licence_type),
                "license_status": _text(application.status),
                "request_no": _text(application.reference),
                "submitted_date": _local_date(application.submitted_at),
                "decision_date": _local_date(application.decided_at),
                "expired_date": _local_date(application.licence_valid_until),
            }
        )
    return items


class PaginationSerializer(serializers.Serializer):
    page = serializers.IntegerField()
    size = serializers.IntegerField()
    total_counts = serializers.IntegerField()
    total_page = serializers.IntegerField()


# --- 2. application_info ------------------------------------------------------------------------------------


class LicenseSummarySerializer(serializers.Serializer):
    license_type = CodeNameSerializer(source="licence_type")
    request_no = serializers.CharField(source="reference")
    services = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=Status.values)

    @extend_schema_field(CodeNameSerializer(many=True))
    def get_services(self, application) -> list[dict]:
        # The request is for one service of the licence type (new, renewal, …); none when the type has none.
        if application.service is None:
            return []
        return [CodeNameSerializer(application.service).data]


class BusinessLicensesSerializer(serializers.Serializer):
    single_id = serializers.CharField()
    company_name_en = serializers.CharField(source="name_en")
    company_name_kh = serializers.CharField(source="name_km")
    licenses = LicenseSummarySerializer(source="exposed", many=True)


# --- 3. application_detail ----------------------------------------------------------------------------------


class CompanyDataSerializer(serializers.Serializer):
    single_id = serializers.CharField()
    company_name_en = serializers.CharField(source="name_en")
    company_name_kh = serializers.CharField(source="name_km")
    company_email = serializers.CharField(source="email")
    company_phone_number = serializers.CharField(source="phone")
    total_number_of_employee = serializers.IntegerField(source="total_employees")
    total_number_of_female_employees = serializers.IntegerField(source="female_employees")
    number_of_foreign_employees = serializers.IntegerField(source="foreign_employees")
    number_of_foreign_female_employees = serializers.IntegerField(source="foreign_female_employees")
    current_address = AddressSerializer(source="*")
    is_register_via_obr = serializers.BooleanField(source="registered_via_obr")
    use_obr_business_address = serializers.BooleanField()


class BizOwnerSerializer(serializers.Serializer):
    first_name_en = serializers.CharField()
    first_name_kh = serializers.CharField(source="first_name_km")
    last_name_en = serializers.CharField()
    last_name_kh = serializers.CharField(source="last_name_km")
    date_of_birth = LocalDateField()
    gender = serializers.ChoiceField(choices=["FEMALE", "MALE"])
    phone_number = serializers.CharField(source="phone")
    email = serializers.CharField()
    nationality_code = serializers.SerializerMethodField()
    nationality_name_en = serializers.SerializerMethodField()
    nationality_name_kh = serializers.SerializerMethodField()
    identity_code = serializers.CharField(source="identity_number")
    current_address = AddressSerializer(source="*")

    # Empty strings, not null, for a person whose nationality the registry does not record (as
    # registry.selectors.person_part5 serves them).
    def get_nationality_code(self, person) -> str:
        return person.nationality.alpha2 if person.nationality else ""

    def get_nationality_name_en(self, person) -> str:
        return person.nationality.name_en if person.nationality else ""

    def get_nationality_name_kh(self, person) -> str:
        return person.nationality.name_km if person.nationality else ""


class SupportingDocSerializer(serializers.Serializer):
    code = serializers.CharField(source="document_type.code")
    file_name = serializers.CharField(source="original_name")


class LicenseDataSerializer(serializers.Serializer):
    decision_date = LocalDateField(source="decided_at")
    expired_date = LocalDateField(source="licence_valid_until")
    license_properties = serializers.DictField(child=serializers.JSONField(), source="licence_properties")
    license_status = serializers.ChoiceField(source="status", choices=Status.values)
    license_type = CodeNameSerializer(source="licence_type")
    payment_status = serializers.ChoiceField(
        choices=["UNPAID", "PENDING", "PAID", "FAILED", "REFUNDED", "WAIVED"], allow_null=True
    )
    request_no = serializers.CharField(source="reference")
    service_type = serializers.CharField(source="service.code", allow_null=True, default=None)
    submitted_date = LocalDateField(source="submitted_at")


class RegisterBySerializer(serializers.Serializer):
    """The account that filed the application (owner or agent). Names split into given and family name come
    from the filer's registry entry when they are in the registry; otherwise from the account, whose Khmer
    name CamDigiKey gives as one "family given" string (split at its first space)."""

    first_name_en = serializers.SerializerMethodField()
    first_name_kh = serializers.SerializerMethodField()
    last_name_en = serializers.SerializerMethodField()
    last_name_kh = serializers.SerializerMethodField()
    phone = serializers.SerializerMethodField()
    email = serializers.CharField(source="applicant.email")

    @staticmethod
    def _khmer_parts(application) -> tuple[str, str]:
        family, _, given = application.applicant.full_name_km.strip().partition(" ")
        return family, given.strip()

    def get_first_name_en(self, application) -> str:
        person = application.register_person
        return (person.first_name_en if person else "") or application.applicant.first_name

    def get_last_name_en(self, application) -> str:
        person = application.register_person
        return (person.last_name_en if person else "") or application.applicant.last_name

    def get_first_name_kh(self, application) -> str:
        person = application.register_person
        return (person.first_name_km if person else "") or self._khmer_parts(application)[1]

    def get_last_name_kh(self, application) -> str:
        person = application.register_person
        return (person.last_name_km if person else "") or self._khmer_parts(application)[0]

    def get_phone(self, application) -> str:
        person = application.register_person
        return application.applicant.mobile_phone or (person.phone if person else "") or ""


class ApplicationDetailSerializer(serializers.Serializer):
    company_data = CompanyDataSerializer(source="business")
    biz_owner_data = BizOwnerSerializer(source="owner", allow_null=True)
    supporting_docs = SupportingDocSerializer(source="current_documents", many=True)
    license_data = LicenseDataSerializer(source="*")
    register_by = RegisterBySerializer(source="*")


# --- 5. application_timeline --------------------------------------------------------------------------------


class TimelineEventSerializer(serializers.Serializer):
    """One timeline line. The description is the officer's message to the applicant — one text, written in
    the language the officer chose, so it fills both fields; an event without a message is described by the
    status it moved to (or, for one that changed no status, by its kind), in each language. The internal
    note is never served."""

    title_en = serializers.CharField()
    title_kh = serializers.CharField(source="title_km")
    description_en = serializers.SerializerMethodField()
    description_kh = serializers.SerializerMethodField()
    event_date_time = LocalDateTimeField(source="at")

    @staticmethod
    def _description(event, language: str) -> str:
        if event.message:
            return event.message
        # No message: the event's own name (the status it moved to, else its kind), in each language.
        label = Status(event.to_status).label if event.to_status else ApplicationEvent.Kind(event.kind).label
        with translation.override(language):
            return str(label)

    def get_description_en(self, event) -> str:
        return self._description(event, "en")

    def get_description_kh(self, event) -> str:
        return self._description(event, "km")


class TimelineSerializer(serializers.Serializer):
    single_id = serializers.CharField(source="business.single_id")
    company_name_en = serializers.CharField(source="business.name_en")
    company_name_kh = serializers.CharField(source="business.name_km")
    request_no = serializers.CharField(source="reference")
    timelines = TimelineEventSerializer(source="timeline_events", many=True)


# --- 6. application_statistic, 7. owner_statistic -----------------------------------------------------------


class ApplicationStatisticSerializer(serializers.Serializer):
    number_of_approved = serializers.IntegerField()
    number_of_draft = serializers.IntegerField()
    number_of_expired = serializers.IntegerField()
    number_of_rejected = serializers.IntegerField()
    number_of_returned = serializers.IntegerField()
    number_of_reviewing = serializers.IntegerField()
    number_of_submitted = serializers.IntegerField()
    total_number_of_all_license = serializers.IntegerField()


class OwnerStatisticSerializer(serializers.Serializer):
    nationality_code = serializers.CharField()
    number_of_female_biz_owner = serializers.IntegerField()
    number_of_male_biz_owner = serializers.IntegerField()
    total_number_of_owner = serializers.IntegerField()


# --- the code lists -----------------------------------------------------------------------------------------


class CodeEntrySerializer(serializers.Serializer):
    code = serializers.CharField()
    name_en = serializers.CharField()
    name_kh = serializers.CharField()


class LicenceTypeCodeSerializer(CodeEntrySerializer):
    services = CodeEntrySerializer(many=True)


class CodeTablesSerializer(serializers.Serializer):
    license_statuses = CodeEntrySerializer(many=True)
    payment_statuses = CodeEntrySerializer(many=True)
    license_types = LicenceTypeCodeSerializer(many=True)
    document_types = CodeEntrySerializer(many=True)

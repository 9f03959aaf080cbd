"""Prefill sources are plugins of one registry; the person attributes are defined once; the business (not
its owner) fills the business's own fields (issue 9: Khmer name empty, address taken from the owner)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from applications import prefill
from licensing import demo
from licensing import prefill as catalog
from tests.applications import factories

pytestmark = pytest.mark.django_db


@dataclass
class Field:
    key: str
    prefill_source: str


def test_one_list_of_person_attributes_serves_the_declarations_and_the_local_source():
    for subject in catalog.PERSON_SUBJECTS:
        declared = {key.split(".", 1)[1] for key in catalog.PREFILL_SOURCES if key.startswith(f"{subject}.")}
        assert declared == catalog.PERSON_ATTRIBUTE_NAMES
    local = catalog.prefill_sources.get("local-registries")
    assert local.answers == set(catalog.PREFILL_SOURCES)  # every declared key has a source
    assert local.check_config() == []


def test_a_source_answering_undeclared_keys_is_reported():
    class Camdx(catalog.PrefillPlugin):
        answers = frozenset({"business.name_km", "business.tax_id"})

    assert Camdx().check_config() == [
        "answers keys no form can use (not declared in licensing.prefill): business.tax_id"
    ]


def test_resolve_asks_the_registered_source(applicant, business):
    class Camdx(catalog.PrefillPlugin):
        answers = frozenset(catalog.PREFILL_SOURCES)

        def fetch(self, keys, *, user, business, issue=""):
            return catalog.PrefillAnswer(
                values={key: "from CamDX" for key in keys if key == "business.name_en"},
                records_read=[("CamDX", business)],
            )

    with catalog.prefill_sources.override("local-registries", Camdx()):
        found = prefill.resolve(
            [Field("name", "business.name_en"), Field("email", "business.email")],
            user=applicant,
            business=business,
        )
    assert found.values == {"name": "from CamDX"}
    assert found.sources == {"name": "business.name_en"}
    assert found.records_read == [("CamDX", business)]


def test_the_business_fills_its_khmer_name_and_address_not_the_owner(applicant, owner, business):
    assert prefill.address_of(owner) != prefill.address_of(business)
    fields = [
        Field("workshop_name_km", "business.name_km"),
        Field("workshop_address", "business.address"),
        Field("owner_address", "owner.address"),
        Field("again", "business.name_km"),  # two fields, one key: both filled
    ]
    found = prefill.resolve(fields, user=applicant, business=business)
    assert found.values["workshop_name_km"] == found.values["again"] == business.name_km
    assert found.values["workshop_address"] == prefill.address_of(business)
    assert found.values["owner_address"] == prefill.address_of(owner)
    assert [label for label, _b in found.records_read] == [
        "business registry record",
        "owner's record in the person registry",
    ]


def test_the_handicraft_workshop_step_is_prefilled_from_the_business():
    spec = next(spec for spec in demo.catalog_data().services if spec.code == "MISTI-HC-001")
    fields = {f["key"]: f for step in spec.form for f, _where in step["fields"]}
    assert fields["workshop_name_km"]["prefill_source"] == "business.name_km"
    assert fields["workshop_name_en"]["prefill_source"] == "business.name_en"
    assert fields["workshop_address"]["prefill_source"] == "business.address"
    # no field that describes the business takes the owner's address
    assert not [
        key
        for key, f in fields.items()
        if f["prefill_source"] == "owner.address" and not key.startswith("owner")
    ]


def test_starting_an_application_still_prefills_and_logs(applicant, business, free_service):
    application = factories.draft(applicant, free_service, business)
    assert application.prefilled == {"single_id": "business.single_id", "address": "business.address"}

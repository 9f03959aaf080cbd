"""The declared prefill keys: what the brief and the docs promise exists, with sensible field types."""

from licensing import prefill

PERSON = [
    "first_name_km",
    "last_name_km",
    "first_name_en",
    "last_name_en",
    "gender",
    "date_of_birth",
    "nationality",
    "identity_number",
    "phone",
    "email",
    "address",
]


def test_declared_keys():
    expected = {
        "business.single_id",
        "business.name_km",
        "business.name_en",
        "business.email",
        "business.phone",
        "business.total_employees",
        "business.female_employees",
        "business.foreign_employees",
        "business.foreign_female_employees",
        "business.address",
        "business.primary_activity",
        "applicant.full_name_km",
        "applicant.full_name_en",
        "applicant.email",
        "applicant.phone",
        *(f"owner.{a}" for a in PERSON),
        *(f"representative.{a}" for a in PERSON),
    }
    assert set(prefill.PREFILL_SOURCES) == expected
    assert [key for key, _label in prefill.choices()] == list(prefill.PREFILL_SOURCES)


def test_representative_mirrors_owner():
    for attribute in PERSON:
        owner, representative = prefill.get(f"owner.{attribute}"), prefill.get(f"representative.{attribute}")
        assert owner.field_types == representative.field_types
        assert owner.choice_values == representative.choice_values


def test_types_fit_the_values():
    assert prefill.compatible_keys("gazetteer_address") == [
        "business.address",
        "owner.address",
        "representative.address",
    ]
    assert prefill.compatible_keys("isic_activity") == ["business.primary_activity"]
    assert "business.total_employees" in prefill.compatible_keys("number")
    assert "business.total_employees" not in prefill.compatible_keys("text")
    assert prefill.get("owner.gender").choice_values == ("FEMALE", "MALE")
    assert prefill.get("nonsense.key") is None
    assert prefill.compatible_keys("file") == []


def test_labels_are_rendered_in_the_active_language():
    from django.utils import translation

    with translation.override("en"):
        assert str(prefill.get("owner.date_of_birth").label) == "Owner: date of birth"
        assert str(prefill.get("representative.phone").label) == "Representative: phone"

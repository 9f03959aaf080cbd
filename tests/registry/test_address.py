"""Address hierarchy validation and the Part 5 address object."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from registry.models import Business


def business(**address) -> Business:
    return Business(single_id="1234567890", name_km="ហាង", legal_form="SOLE_PROPRIETORSHIP", **address)


def test_a_consistent_address_is_valid(ref, unit):
    b = business(province=unit("12"), district=unit("1201"), commune=unit("120101"), village=unit("12010101"))
    b.full_clean()


def test_the_village_alone_fills_in_the_higher_levels(ref, unit):
    b = business(village=unit("17100101"))
    b.full_clean()
    assert (b.commune.code, b.district.code, b.province.code) == ("171001", "1710", "17")


def test_a_unit_outside_its_parent_is_refused(ref, unit):
    # a Siem Reap village under a Phnom Penh commune
    b = business(commune=unit("120101"), village=unit("17100101"))
    with pytest.raises(ValidationError) as error, translation.override("en"):
        b.full_clean()
    assert "village" in error.value.message_dict
    assert "is not inside" in error.value.message_dict["village"][0]

    b = business(province=unit("02"), district=unit("1201"))
    with pytest.raises(ValidationError) as error:
        b.full_clean()
    assert "district" in error.value.message_dict


def test_a_unit_at_the_wrong_level_is_refused(ref, unit):
    b = business(village=unit("120101"))  # a commune given as the village
    with pytest.raises(ValidationError) as error:
        b.full_clean()
    assert "village" in error.value.message_dict


def test_latitude_needs_longitude(ref):
    b = business(latitude=Decimal("11.556374"))
    with pytest.raises(ValidationError) as error:
        b.full_clean()
    assert "longitude" in error.value.message_dict


def test_part5_address_object(ref, unit):
    b = business(village=unit("12010101"), house_number="12B", street_name="51", group_name="3")
    b.latitude, b.longitude = Decimal("11.556374"), Decimal("104.928207")
    b.full_clean()
    data = b.address_part5()
    assert data["province"] == {"code": "12", "name_en": "Phnom Penh", "name_kh": "ភ្នំពេញ"}
    assert data["district"]["code"] == "1201" and data["commune"]["code"] == "120101"
    assert data["village"] == {"code": "12010101", "name_en": "Phum 1", "name_kh": "ភូមិ ១"}
    assert (data["house_number"], data["street_name"], data["group_name"]) == ("12B", "51", "3")
    assert data["latitude"] == 11.556374 and isinstance(data["latitude"], float)
    assert data["longitude"] == 104.928207


def test_empty_address_serialises_to_nulls(ref):
    data = business().address_part5()
    assert data["province"] is None and data["village"] is None and data["latitude"] is None


def test_one_line_address_in_both_languages(ref, unit):
    b = business(village=unit("12010101"), house_number="12", street_name="51")
    b.full_clean()
    with translation.override("km"):
        assert b.address_display() == "ផ្ទះលេខ 12, ផ្លូវ 51, ភូមិ ១, សង្កាត់ទន្លេបាសាក់, ខណ្ឌចំការមន, រាជធានីភ្នំពេញ"
    with translation.override("en"):
        assert b.address_display().startswith("No. 12, St. 51, Phum 1 Village, Tonle Basak Sangkat")

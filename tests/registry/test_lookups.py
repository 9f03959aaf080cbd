"""Public lookups for the address and activity pickers (`lookups:units`, `lookups:isic`)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

UNITS, ISIC = reverse("lookups:units"), reverse("lookups:isic")


def options(response) -> list[str]:
    return re.findall(r'<option value="([^"]*)"', response.content.decode())


@pytest.fixture
def get(client, ref):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client.get


def test_provinces_without_a_parent(get):
    response = get(UNITS)
    assert response.status_code == 200
    values = options(response)
    assert values[0] == "" and "Choose…" in response.content.decode()
    assert "12" in values and "01" in values and all(len(v) == 2 for v in values[1:])


def test_children_of_a_parent_and_descendants_at_a_level(get):
    assert "1201" in options(get(UNITS, {"parent": "12"}))
    communes = options(get(UNITS, {"parent": "12", "level": "commune"}))
    assert "120101" in communes and all(len(v) == 6 for v in communes[1:])


def test_parent_named_by_the_picker_and_lower_selects_cleared(get):
    response = get(
        UNITS,
        {
            "parent_from": "address_province",
            "address_province": "១២",
            "level": "district",
            "clear": 'id_address_commune,id_address_village,bad id"><script>',
        },
    )
    assert "1201" in options(response)
    html = response.content.decode()
    assert 'hx-swap-oob="innerHTML:#id_address_commune"' in html
    assert 'hx-swap-oob="innerHTML:#id_address_village"' in html
    assert "<script>" not in html


def test_names_in_the_requested_language(get):
    assert "Phnom Penh" in get(UNITS).content.decode()
    assert "ភ្នំពេញ" in get(UNITS, {"lang": "km"}).content.decode()


def test_units_are_cacheable(get):
    response = get(UNITS, {"parent": "12"})
    assert "public" in response["Cache-Control"] and "max-age=86400" in response["Cache-Control"]


@pytest.mark.parametrize(
    "params",
    [
        {"parent": "99"},
        {"parent": "'; drop table x"},
        {"parent": "1" * 5000},
        {"level": "district"},
        {"parent": "12", "level": "planet"},
        {"parent_from": "nothing"},
    ],
)
def test_units_junk_is_an_empty_list(get, params):
    response = get(UNITS, params)
    assert response.status_code == 200
    values = options(response)
    assert values in ([""], options(get(UNITS))) and "1201" not in values


def test_nul_is_refused_not_a_500(get):
    assert get(UNITS, {"parent": "12\x00"}).status_code == 400
    assert get(ISIC, {"q": "47\x00"}).status_code == 400


def test_lookups_are_get_only(client, ref):
    assert client.post(UNITS).status_code == 405
    assert client.post(ISIC).status_code == 405


def test_isic_by_code_and_words(get):
    response = get(ISIC, {"q": "4711"})
    assert response.status_code == 200
    assert '<option value="4711">4711 — Retail sale in non-specialized stores' in response.content.decode()
    assert options(get(ISIC, {"q": "៤៧"}))[0].startswith("47")
    assert "4711" in options(get(ISIC, {"q": "retail food"}))
    assert options(get(ISIC, {"q": "4711 — Retail sale"})) == ["4711"]
    assert options(get(ISIC, {"q_from": "main_activity", "main_activity": "4711"})) == ["4711"]
    assert len(options(get(ISIC, {"q": "a"}))) <= 20
    assert "public" in get(ISIC, {"q": "47"})["Cache-Control"]


@pytest.mark.parametrize("params", [{}, {"q": ""}, {"q": "x" * 5000}, {"q": "zzzzqqq"}, {"q_from": "?"}])
def test_isic_junk_is_an_empty_list(get, params):
    response = get(ISIC, params)
    assert response.status_code == 200
    assert options(response) == []


def test_lookups_are_public(client, ref):
    from django.urls import resolve

    assert resolve(UNITS).func.esb_access == "public"
    assert resolve(ISIC).func.esb_access == "public"

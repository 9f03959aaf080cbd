"""The business-registry (OBR) simulator behind CamDX: a company by Single ID, only through a security
server (X-Road-Client) and with an organization token."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

URL = "/sandbox/obr/api/v1/businesses/"
THROUGH_CAMDX = {
    "HTTP_X_ROAD_CLIENT": "CAMBODIA/GOV/ESB-2026-0001/ESB_PORTAL",
    "HTTP_AUTHORIZATION": "Bearer an-organization-token",
}


def test_a_company_with_its_owners_and_representatives(client):
    response = client.get(f"{URL}1000000103", **THROUGH_CAMDX)
    assert response.status_code == 200
    company = response.json()
    assert company["single_id"] == "1000000103"
    assert company["name_en"] == "Phnom Penh Digital Solutions Co., Ltd."
    assert company["legal_form"] == "PRIVATE_LIMITED"
    assert company["registration_date"] == "2021-02-10"
    assert company["employees"] == {"total": 42, "female": 17, "foreign": 3, "foreign_female": 1}
    assert company["activities"] == [
        {"isic_code": "6201", "primary": True},
        {"isic_code": "6202", "primary": False},
    ]
    assert company["address"]["village"] == "12130101"
    assert (
        company["address"]["province"],
        company["address"]["district"],
        company["address"]["commune"],
    ) == (
        "12",
        "1213",
        "121301",
    )
    assert len(company["owners"]) == 2 and len(company["representatives"]) == 1
    owner = company["owners"][0]
    assert set(owner) == {
        "first_name_kh",
        "last_name_kh",
        "first_name_en",
        "last_name_en",
        "gender",
        "nationality",
        "date_of_birth",
        "identity_document_type",
        "identity_number",
        "phone",
        "email",
        "address",
    }
    assert owner["gender"] in {"MALE", "FEMALE"}


def test_an_unknown_single_id_is_a_json_404(client):
    response = client.get(f"{URL}9999999999", **THROUGH_CAMDX)
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


@pytest.mark.parametrize(
    ("headers", "status", "error"),
    [
        ({"HTTP_AUTHORIZATION": "Bearer t"}, 400, "xroad_client_missing"),
        ({"HTTP_X_ROAD_CLIENT": "CAMBODIA/GOV/ESB-2026-0001/ESB_PORTAL"}, 401, "token_missing"),
        ({**THROUGH_CAMDX, "HTTP_AUTHORIZATION": "Basic dXNlcg=="}, 401, "token_missing"),
    ],
)
def test_only_through_camdx_and_with_a_token(client, headers, status, error):
    response = client.get(f"{URL}1000000101", **headers)
    assert response.status_code == status
    assert response.json()["error"] == error


def test_read_only(client):
    assert client.post(f"{URL}1000000101", **THROUGH_CAMDX).status_code == 405

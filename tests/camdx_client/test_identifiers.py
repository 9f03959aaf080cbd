"""X-Road identifiers: each segment percent-encoded on its own, underscores kept, instance CAMBODIA, the
configured member classes, and a ValueError subclass naming what is wrong."""

from __future__ import annotations

import pytest

from camdx_client.identifiers import ClientId, InvalidIdentifier, ServiceId


def test_our_client_id_round_trips():
    client = ClientId.parse("CAMBODIA/GOV/ESB-2026-0001/ESB_PORTAL")
    assert client == ClientId("CAMBODIA", "GOV", "ESB-2026-0001", "ESB_PORTAL")
    assert str(client) == "CAMBODIA/GOV/ESB-2026-0001/ESB_PORTAL"  # underscores and dashes not encoded


def test_a_member_without_subsystem():
    member = ClientId.parse("CAMBODIA/COM/CAMDEV21231832")
    assert member.subsystem_code == ""
    assert member.encoded == "CAMBODIA/COM/CAMDEV21231832"


def test_a_service_id_and_its_provider():
    service = ServiceId.parse("CAMBODIA/GOV/CAMDX-20201222/CAMDIGIKEY_KYC/kyc_info")
    assert service.service_code == "kyc_info"
    assert service.provider == ClientId("CAMBODIA", "GOV", "CAMDX-20201222", "CAMDIGIKEY_KYC")
    assert str(service) == "CAMBODIA/GOV/CAMDX-20201222/CAMDIGIKEY_KYC/kyc_info"


def test_each_segment_is_encoded_separately():
    service = ServiceId.parse("CAMBODIA/COM/ACME%20LTD/SUB%2BONE/get%3Finfo")
    assert service.member_code == "ACME LTD"
    assert service.subsystem_code == "SUB+ONE"
    assert service.service_code == "get?info"
    # the separators stay, what is inside a segment is encoded
    assert service.encoded == "CAMBODIA/COM/ACME%20LTD/SUB%2BONE/get%3Finfo"
    assert ServiceId.parse(service.encoded) == service


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "required"),
        ("CAMDX/GOV/MOC/ESB", "instance CAMBODIA"),  # the third-party PoC's wrong instance
        ("CAMBODIA/NGO/X-1/SUB", "member class must be one of GOV, COM"),
        ("CAMBODIA/GOV", "3 or 4 parts"),
        ("CAMBODIA/GOV/A/B/C", "3 or 4 parts"),
        ("CAMBODIA/GOV//SUB", "part 3"),
        ("CAMBODIA/GOV/A%2FB/SUB", "part 3"),  # an encoded separator is not a segment
        ("CAMBODIA/GOV/A%zzB/SUB", "part 3"),  # a broken escape
        ("CAMBODIA/GOV/A B /SUB", "part 3"),  # surrounding blanks
    ],
)
def test_bad_client_ids_are_refused_clearly(text, says):
    with pytest.raises(InvalidIdentifier, match=says) as caught:
        ClientId.parse(text)
    assert isinstance(caught.value, ValueError)


def test_a_service_id_needs_all_five_parts():
    with pytest.raises(InvalidIdentifier, match="5 parts"):
        ServiceId.parse("CAMBODIA/GOV/MOC-2021-0001/business_info")


def test_member_classes_are_configurable():
    with pytest.raises(InvalidIdentifier):
        ClientId.parse("CAMBODIA/NGO/N-1/APP")
    assert ClientId.parse("CAMBODIA/NGO/N-1/APP", member_classes=("GOV", "COM", "NGO")).member_class == "NGO"

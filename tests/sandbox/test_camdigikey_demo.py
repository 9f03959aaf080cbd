"""The simulator's demo state matches the demo data files (people.yaml, officers.yaml) and is idempotent."""

from __future__ import annotations

import pytest

from accounts import demo as accounts_demo
from esb.management.commands.seed_demo_data import manifest
from sandbox.camdigikey import demo
from sandbox.camdigikey.models import ClientApp, DemoIdentity

pytestmark = pytest.mark.django_db


def registry_people() -> list[dict]:
    return demo.registry_people()


def test_seed_is_idempotent_and_seed_demo_data_runs_it():
    demo.seed()
    first = {i.personal_code: (i.pk, i.camdigikey_id) for i in DemoIdentity.objects.all()}
    demo.seed()
    assert {i.personal_code: (i.pk, i.camdigikey_id) for i in DemoIdentity.objects.all()} == first
    assert ClientApp.objects.count() == 2
    steps, _logins = manifest()
    assert "sandbox.demo.seed" in [name for name, _function in steps]


def test_every_registry_person_has_a_matching_identity():
    demo.seed()
    people = registry_people()
    assert people
    for row in people:
        identity = DemoIdentity.objects.get(personal_code=row["identity_number"])
        assert (identity.first_name_km, identity.last_name_km) == (row["first_name_km"], row["last_name_km"])
        assert (identity.first_name_en, identity.last_name_en) == (row["first_name_en"], row["last_name_en"])
        assert identity.gender == {"MALE": "M", "FEMALE": "F"}[row["gender"]]
        assert identity.dob.isoformat() == str(row["date_of_birth"])
        assert identity.mobile_phone == row["phone"]
        assert identity.nationality == row["nationality"]
        assert identity.email == row["email"]  # the address the registry demo gives the same person
        assert identity.kind == DemoIdentity.Kind.PERSON


def test_people_are_described_by_the_businesses_they_own_or_represent():
    demo.seed()
    sok = DemoIdentity.objects.get(personal_code="010234567")
    assert sok.description_en == "Owner of Angkor Smile Travel & Tours Co., Ltd. (1000000101)"
    assert sok.description_km.startswith("ម្ចាស់ ")
    chan = DemoIdentity.objects.get(personal_code="010456712")
    assert chan.description_en == "Representative of Khmer Pharma Co., Ltd. (1000000108)"
    assert DemoIdentity.objects.get(personal_code="120111222").description_en == ""  # no business


def test_the_officers_come_from_the_shared_file():
    demo.seed()
    rows = {row["personal_code"]: row for row in demo.officer_rows()}
    assert {"OFF-MOC-001", "OFF-MOT-001", "OFF-SYS-001"} <= set(rows)
    assert set(rows) == {row["personal_code"] for row in accounts_demo.demo_officers()}
    assert (rows["OFF-MOC-001"]["institution"], rows["OFF-MOC-001"]["role"]) == ("MOC", "reception_officer")
    assert (rows["OFF-MOT-001"]["institution"], rows["OFF-MOT-001"]["role"]) == ("MOT", "technical_officer")
    assert rows["OFF-SYS-001"]["role"] == "system_administrator"
    officers = DemoIdentity.objects.filter(kind=DemoIdentity.Kind.OFFICER)
    assert {o.personal_code for o in officers} == set(rows)
    sok = officers.get(personal_code="OFF-MOC-001")
    assert (sok.first_name_en, sok.last_name_en, sok.last_name_km) == ("Dara", "Sok", "សុខ")
    assert DemoIdentity.objects.count() == len(registry_people()) + len(rows)


def test_the_portal_client_uses_the_configured_credentials_and_public_url(settings):
    settings.ESB_PUBLIC_BASE_URL = "https://portal.test.example"
    demo.seed()
    portal = ClientApp.objects.get(client_id=settings.CAMDIGIKEY["CLIENT_ID"])
    assert portal.domain == settings.CAMDIGIKEY["DOMAIN"] == "esb.localhost"
    assert portal.hmac_key == settings.CAMDIGIKEY["HMAC_KEY"]
    assert portal.aes_secret_key == settings.CAMDIGIKEY["AES_SECRET_KEY"]
    assert portal.aes_iv == settings.CAMDIGIKEY["AES_IV"]
    assert portal.success_url == "https://portal.test.example/accounts/camdigikey/callback/"
    assert portal.error_url == "https://portal.test.example/accounts/camdigikey/error/"
    moc = ClientApp.objects.get(client_id="moc-api-dev")
    assert moc.domain == "api.moc.gov.kh"
    assert moc.hmac_key != portal.hmac_key and moc.aes_secret_key != portal.aes_secret_key


def test_camdigikey_ids_are_stable_across_databases():
    assert demo.camdigikey_id("010234567") == demo.camdigikey_id("010234567")
    assert demo.camdigikey_id("010234567") != demo.camdigikey_id("OFF-MOC-001")

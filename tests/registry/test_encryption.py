"""Personal identifiers at rest: ciphertext in SQL, plaintext through the ORM, exact lookup by keyed hash,
and key rotation."""

import datetime

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import override_settings

from esb import crypto
from esb.models import AuditEvent
from registry import services
from registry.models import Country, Person
from registry.selectors import businesses_for_person, person_by_identity

NUMBER = "010234567"


def raw(person: Person) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT identity_number, identity_number_hash, phone, phone_hash, date_of_birth "
            "FROM registry_person WHERE id = %s",
            [person.pk],
        )
        columns = [c.name for c in cursor.description]
        return dict(zip(columns, cursor.fetchone(), strict=True))


def test_identifiers_are_ciphertext_in_sql_and_plaintext_through_the_orm(make_person):
    person = make_person(
        identity_number=NUMBER, phone="012 345 678", date_of_birth=datetime.date(1980, 3, 14)
    )
    stored = raw(person)
    for column, plain in (
        ("identity_number", NUMBER),
        ("phone", "012 345 678"),
        ("date_of_birth", "1980-03-14"),
    ):
        assert stored[column].startswith("gAAAAA")  # a Fernet token
        assert plain not in stored[column]
        assert crypto.decrypt(stored[column]) == plain
    assert stored["identity_number_hash"] == crypto.lookup_hash(NUMBER)
    assert stored["phone_hash"] == crypto.lookup_hash("012345678")

    fresh = Person.objects.get(pk=person.pk)
    assert fresh.identity_number == NUMBER
    assert fresh.phone == "012 345 678"
    assert fresh.date_of_birth == datetime.date(1980, 3, 14)


@pytest.mark.parametrize(
    "typed",
    ["010234567", "010 234 567", "010-234-567", "០១០២៣៤៥៦៧", "០១០ ២៣៤ ៥៦៧", " 010234567 "],
)
def test_lookup_by_hash_ignores_spacing_and_khmer_digits(make_person, typed):
    person = make_person(identity_number=NUMBER)
    make_person()  # someone else
    assert person_by_identity(Person.DocumentType.NATIONAL_ID, typed) == person
    assert person_by_identity(Person.DocumentType.PASSPORT, typed) is None
    assert Person.objects.filter(identity_number_hash=crypto.lookup_hash(typed)).get() == person


def test_lookup_rejects_nonsense_quietly(ref):
    assert person_by_identity("NATIONAL_ID", "") is None
    assert person_by_identity("DRIVING_LICENCE", NUMBER) is None
    assert person_by_identity("NATIONAL_ID", "  -- ") is None
    assert businesses_for_person("").count() == 0


def test_the_same_document_cannot_be_registered_twice(make_person, unit):
    make_person(identity_number=NUMBER)
    with pytest.raises(ValidationError) as error:
        services.create_person(
            last_name_en="Other",
            first_name_en="Person",
            gender=Person.Gender.FEMALE,
            nationality=Country.objects.get(alpha2="KH"),
            identity_document_type=Person.DocumentType.NATIONAL_ID,
            identity_number="០១០ ២៣៤ ៥៦៧",  # same number, typed differently
        )
    assert "identity_number" in error.value.message_dict
    # the same number on a different document type is a different identity
    services.create_person(
        last_name_en="Other",
        first_name_en="Person",
        gender=Person.Gender.FEMALE,
        nationality=Country.objects.get(alpha2="TH"),
        identity_document_type=Person.DocumentType.PASSPORT,
        identity_number=NUMBER,
    )


KEY_OLD = Fernet.generate_key().decode()
KEY_NEW = Fernet.generate_key().decode()


def test_rotation_old_key_still_decrypts_after_a_new_key_is_prepended(make_person):
    with override_settings(ESB_FIELD_ENCRYPTION_KEYS=[KEY_OLD]):
        person = make_person(identity_number=NUMBER, phone="012 345 678")
        old_token = raw(person)["identity_number"]
        Fernet(KEY_OLD.encode()).decrypt(old_token.encode())  # made with the old key

    with override_settings(ESB_FIELD_ENCRYPTION_KEYS=[KEY_NEW, KEY_OLD]):
        fresh = Person.objects.get(pk=person.pk)
        assert fresh.identity_number == NUMBER and fresh.phone == "012 345 678"
        # lookups do not depend on the encryption keys
        assert person_by_identity("NATIONAL_ID", NUMBER) == person
        services.update_person(fresh, phone="098 765 432")
        new_token = raw(person)["phone"]
        Fernet(KEY_NEW.encode()).decrypt(new_token.encode())
        with pytest.raises(InvalidToken):
            Fernet(KEY_OLD.encode()).decrypt(new_token.encode())
        # rotation re-encrypts the untouched identity number under the new key
        rotated = crypto.rotate(raw(person)["identity_number"])
        Fernet(KEY_NEW.encode()).decrypt(rotated.encode())

    with override_settings(ESB_FIELD_ENCRYPTION_KEYS=[KEY_NEW]):
        assert crypto.decrypt(rotated) == NUMBER
        with pytest.raises(crypto.DecryptionError):
            crypto.decrypt(old_token)  # the old key is gone: old tokens must have been rotated first


def test_list_views_and_audit_never_show_identifiers(make_person):
    person = services.create_person(
        last_name_en="Chan",
        first_name_en="Sophea",
        gender=Person.Gender.FEMALE,
        nationality=Country.objects.get(alpha2="KH"),
        identity_number=NUMBER,
        phone="012 345 678",
        date_of_birth=datetime.date(1986, 7, 2),
    )
    assert person.masked_identity_number == "••••••567"
    event = AuditEvent.objects.get(action="registry.person.create", object_id=str(person.pk))
    assert event.after["identity_number"] == "***" and event.after["date_of_birth"] == "***"
    assert NUMBER not in str(event.after) and "345" not in str(event.after)

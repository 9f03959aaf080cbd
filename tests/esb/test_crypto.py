"""Field encryption, key rotation and lookup hashes (esb.crypto, esb.fields)."""

import datetime

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.db import connection
from django.test import override_settings

from esb import crypto

KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()
KEY_C = Fernet.generate_key().decode()


def keys(*entries: str):
    return override_settings(ESB_FIELD_ENCRYPTION_KEYS=list(entries))


@pytest.mark.parametrize(
    "plaintext",
    ["N01234567", "០១២៣៤៥៦៧៨៩", "សុខ សុភា", "Ünïcødé — mixed ១២ text", "x" * 5000, " "],
)
def test_round_trip(plaintext):
    with keys(KEY_A):
        token = crypto.encrypt(plaintext)
        assert plaintext not in token
        assert crypto.decrypt(token) == plaintext


def test_same_plaintext_encrypts_differently_each_time():
    with keys(KEY_A):
        assert crypto.encrypt("N01234567") != crypto.encrypt("N01234567")


def test_rotation_old_key_still_decrypts_and_rotate_moves_to_the_new_key():
    with keys(KEY_A):
        old = crypto.encrypt("លេខអត្តសញ្ញាណ 010203040")
    with keys(KEY_B, KEY_A):
        assert crypto.decrypt(old) == "លេខអត្តសញ្ញាណ 010203040"
        assert not crypto.is_current(old)
        new = crypto.rotate(old)
        assert new != old
        assert crypto.is_current(new)
        assert crypto.decrypt(new) == "លេខអត្តសញ្ញាណ 010203040"
        # new values are written under the first key
        assert crypto.is_current(crypto.encrypt("fresh"))
    # once rotated, the old key can be dropped
    with keys(KEY_B):
        assert crypto.decrypt(new) == "លេខអត្តសញ្ញាណ 010203040"
        with pytest.raises(crypto.DecryptionError):
            crypto.decrypt(old)
    assert Fernet(KEY_B.encode()).decrypt(new.encode()).decode() == "លេខអត្តសញ្ញាណ 010203040"


def test_a_value_under_an_unknown_key_or_garbage_raises_decryption_error():
    with keys(KEY_C):
        foreign = crypto.encrypt("secret")
    with keys(KEY_B, KEY_A):
        for token in (foreign, "not-a-token", "ស្រី", ""):
            with pytest.raises(crypto.DecryptionError):
                crypto.decrypt(token)
        with pytest.raises(crypto.DecryptionError):
            crypto.rotate(foreign)
        assert not crypto.is_current("ស្រី")


@pytest.mark.parametrize(
    ("configured", "message"),
    [
        ([], "ESB_FIELD_ENCRYPTION_KEYS is empty"),
        (["not base64 at all!"], "entry 1 is not valid base64"),
        ([KEY_A, "c2hvcnQ="], "entry 2 encodes 5 bytes, not 32"),
    ],
)
def test_invalid_key_configuration_gives_a_clear_error(configured, message):
    with pytest.raises(ImproperlyConfigured, match=message) as excinfo:
        crypto.validate_keys(configured)
    assert "Fernet.generate_key" in str(excinfo.value)  # tells the operator how to make a good one
    with keys(*configured), pytest.raises(ImproperlyConfigured, match=message):
        crypto.encrypt("x")


def test_keys_in_standard_or_urlsafe_base64_with_or_without_padding_are_accepted():
    raw = bytes(range(200, 232))  # bytes that encode to '+' and '/' in standard base64
    import base64

    standard = base64.b64encode(raw).decode()
    urlsafe = base64.urlsafe_b64encode(raw).decode()
    assert standard != urlsafe
    for key in (standard, urlsafe, urlsafe.rstrip("="), f"  {urlsafe}  "):
        crypto.validate_keys([key])
    with keys(standard):
        token = crypto.encrypt("x")
    with keys(urlsafe.rstrip("=")):
        assert crypto.decrypt(token) == "x"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("០១២៣៤៥៦៧៨៩", "0123456789"),
        ("N 0123-4567", "n01234567"),
        ("012 345 678", "012-345-678"),
        ("+855 (0)12.345.678", "855012345678"),
        ("ab１２", "AB12"),  # full-width digits (NFKC)
        ("٠١٢", "012"),  # other scripts' decimal digits
    ],
)
def test_lookup_hash_normalises_digits_separators_and_case(a, b):
    assert crypto.normalize_identifier(a) == crypto.normalize_identifier(b)
    assert crypto.lookup_hash(a) == crypto.lookup_hash(b)
    assert len(crypto.lookup_hash(a)) == 64


def test_lookup_hash_distinguishes_different_values_and_keeps_khmer_marks():
    assert crypto.lookup_hash("N01234567") != crypto.lookup_hash("N01234568")
    # differ only by a vowel sign: must not collide
    assert crypto.lookup_hash("សុខ") != crypto.lookup_hash("សខ")


@pytest.mark.parametrize("empty", ["", None, "  ", "--", " - / . "])
def test_lookup_hash_of_empty_is_empty(empty):
    assert crypto.lookup_hash(empty) == ""


def test_lookup_hash_is_keyed():
    with override_settings(ESB_LOOKUP_HASH_KEY="key-one-" + "x" * 30):
        first = crypto.lookup_hash("N01234567")
    with override_settings(ESB_LOOKUP_HASH_KEY="key-two-" + "x" * 30):
        second = crypto.lookup_hash("N01234567")
    assert first != second


# --- model fields ---------------------------------------------------------------------------------------


def _raw(model, pk: int, column: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {model._meta.db_table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_fields_store_ciphertext_read_plaintext_and_maintain_the_hash(probe_model):
    with keys(KEY_A):
        obj = probe_model.objects.create(id_number="០១២ ៣៤៥", born_on=datetime.date(1990, 4, 13))
        stored = _raw(probe_model, obj.pk, "id_number")
        assert "០១២" not in stored
        assert Fernet(KEY_A.encode()).decrypt(stored.encode()).decode() == "០១២ ៣៤៥"
        assert "1990" not in _raw(probe_model, obj.pk, "born_on")
        again = probe_model.objects.get(pk=obj.pk)
        assert again.id_number == "០១២ ៣៤៥"
        assert again.born_on == datetime.date(1990, 4, 13)
        assert again.id_number_hash == crypto.lookup_hash("012-345")
        assert probe_model.objects.get(id_number_hash=crypto.lookup_hash("012345")) == again


def test_a_datetime_given_to_an_encrypted_date_is_stored_as_its_date(probe_model):
    with keys(KEY_A):
        obj = probe_model.objects.create(born_on=datetime.datetime(1990, 4, 13, 10, 30))
        assert probe_model.objects.get(pk=obj.pk).born_on == datetime.date(1990, 4, 13)


def test_empty_values_stay_empty_and_unhashed(probe_model):
    with keys(KEY_A):
        obj = probe_model.objects.create()
        assert _raw(probe_model, obj.pk, "id_number") == ""
        again = probe_model.objects.get(pk=obj.pk)
        assert again.id_number == ""
        assert again.id_number_hash == ""
        assert again.born_on is None
        assert probe_model.objects.filter(id_number="").count() == 1
        assert probe_model.objects.filter(born_on__isnull=True).count() == 1


def test_comparing_an_encrypted_field_to_a_value_fails_loudly(probe_model):
    with pytest.raises(FieldError, match="lookup-hash"):
        list(probe_model.objects.filter(id_number="N01234567"))
    with pytest.raises(FieldError):
        list(probe_model.objects.filter(id_number__icontains="0123"))

"""The simulator's signing key: created once with fresh randomness, kept outside git, renewed near expiry."""

from __future__ import annotations

import datetime
import json
import stat

from cryptography.hazmat.primitives import serialization

from sandbox.camdigikey import keys


def test_keys_are_created_once_and_reused(settings, tmp_path):
    settings.ESB_SANDBOX_DATA_DIR = tmp_path
    first = keys.signing_material()
    path = tmp_path / keys.FILE_NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert keys.signing_material().leaf_cert == first.leaf_cert
    first.leaf_cert.verify_directly_issued_by(first.root_cert)


def test_two_checkouts_get_different_keys(settings, tmp_path):
    settings.ESB_SANDBOX_DATA_DIR = tmp_path / "a"
    a = keys.signing_material()
    settings.ESB_SANDBOX_DATA_DIR = tmp_path / "b"
    b = keys.signing_material()
    der = serialization.Encoding.DER
    assert a.leaf_cert.public_bytes(der) != b.leaf_cert.public_bytes(der)


def test_a_leaf_near_expiry_is_renewed_under_the_same_root(settings, tmp_path, monkeypatch):
    settings.ESB_SANDBOX_DATA_DIR = tmp_path
    old = keys.signing_material()
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=keys.LEAF_DAYS - 1)
    monkeypatch.setattr(keys, "_now", lambda: later)
    renewed = keys.signing_material()
    assert renewed.leaf_cert.serial_number != old.leaf_cert.serial_number
    assert renewed.root_cert == old.root_cert
    assert set(json.loads((tmp_path / keys.FILE_NAME).read_text())) == {
        "root_key",
        "root_cert",
        "leaf_key",
        "leaf_cert",
    }


def test_the_default_location_is_git_ignored(settings):
    assert str(keys.data_dir()).startswith(str(settings.BASE_DIR / ".data"))
    assert ".data/" in (settings.BASE_DIR / ".gitignore").read_text().splitlines()

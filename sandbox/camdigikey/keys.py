"""The simulator's token-signing key and certificate chain (leaf signer + sandbox root CA).

Generated on first use with fresh random keys and kept under `.data/sandbox/` (git-ignored), so every
checkout has its own keys and they survive restarts and test-database flushes. A file is created with an
exclusive link, so two processes starting together agree on one key pair. The leaf is re-issued when it
nears expiry; clients re-fetch the chain when a signature stops verifying.
"""

from __future__ import annotations

import datetime
import json
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from django.conf import settings

LEAF_DAYS = 365
ROOT_DAYS = 3650
RENEW_BEFORE = datetime.timedelta(days=7)
FILE_NAME = "camdigikey-signing.json"


@dataclass(frozen=True)
class SigningMaterial:
    leaf_key: rsa.RSAPrivateKey
    leaf_cert: x509.Certificate
    root_cert: x509.Certificate

    def chain_pems(self) -> list[str]:
        return [
            c.public_bytes(serialization.Encoding.PEM).decode("ascii")
            for c in (self.leaf_cert, self.root_cert)
        ]


def data_dir() -> Path:
    return Path(getattr(settings, "ESB_SANDBOX_DATA_DIR", settings.BASE_DIR / ".data" / "sandbox"))


_lock = threading.Lock()
_memo: dict[str, tuple[float, SigningMaterial]] = {}


def signing_material() -> SigningMaterial:
    path = data_dir() / FILE_NAME
    with _lock:
        material = _load(path)
        if material is None:
            _create(path, _generate(None))
            material = _load(path)
        elif material.leaf_cert.not_valid_after_utc - _now() < RENEW_BEFORE:
            _replace(path, _generate(material))
            material = _load(path)
        if material is None:  # pragma: no cover - the file was just written
            raise RuntimeError("the sandbox signing material could not be stored")
        return material


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _load(path: Path) -> SigningMaterial | None:
    try:
        mtime = path.stat().st_mtime
    except FileNotFoundError:
        return None
    cached = _memo.get(str(path))
    if cached and cached[0] == mtime:
        return cached[1]
    stored = json.loads(path.read_text())
    material = SigningMaterial(
        leaf_key=serialization.load_pem_private_key(stored["leaf_key"].encode(), password=None),
        leaf_cert=x509.load_pem_x509_certificate(stored["leaf_cert"].encode()),
        root_cert=x509.load_pem_x509_certificate(stored["root_cert"].encode()),
    )
    _memo[str(path)] = (mtime, material)
    return material


def _write_temp(path: Path, stored: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=".signing-", suffix=".tmp")
    with os.fdopen(fd, "w") as handle:
        json.dump(stored, handle)
    os.chmod(name, 0o600)
    return Path(name)


def _create(path: Path, stored: dict) -> None:
    temp = _write_temp(path, stored)
    try:
        os.link(temp, path)  # fails if another process created it first: theirs wins
    except FileExistsError:
        pass
    finally:
        temp.unlink(missing_ok=True)


def _replace(path: Path, stored: dict) -> None:
    os.replace(_write_temp(path, stored), path)


def _pem_key(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")


def _pem_cert(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "KH"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ESB Portal DPI sandbox (not CamDigiKey)"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _generate(previous: SigningMaterial | None) -> dict:
    """A new leaf (and, the first time, a new root). Keeping the root lets trust stores stay valid."""
    now = _now() - datetime.timedelta(minutes=5)
    stored: dict = {}
    if previous is not None and previous.root_cert.not_valid_after_utc - _now() > RENEW_BEFORE:
        path = data_dir() / FILE_NAME
        old = json.loads(path.read_text())
        root_key = serialization.load_pem_private_key(old["root_key"].encode(), password=None)
        root_cert = previous.root_cert
    else:
        root_key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
        root_cert = (
            x509.CertificateBuilder()
            .subject_name(_name("CamDigiKey Sandbox Root CA"))
            .issuer_name(_name("CamDigiKey Sandbox Root CA"))
            .public_key(root_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=ROOT_DAYS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
            )
            .sign(root_key, hashes.SHA512())
        )
    leaf_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    leaf_cert = (
        x509.CertificateBuilder()
        .subject_name(_name("CamDigiKey Sandbox Access Token Signer"))
        .issuer_name(root_cert.subject)
        .public_key(leaf_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(min(now + datetime.timedelta(days=LEAF_DAYS), root_cert.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True
        )
        .sign(root_key, hashes.SHA512())
    )
    stored.update(
        root_key=_pem_key(root_key),
        root_cert=_pem_cert(root_cert),
        leaf_key=_pem_key(leaf_key),
        leaf_cert=_pem_cert(leaf_cert),
    )
    return stored

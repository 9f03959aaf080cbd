"""The token signer's certificate chain (dpi-protocols.md §2.4): `GET …/certificates/access-token` answers
`{"data": ["<PEM leaf>", "<PEM intermediate>", …]}`; data[0] signs the tokens.

The chain is accepted when every certificate is within its validity period, each one is signed by the next,
every issuer is a CA, and — when a trust store is configured (CAMDIGIKEY_CA_BUNDLE_FILE) — the last one is,
or is signed by, a certificate of that trust store.
"""

from __future__ import annotations

import datetime
import itertools
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes

from accounts.camdigikey.errors import InvalidCertificateChain

MAX_CHAIN_LENGTH = 5


def load_chain(pems: object) -> list[x509.Certificate]:
    if not isinstance(pems, list) or not pems or len(pems) > MAX_CHAIN_LENGTH:
        raise InvalidCertificateChain("the signer certificate chain is missing or malformed")
    chain = []
    for pem in pems:
        if not isinstance(pem, str):
            raise InvalidCertificateChain("the signer certificate chain is malformed")
        try:
            chain.append(x509.load_pem_x509_certificate(pem.encode("ascii")))
        except (ValueError, UnicodeEncodeError):
            raise InvalidCertificateChain("a certificate of the signer chain is not valid PEM") from None
    return chain


def load_trust_store(path: str) -> list[x509.Certificate]:
    try:
        certificates = x509.load_pem_x509_certificates(Path(path).read_bytes())
    except (OSError, ValueError):
        raise InvalidCertificateChain("the configured CamDigiKey CA bundle cannot be read") from None
    if not certificates:
        raise InvalidCertificateChain("the configured CamDigiKey CA bundle holds no certificate")
    return certificates


def _is_ca(certificate: x509.Certificate) -> bool:
    try:
        return bool(certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def _signed_by(subject: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        subject.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def verify_chain(
    chain: list[x509.Certificate],
    trusted: list[x509.Certificate] | None = None,
    now: datetime.datetime | None = None,
) -> x509.Certificate:
    """The leaf (token signer) of a valid chain; InvalidCertificateChain otherwise."""
    if not chain:
        raise InvalidCertificateChain("the signer certificate chain is empty")
    now = now or datetime.datetime.now(datetime.UTC)
    for certificate in chain:
        if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
            raise InvalidCertificateChain("a certificate of the signer chain is expired or not yet valid")
    for subject, issuer in itertools.pairwise(chain):
        if not _is_ca(issuer) or not _signed_by(subject, issuer):
            raise InvalidCertificateChain("the signer certificate chain is broken")
    last = chain[-1]
    if trusted:
        fingerprints = {c.fingerprint(hashes.SHA256()) for c in trusted}
        if last.fingerprint(hashes.SHA256()) not in fingerprints and not any(
            _is_ca(anchor) and _signed_by(last, anchor) for anchor in trusted
        ):
            raise InvalidCertificateChain("the signer certificate chain does not lead to a trusted CA")
    elif len(chain) > 1 and last.issuer == last.subject and not _signed_by(last, last):
        raise InvalidCertificateChain("the root of the signer certificate chain is not self-signed")
    return chain[0]

"""The signer certificate chain: each certificate signed by the next, issuers are CAs, dates hold, and the
last one leads to the configured trust store."""

from __future__ import annotations

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from accounts.camdigikey import certificates
from accounts.camdigikey.errors import InvalidCertificateChain
from sandbox.camdigikey.keys import signing_material
from tests.camdigikey.conftest import make_cert, new_key


def pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def test_a_valid_chain_gives_its_leaf(pki):
    assert certificates.verify_chain([pki.leaf, pki.root]) == pki.leaf
    assert certificates.verify_chain([pki.leaf, pki.root], trusted=[pki.root]) == pki.leaf


def test_the_last_certificate_may_be_signed_by_a_trusted_ca(pki):
    # the server sends leaf + intermediate; the trust store holds the root above them
    intermediate_key = new_key()
    intermediate = make_cert("Intermediate", intermediate_key, pki.root, pki.root_key, ca=True)
    leaf = make_cert("Signer", new_key(), intermediate, intermediate_key)
    assert certificates.verify_chain([leaf, intermediate], trusted=[pki.root]) == leaf


def test_a_chain_not_leading_to_the_trust_store_is_refused(pki):
    other_root = make_cert("Other Root", new_key(), ca=True)
    with pytest.raises(InvalidCertificateChain):
        certificates.verify_chain([pki.leaf, pki.root], trusted=[other_root])


def test_a_leaf_not_signed_by_the_next_certificate_is_refused(pki):
    stranger = make_cert("Stranger", new_key(), ca=True)
    with pytest.raises(InvalidCertificateChain) as caught:
        certificates.verify_chain([pki.leaf, stranger])
    assert caught.value.code == 100


def test_an_issuer_that_is_not_a_ca_is_refused(pki):
    not_a_ca_key = new_key()
    not_a_ca = make_cert("Not a CA", not_a_ca_key, pki.root, pki.root_key, ca=False)
    leaf = make_cert("Signer", new_key(), not_a_ca, not_a_ca_key)
    with pytest.raises(InvalidCertificateChain):
        certificates.verify_chain([leaf, not_a_ca, pki.root])


@pytest.mark.parametrize(("days", "starts_days_ago"), [(-1, 30), (30, -2)], ids=["expired", "not-yet-valid"])
def test_a_certificate_outside_its_validity_is_refused(pki, days, starts_days_ago):
    leaf = make_cert("Signer", new_key(), pki.root, pki.root_key, days=days, starts_days_ago=starts_days_ago)
    with pytest.raises(InvalidCertificateChain):
        certificates.verify_chain([leaf, pki.root])


@pytest.mark.parametrize(
    "pems",
    [[], "not a list", ["-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"], [42], ["x"] * 9],
    ids=["empty", "not-a-list", "bad-pem", "not-text", "too-long"],
)
def test_a_malformed_chain_is_refused(pems):
    with pytest.raises(InvalidCertificateChain):
        certificates.load_chain(pems)


def test_a_trust_store_is_read_from_a_pem_file(pki, tmp_path):
    bundle = tmp_path / "ca.pem"
    bundle.write_text(pem(pki.root))
    assert certificates.load_trust_store(str(bundle)) == [pki.root]
    (tmp_path / "empty.pem").write_text("")
    for path in (tmp_path / "empty.pem", tmp_path / "missing.pem"):
        with pytest.raises(InvalidCertificateChain):
            certificates.load_trust_store(str(path))


def test_the_simulator_chain_is_a_valid_leaf_and_root():
    material = signing_material()
    chain = certificates.load_chain(material.chain_pems())
    assert certificates.verify_chain(chain, trusted=[material.root_cert]) == material.leaf_cert
    assert chain[1].subject == chain[1].issuer  # a self-signed root

"""eddsa-rdfc-2022 against the Open Badges 3.0 spec's own test vector; the verifier rejects every change."""

from __future__ import annotations

import copy

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from lms.certificates import signing


def vector_keys(test_vector) -> tuple[Ed25519PrivateKey, Ed25519PublicKey]:
    expected = test_vector["expected"]
    private_key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(expected["private_key_hex"])[:32])
    return private_key, Ed25519PublicKey.from_public_bytes(bytes.fromhex(expected["public_key_hex"]))


def test_canonical_nquads_match_the_vector(test_vector):
    assert signing.canonical_nquads(test_vector["credential"]) == test_vector["canonical"]


def test_proof_options_canonicalise_under_the_credentials_context(test_vector):
    options = {k: v for k, v in test_vector["signed"]["proof"].items() if k != "proofValue"}
    options["@context"] = test_vector["credential"]["@context"]
    assert signing.canonical_nquads(options) == test_vector["proof_canonical"]


def test_hashes_and_signature_reproduce_the_vector(test_vector):
    expected = test_vector["expected"]
    private_key, public_key = vector_keys(test_vector)
    proof = test_vector["signed"]["proof"]
    hashes = signing.proof_hashes(test_vector["credential"], proof)
    assert hashes.document.hex() == expected["document_hash_hex"]
    assert hashes.proof.hex() == expected["proof_hash_hex"]
    assert hashes.data_to_sign.hex() == expected["data_to_sign_hex"]
    signed = signing.sign(test_vector["credential"], private_key, proof["verificationMethod"], proof["created"])
    assert signing.base58_decode(signed["proof"]["proofValue"][1:]).hex() == expected["signature_hex"]
    assert signed == test_vector["signed"]
    assert signing.public_key_multibase(public_key) == expected["public_key_multibase"]


def test_verifier_accepts_the_signed_vector(test_vector):
    _, public_key = vector_keys(test_vector)
    signing.check_proof(test_vector["signed"], public_key)  # raises on failure


def _set(path: tuple, value):
    def change(document):
        target = document
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


def _delete(path: tuple):
    def change(document):
        target = document
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return change


CHANGES = {
    "name": (_set(("name",), "Teamwork Badge!"), "signature"),
    "issuer name": (_set(("issuer", "name"), "Other Corp"), "signature"),
    "validFrom": (_set(("validFrom",), "2010-01-02T00:00:00Z"), "signature"),
    "subject id": (_set(("credentialSubject", "id"), "did:example:someone-else"), "signature"),
    "narrative": (_set(("credentialSubject", "achievement", "criteria", "narrative"), "x"), "signature"),
    "description removed": (_delete(("credentialSubject", "achievement", "description")), "signature"),
    "proof created": (_set(("proof", "created"), "2011-01-01T19:23:24Z"), "signature"),
    "verification method": (_set(("proof", "verificationMethod"), "https://example.edu/issuers/1#key"), "signature"),
    "proofValue": (_set(("proof", "proofValue"), "z" + "1" * 87), "signature"),
    "proofValue not base58": (_set(("proof", "proofValue"), "zIIlO0"), "signature"),
    "cryptosuite": (_set(("proof", "cryptosuite"), "ecdsa-rdfc-2019"), "proof"),
    "purpose": (_set(("proof", "proofPurpose"), "authentication"), "proof"),
    "undefined property": (_set(("evil",), "not in any context"), "canonicalisation"),
    "remote context": (
        _set(("@context",), ["https://www.w3.org/ns/credentials/v2", "https://evil.example/ctx"]),
        "canonicalisation",
    ),
    "no proof": (_delete(("proof",)), "proof"),
}


@pytest.mark.parametrize("change", CHANGES, ids=list(CHANGES))
def test_verifier_rejects_any_change_and_names_the_check(test_vector, change):
    mutate, check = CHANGES[change]
    _, public_key = vector_keys(test_vector)
    document = copy.deepcopy(test_vector["signed"])
    mutate(document)
    with pytest.raises(signing.ProofError) as failure:
        signing.check_proof(document, public_key)
    assert failure.value.check == check


def test_a_different_key_fails_the_signature(test_vector):
    with pytest.raises(signing.ProofError) as failure:
        signing.check_proof(test_vector["signed"], Ed25519PrivateKey.generate().public_key())
    assert failure.value.check == "signature"


def test_document_loader_never_fetches():
    with pytest.raises(Exception, match="拒绝加载"):
        signing.document_loader("https://www.w3.org/2018/credentials/v1")


@pytest.mark.parametrize("data", [b"", b"\0\0abc", bytes(range(256)), b"\xff" * 40])
def test_base58_round_trip(data):
    assert signing.base58_decode(signing.base58_encode(data)) == data


def test_did_key_resolves_to_its_own_key():
    public_key = Ed25519PrivateKey.generate().public_key()
    did, resolved = signing.resolve_did_key(signing.did_key_method(public_key))
    assert did == signing.did_key(public_key)
    assert signing.public_key_bytes(resolved) == signing.public_key_bytes(public_key)


@pytest.mark.parametrize(
    "method",
    [
        "https://example.edu/issuers/565049#z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi",
        "did:key:zabc#zdef",
        "did:key:z1#z1",
    ],
)
def test_other_verification_methods_are_refused(method):
    with pytest.raises(signing.ProofError) as failure:
        signing.resolve_did_key(method)
    assert failure.value.check == "verification_method"

"""Our AchievementCredential: valid against the official OB 3.0 schema offline; verify names the failed check."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jsonschema import Draft201909Validator
from referencing import Registry, Resource

from lms.certificates import credential, signing
from tests.certificates.conftest import OB3

ISSUED = datetime(2026, 12, 1, 19, 30, 5, 123456)


def schema_validator() -> Draft201909Validator:
    """The official schema, its own $id in a local registry (no retrieval: an unknown $ref fails, not fetches)."""
    schema = json.loads((OB3 / "achievementcredential.schema.json").read_text())
    registry = Registry().with_resource(schema["$id"], Resource.from_contents(schema))
    return Draft201909Validator(schema, registry=registry, format_checker=Draft201909Validator.FORMAT_CHECKER)


def make_data(issuer_did: str, **changes) -> credential.CredentialData:
    fields = {
        "credential_id": "http://lms.test/verify/Abc_def-123",
        "issuer_did": issuer_did,
        "issuer_name": "销售学习平台",
        "holder_name": "欧阳娜娜",
        "employee_no": "S00120",
        "achievement_title": "高级销售技能认证",
        "achievement_description": "五个维度均达到高级。",
        "criteria": "依据指南 7.3：通过公司认证的高级销售技能培训。",
        "issued_at": ISSUED,
        "cells": (
            ("communication/advanced", "客户沟通技巧·高级", "2026-11-01"),
            ("data/advanced", "数据驱动销售决策·高级", "2026-11-05"),
        ),
    }
    return credential.CredentialData(**{**fields, **changes})


def signed_credential(key: Ed25519PrivateKey, **changes) -> dict:
    unsigned = credential.build_credential(make_data(signing.did_key(key.public_key()), **changes))
    return signing.sign(
        unsigned, key, signing.did_key_method(key.public_key()), credential.xsd_time(ISSUED), as_set=True
    )


def test_credential_validates_against_the_official_schema():
    document = signed_credential(Ed25519PrivateKey.generate())
    errors = [error.message for error in schema_validator().iter_errors(document)]
    assert errors == []
    assert document["type"] == ["VerifiableCredential", "AchievementCredential"]
    assert document["validFrom"] == "2026-12-01T19:30:05Z"


def test_schema_rejects_a_broken_credential():
    """The validator is not vacuous: a credential without its subject's achievement fails."""
    document = signed_credential(Ed25519PrivateKey.generate())
    del document["credentialSubject"]["achievement"]
    assert list(schema_validator().iter_errors(document))


def test_the_vector_fails_the_schema_only_on_its_bare_proof_object(test_vector):
    """Why we write the proof as a set: the schema wants an array, the spec's own vector has an object."""
    messages = [error.message for error in schema_validator().iter_errors(test_vector["signed"])]
    assert len(messages) == 1 and "is not of type 'array'" in messages[0]
    as_set = {**test_vector["signed"], "proof": [test_vector["signed"]["proof"]]}
    assert list(schema_validator().iter_errors(as_set)) == []


def test_verify_accepts_and_reads_back_what_it_states():
    key = Ed25519PrivateKey.generate()
    result = credential.verify_credential(signed_credential(key), ISSUED + timedelta(days=1))
    assert result.ok, result.message
    assert result.passed == list(credential.CHECKS)
    assert (result.holder_name, result.employee_no, result.achievement) == ("欧阳娜娜", "S00120", "高级销售技能认证")
    assert result.issuer_did == signing.did_key(key.public_key())
    assert result.evidence == [
        ("客户沟通技巧·高级", "达成于 2026-11-01"),
        ("数据驱动销售决策·高级", "达成于 2026-11-05"),
    ]


def _forged_issuer(document):
    document["issuer"]["id"] = signing.did_key(Ed25519PrivateKey.generate().public_key())


def _resigned_by_other_key(document):
    other = Ed25519PrivateKey.generate()
    document["proof"][0]["verificationMethod"] = signing.did_key_method(other.public_key())


FAILURES = {
    "holder renamed": (lambda d: d["credentialSubject"]["identifier"][0].update(identityHash="张三"), "signature"),
    "a dimension's date": (lambda d: d["evidence"][0].update(description="达成于 2025-01-01"), "signature"),
    "issuer is another did": (_forged_issuer, "issuer"),
    "key of someone else": (_resigned_by_other_key, "issuer"),
    "https key": (
        lambda d: d["proof"][0].update(verificationMethod="https://evil.example/key#1"),
        "verification_method",
    ),
    "extra field": (lambda d: d.update(note="加一句"), "canonicalisation"),
    "not a credential": (lambda d: d.update(type=["VerifiableCredential"]), "format"),
    "two proofs": (lambda d: d["proof"].append(d["proof"][0]), "proof"),
}


@pytest.mark.parametrize("name", FAILURES, ids=list(FAILURES))
def test_verify_names_the_failed_check(name):
    change, check = FAILURES[name]
    document = copy.deepcopy(signed_credential(Ed25519PrivateKey.generate()))
    change(document)
    result = credential.verify_credential(document, ISSUED + timedelta(days=1))
    assert (result.failed, result.ok) == (check, False), result.message


def test_a_forged_credential_signed_by_its_own_did_key_still_verifies_cryptographically():
    """Anyone can mint a did:key credential: trust is the caller's check (lms certificates verify compares the key)."""
    result = credential.verify_credential(signed_credential(Ed25519PrivateKey.generate()), ISSUED + timedelta(days=1))
    assert result.ok


def test_not_yet_valid_and_expired():
    key = Ed25519PrivateKey.generate()
    assert credential.verify_credential(signed_credential(key), ISSUED - timedelta(days=1)).failed == "validity"
    unsigned = credential.build_credential(make_data(signing.did_key(key.public_key())))
    unsigned["validUntil"] = "2026-12-05T00:00:00Z"
    document = signing.sign(unsigned, key, signing.did_key_method(key.public_key()), "2026-12-01T19:30:05Z")
    assert credential.verify_credential(document, datetime(2026, 12, 4)).ok
    assert credential.verify_credential(document, datetime(2026, 12, 6)).failed == "validity"


@pytest.mark.parametrize("document", [[], "text", {"@context": ["https://example.com"]}, {}])
def test_malformed_documents_fail_format(document):
    assert credential.verify_credential(document, ISSUED).failed == "format"

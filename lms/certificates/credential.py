"""The certificate as an Open Badges 3.0 `AchievementCredential` (a W3C VC 2.0), and its offline verification.

Pure: no Flask, no database. `build_credential` lays out the unsigned document,
`signing.sign` adds the eddsa-rdfc-2022 proof, and `verify_credential` runs the
checks in order and names the first that fails (`Verification.failed`).

The holder's name and employee number are `IdentityObject`s (OB 3.0 allows a
plaintext identity); the five dimensions and their dates are `evidence` entries,
so they are inside what the proof signs.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from lms.certificates import signing

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CREDENTIAL_TYPES = ("VerifiableCredential", "AchievementCredential")
EMPLOYEE_NO_IDENTITY = "ext:employeeNo"

# The checks, in the order they run, with the Chinese name the output uses.
CHECKS = {
    "format": "凭证格式",
    "canonicalisation": "规范化（JSON-LD）",
    "proof": "签名类型",
    "verification_method": "验证方法（did:key）",
    "issuer": "签发者与签名密钥一致",
    "signature": "签名",
    "validity": "有效期",
}


@dataclass(frozen=True)
class CredentialData:
    """What a certificate credential states."""

    credential_id: str  # the verification URL
    issuer_did: str
    issuer_name: str
    holder_name: str
    employee_no: str
    achievement_title: str
    achievement_description: str
    criteria: str
    issued_at: datetime  # naive UTC
    cells: tuple[tuple[str, str, str], ...]  # (cell key, label, "YYYY-MM-DD")


def xsd_time(moment: datetime) -> str:
    """A naive UTC time as a VC dateTimeStamp: 2026-12-01T08:30:00Z."""
    return moment.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def achievement_id(title: str) -> str:
    """A stable URN for the achievement (the same for everyone certified under one title)."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'lms-certification:' + title)}"


def build_credential(data: CredentialData) -> dict:
    """The unsigned AchievementCredential."""
    issued = xsd_time(data.issued_at)
    return {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": data.credential_id,
        "type": list(CREDENTIAL_TYPES),
        "issuer": {"id": data.issuer_did, "type": ["Profile"], "name": data.issuer_name},
        "validFrom": issued,
        "awardedDate": issued,
        "name": data.achievement_title,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                _identity("name", data.holder_name),
                _identity(EMPLOYEE_NO_IDENTITY, data.employee_no),
            ],
            "achievement": {
                "id": achievement_id(data.achievement_title),
                "type": ["Achievement"],
                "achievementType": "Certificate",
                "name": data.achievement_title,
                "description": data.achievement_description,
                "criteria": {"narrative": data.criteria},
            },
        },
        "evidence": [
            {"type": ["Evidence"], "id": f"{data.credential_id}#{key}", "name": label, "description": f"达成于 {day}"}
            for key, label, day in data.cells
        ],
    }


def _identity(identity_type: str, value: str) -> dict:
    return {"type": "IdentityObject", "identityType": identity_type, "hashed": False, "identityHash": value}


# --- verification ---------------------------------------------------------------------------------


@dataclass
class Verification:
    """The outcome of the checks: those passed, the one that failed (with why), and what the credential says."""

    passed: list[str] = field(default_factory=list)
    failed: str | None = None
    message: str = ""
    issuer_did: str = ""
    issuer_name: str = ""
    holder_name: str = ""
    employee_no: str = ""
    achievement: str = ""
    valid_from: str = ""
    credential_id: str = ""
    evidence: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.failed is None

    def fail(self, check: str, message: str) -> Verification:
        self.failed, self.message = check, message
        return self


def verify_credential(document: object, now: datetime) -> Verification:
    """Check a credential offline: format, canonicalisation, proof, did:key, issuer binding, signature, dates.

    Stops at the first failed check. Trust in the issuer (is this did:key ours?)
    and revocation are for the caller, which knows the instance.
    """
    result = Verification()
    problem = _format_problem(document)
    if problem:
        return result.fail("format", problem)
    assert isinstance(document, dict)
    describe_credential(document, result)
    result.passed.append("format")
    try:
        signing.canonical_nquads({key: value for key, value in document.items() if key != "proof"})
        result.passed.append("canonicalisation")
        proof = signing.single_proof(document)
        _proof_header(proof)
        result.passed.append("proof")
        controller, public_key = signing.resolve_did_key(proof.get("verificationMethod") or "")
        result.passed.append("verification_method")
        if controller != result.issuer_did:
            return result.fail("issuer", f"签名密钥属于 {controller}，而凭证写明的签发者是 {result.issuer_did}")
        result.passed.append("issuer")
        signing.check_proof(document, public_key)
        result.passed.append("signature")
    except signing.ProofError as error:
        return result.fail(error.check, str(error))
    problem = _validity_problem(document, now)
    if problem:
        return result.fail("validity", problem)
    result.passed.append("validity")
    return result


def _format_problem(document: object) -> str | None:
    if not isinstance(document, dict):
        return "凭证应是 JSON 对象"
    context = document.get("@context")
    if not isinstance(context, list) or context[:1] != [VC_CONTEXT]:
        return f"@context 的第一项应是 {VC_CONTEXT}"
    types = document.get("type")
    if not isinstance(types, list) or "VerifiableCredential" not in types:
        return "type 应含 VerifiableCredential"
    if not {"AchievementCredential", "OpenBadgeCredential"} & set(types):
        return "type 应含 AchievementCredential（Open Badges 3.0）"
    for key in ("issuer", "credentialSubject", "validFrom"):
        if key not in document:
            return f"缺少 {key}"
    if "proof" not in document:
        return "没有签名（proof）"
    if not isinstance(document.get("credentialSubject"), dict):
        return "credentialSubject 应是对象"
    return None


def describe_credential(document: dict, result: Verification) -> None:
    """Copy what the credential says into the result (shown even when a later check fails)."""
    issuer = document.get("issuer")
    result.issuer_did = issuer.get("id", "") if isinstance(issuer, dict) else str(issuer)
    result.issuer_name = issuer.get("name", "") if isinstance(issuer, dict) else ""
    subject = document["credentialSubject"]
    for identity in subject.get("identifier") or []:
        if isinstance(identity, dict) and identity.get("identityType") == "name":
            result.holder_name = str(identity.get("identityHash", ""))
        if isinstance(identity, dict) and identity.get("identityType") == EMPLOYEE_NO_IDENTITY:
            result.employee_no = str(identity.get("identityHash", ""))
    achievement = subject.get("achievement")
    result.achievement = str(achievement.get("name", "")) if isinstance(achievement, dict) else ""
    result.valid_from = str(document.get("validFrom", ""))
    result.credential_id = str(document.get("id", ""))
    for item in document.get("evidence") or []:
        if isinstance(item, dict):
            result.evidence.append((str(item.get("name", "")), str(item.get("description", ""))))


def _proof_header(proof: dict) -> None:
    if proof.get("type") != signing.PROOF_TYPE or proof.get("cryptosuite") != signing.CRYPTOSUITE:
        raise signing.ProofError("proof", f"签名类型应为 {signing.PROOF_TYPE} / {signing.CRYPTOSUITE}")
    if proof.get("proofPurpose") != "assertionMethod":
        raise signing.ProofError("proof", "签名用途（proofPurpose）应为 assertionMethod")


def parse_xsd_time(value: object) -> datetime | None:
    """A VC dateTime as naive UTC; None when it is not one."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return moment.astimezone(UTC).replace(tzinfo=None)


def _validity_problem(document: dict, now: datetime) -> str | None:
    valid_from = parse_xsd_time(document.get("validFrom"))
    if valid_from is None:
        return "validFrom 不是带时区的时间"
    if valid_from > now:
        return f"尚未生效（validFrom {document['validFrom']}）"
    if "validUntil" in document:
        valid_until = parse_xsd_time(document["validUntil"])
        if valid_until is None or valid_until <= now:
            return f"已过期（validUntil {document['validUntil']}）"
    return None

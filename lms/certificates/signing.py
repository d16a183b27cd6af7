"""Data Integrity proofs with the `eddsa-rdfc-2022` cryptosuite (W3C vc-di-eddsa), offline (pure: no Flask).

Signing a credential, as the cryptosuite defines it:
1. canonicalise the credential without its proof (JSON-LD → RDF → RDFC-1.0, which is
   URDNA2015 under its standard name) and hash the N-Quads with SHA-256;
2. canonicalise the proof options (the proof without `proofValue`, under the
   credential's own `@context`) and hash them the same way;
3. sign proof hash ‖ document hash with Ed25519; `proofValue` is the signature
   in base58btc multibase ("z…").

JSON-LD contexts come only from the files shipped in `contexts/`: the document
loader refuses every other URL, so neither signing nor verifying ever touches
the network, and a credential naming an unknown context fails to verify.

A property that no context defines is dropped by JSON-LD expansion and would
therefore not be signed; canonicalisation refuses such documents instead, so a
field added to a signed credential cannot slip past the signature.
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pyld.jsonld import JsonLdError, JsonLdProcessor

CONTEXT_DIR = Path(__file__).with_name("contexts")
CONTEXT_FILES = {
    "https://www.w3.org/ns/credentials/v2": "credentials-v2.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json": "ob-v3p0-context-3.0.3.json",
    "https://w3id.org/security/data-integrity/v2": "security-data-integrity-v2.json",
    "https://w3id.org/security/multikey/v1": "security-multikey-v1.json",
}
CRYPTOSUITE = "eddsa-rdfc-2022"
PROOF_TYPE = "DataIntegrityProof"
# The multicodec prefix of an Ed25519 public key (0xed, varint-encoded) in a Multikey / did:key.
ED25519_PUB_PREFIX = b"\xed\x01"
_BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


class ProofError(Exception):
    """A credential cannot be canonicalised, signed or verified; `check` names the step that failed."""

    def __init__(self, check: str, message: str):
        super().__init__(message)
        self.check = check


# --- base58btc / multibase / did:key --------------------------------------------------------------


def base58_encode(data: bytes) -> str:
    """Bitcoin base58 (the alphabet multibase's "z" prefix names)."""
    number = int.from_bytes(data, "big")
    text = ""
    while number:
        number, remainder = divmod(number, 58)
        text = _BASE58_ALPHABET[remainder] + text
    leading_zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * leading_zeros + text


def base58_decode(text: str) -> bytes:
    """The bytes of a base58 string; ValueError on a character outside the alphabet."""
    number = 0
    for char in text:
        index = _BASE58_ALPHABET.find(char)
        if index < 0:
            raise ValueError(f"not base58: {char!r}")
        number = number * 58 + index
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    leading_ones = len(text) - len(text.lstrip("1"))
    return b"\0" * leading_ones + body


def public_key_multibase(public_key: Ed25519PublicKey) -> str:
    """The key as a Multikey `publicKeyMultibase`: "z" + base58btc(0xed01 ‖ 32 raw bytes)."""
    return "z" + base58_encode(ED25519_PUB_PREFIX + public_key_bytes(public_key))


def public_key_from_multibase(value: str) -> Ed25519PublicKey:
    """The Ed25519 key a "z6Mk…" multibase names; ProofError("verification_method") otherwise."""
    try:
        raw = base58_decode(value[1:]) if value.startswith("z") else b""
    except ValueError:
        raw = b""
    if len(raw) != 34 or not raw.startswith(ED25519_PUB_PREFIX):
        raise ProofError("verification_method", f"不是 Ed25519 公钥（Multikey）：{value!r}")
    return Ed25519PublicKey.from_public_bytes(raw[2:])


def public_key_bytes(public_key: Ed25519PublicKey) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def did_key(public_key: Ed25519PublicKey) -> str:
    """The `did:key` of an Ed25519 key: did:key:z6Mk…"""
    return "did:key:" + public_key_multibase(public_key)


def did_key_method(public_key: Ed25519PublicKey) -> str:
    """The did:key's one verification method id: did:key:z6Mk…#z6Mk…"""
    multibase = public_key_multibase(public_key)
    return f"did:key:{multibase}#{multibase}"


def resolve_did_key(method: str) -> tuple[str, Ed25519PublicKey]:
    """(controller DID, public key) of a did:key verification method; ProofError otherwise.

    A did:key resolves by itself (the key is in the identifier), which is why it
    verifies offline; any other DID method or URL would need a lookup.
    """
    did, _, fragment = method.partition("#")
    if not did.startswith("did:key:") or fragment != did.removeprefix("did:key:"):
        raise ProofError("verification_method", f"验证方法不是 did:key（无法离线解析）：{method!r}")
    return did, public_key_from_multibase(fragment)


# --- canonicalisation -----------------------------------------------------------------------------


@cache
def _context_document(url: str) -> dict:
    return json.loads((CONTEXT_DIR / CONTEXT_FILES[url]).read_text(encoding="utf-8"))


def document_loader(url: str, options: dict | None = None) -> dict:
    """Serve the shipped contexts; refuse every other URL (no network, ever)."""
    if url not in CONTEXT_FILES:
        raise JsonLdError(f"拒绝加载未随软件提供的 JSON-LD 上下文：{url}", "jsonld.LoadDocumentError")
    return {"contextUrl": None, "documentUrl": url, "document": copy.deepcopy(_context_document(url))}


def canonical_nquads(document: dict) -> str:
    """RDFC-1.0 (URDNA2015) canonical N-Quads of a JSON-LD document, contexts from the shipped files.

    Raises ProofError("canonicalisation") for an unknown context, invalid JSON-LD,
    or a property that no context defines (it would be left unsigned).
    """
    dropped: list[str] = []
    processor = JsonLdProcessor(on_property_dropped=dropped.append)
    options = {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": document_loader}
    try:
        nquads = processor.normalize(document, options)
    except JsonLdError as error:
        raise ProofError("canonicalisation", f"无法规范化（JSON-LD）：{_root_cause(error)}") from error
    if dropped:
        raise ProofError("canonicalisation", f"含有上下文未定义的属性（不会被签名）：{', '.join(sorted(set(dropped)))}")
    return nquads


def _root_cause(error: BaseException) -> str:
    while error.__cause__ is not None:
        error = error.__cause__
    return str(error)


def _sha256(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


@dataclass(frozen=True)
class Hashes:
    """The two hashes eddsa-rdfc-2022 signs, and what it signs (proof hash ‖ document hash)."""

    document: bytes
    proof: bytes

    @property
    def data_to_sign(self) -> bytes:
        return self.proof + self.document


def proof_hashes(unsigned: dict, proof_options: dict) -> Hashes:
    """Hash the credential (without proof) and the proof options (without proofValue) as the cryptosuite says."""
    document = {key: value for key, value in unsigned.items() if key != "proof"}
    options = {key: value for key, value in proof_options.items() if key != "proofValue"}
    options["@context"] = document.get("@context")
    return Hashes(document=_sha256(canonical_nquads(document)), proof=_sha256(canonical_nquads(options)))


def sign(
    unsigned: dict, private_key: Ed25519PrivateKey, verification_method: str, created: str, as_set: bool = False
) -> dict:
    """The credential with an eddsa-rdfc-2022 DataIntegrityProof added (`created` as "YYYY-MM-DDThh:mm:ssZ").

    `as_set` writes `proof` as a list of one proof (a proof set), which the OB 3.0
    JSON Schema requires; the spec's test vector writes the bare object. Both sign the same bytes.
    """
    proof = {
        "type": PROOF_TYPE,
        "created": created,
        "verificationMethod": verification_method,
        "cryptosuite": CRYPTOSUITE,
        "proofPurpose": "assertionMethod",
    }
    hashes = proof_hashes(unsigned, proof)
    proof["proofValue"] = "z" + base58_encode(private_key.sign(hashes.data_to_sign))
    return {**{key: value for key, value in unsigned.items() if key != "proof"}, "proof": [proof] if as_set else proof}


def single_proof(signed: dict) -> dict:
    """The credential's one proof, written as an object or a list of one; ProofError("proof") otherwise."""
    proof = signed.get("proof")
    if isinstance(proof, list) and len(proof) == 1:
        proof = proof[0]
    if not isinstance(proof, dict):
        raise ProofError("proof", "没有签名（proof），或有多个签名")
    return proof


def check_proof(signed: dict, public_key: Ed25519PublicKey) -> None:
    """Verify the credential's one proof with `public_key`; ProofError naming the failed check otherwise."""
    proof = single_proof(signed)
    if proof.get("type") != PROOF_TYPE or proof.get("cryptosuite") != CRYPTOSUITE:
        raise ProofError("proof", f"签名类型应为 {PROOF_TYPE} / {CRYPTOSUITE}")
    if proof.get("proofPurpose") != "assertionMethod":
        raise ProofError("proof", "签名用途（proofPurpose）应为 assertionMethod")
    value = proof.get("proofValue")
    try:
        signature = base58_decode(value[1:]) if isinstance(value, str) and value.startswith("z") else b""
    except ValueError:
        signature = b""
    if len(signature) != 64:
        raise ProofError("signature", "签名值（proofValue）不是 base58btc 编码的 64 字节 Ed25519 签名")
    hashes = proof_hashes(signed, proof)
    try:
        public_key.verify(signature, hashes.data_to_sign)
    except InvalidSignature:
        raise ProofError("signature", "签名与内容不符：凭证在签发后被改动，或不是此密钥签发") from None

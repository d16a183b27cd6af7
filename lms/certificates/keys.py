"""The instance's credential signing key: an Ed25519 key in the instance folder, and its did:key.

`lms setup` creates `credential-signing-key.pem` (PKCS#8, mode 0600) once; it is
never overwritten, since every credential issued so far names its public key.
The issuer is the key's `did:key`: it resolves from the identifier alone, so a
credential verifies offline, without a published key document or a reachable
web site (an https issuer would need both). A verifier learns whether a did:key
is *this* company's from `lms certificates key`, printed on the verify output.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, load_pem_private_key

from lms.certificates import signing

KEY_FILE_NAME = "credential-signing-key.pem"


class SigningKeyError(Exception):
    """The key file is missing or not an Ed25519 private key."""


@dataclass(frozen=True)
class SigningKey:
    """The private key and the names it goes by in credentials."""

    private_key: Ed25519PrivateKey
    path: str

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    @cached_property
    def did(self) -> str:
        return signing.did_key(self.public_key)

    @cached_property
    def key_id(self) -> str:
        """The verification method id: did:key:z6Mk…#z6Mk…"""
        return signing.did_key_method(self.public_key)


def key_path(config: dict, instance_path: str) -> Path:
    """Where the key lives: CREDENTIAL_KEY_FILE when set, else the instance folder."""
    return Path(config.get("CREDENTIAL_KEY_FILE") or Path(instance_path) / KEY_FILE_NAME)


def create_key_file(path: Path) -> bool:
    """Create a new Ed25519 key at `path` (0600) unless one exists; True when it was created.

    O_EXCL makes two processes racing here end with one key: the loser keeps the winner's file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(pem)
    return True


def load_key_file(path: Path) -> SigningKey:
    """Read the key; SigningKeyError when it is missing or not an Ed25519 private key."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SigningKeyError(f"找不到凭证签名密钥 {path}：请运行 lms setup 生成") from None
    try:
        private_key = load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as error:
        raise SigningKeyError(f"凭证签名密钥 {path} 无法读取：{error}") from None
    if not isinstance(private_key, Ed25519PrivateKey):
        raise SigningKeyError(f"凭证签名密钥 {path} 不是 Ed25519 私钥")
    return SigningKey(private_key=private_key, path=str(path))

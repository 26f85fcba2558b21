"""The signing service: the only code that decrypts a seal's private key, and only in memory.

Private keys are encrypted with SM4-GCM under the master key's "seal-keys" purpose key, bound to
their key id, so a ciphertext copied to another key's row does not decrypt.
"""

from __future__ import annotations

from dgov.core import crypto
from dgov.licences.models import SealKey

PURPOSE = "seal-keys"


def _context(key_id: str) -> str:
    return f"licences.sealkey:{key_id}"


def keypair_new(key_id: str) -> tuple[str, str]:
    """A new SM2 key pair as (public key hex, encrypted private key)."""
    private_hex, public_hex = crypto.sm2_generate_keypair()
    return public_hex, crypto.sm4_encrypt_text(private_hex, context=_context(key_id), purpose=PURPOSE)


def sign(key: SealKey, message: bytes) -> str:
    """The DER SM2 signature (hex) of message with key."""
    private_hex = crypto.sm4_decrypt_text(key.private_key_enc, context=_context(key.key_id), purpose=PURPOSE)
    try:
        return crypto.sm2_sign(private_hex, key.public_key, message)
    finally:
        del private_hex


def verify(public_key: str, message: bytes, signature_hex: str) -> bool:
    return crypto.sm2_verify(public_key, message, signature_hex)

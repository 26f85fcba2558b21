"""The only code that decrypts the platform's exchange private key, and only in memory.

Private keys are encrypted with SM4-GCM under the master key's ``crossregion-keys`` purpose key,
bound to their key id (the pattern of dgov.licences.signing), so a ciphertext copied to another
key's row does not decrypt. Signatures are SM2 with SM3 and the default signer id
(dgov.core.crypto), DER-encoded; on the wire they travel as base64.
"""

from __future__ import annotations

import base64
import binascii

from dgov.core import crypto
from dgov.crossregion.models import ExchangeKey

PURPOSE = "crossregion-keys"


def _context(key_id: str) -> str:
    return f"crossregion.exchangekey:{key_id}"


def keypair_new(key_id: str) -> tuple[str, str]:
    """A new SM2 key pair as (public key hex, encrypted private key)."""
    private_hex, public_hex = crypto.sm2_generate_keypair()
    return public_hex, crypto.sm4_encrypt_text(private_hex, context=_context(key_id), purpose=PURPOSE)


def sign(key: ExchangeKey, message: bytes) -> str:
    """The base64 DER SM2 signature of message with key."""
    private_hex = crypto.sm4_decrypt_text(key.private_key_enc, context=_context(key.key_id), purpose=PURPOSE)
    try:
        signature_hex = crypto.sm2_sign(private_hex, key.public_key, message)
    finally:
        del private_hex
    return base64.b64encode(bytes.fromhex(signature_hex)).decode("ascii")


def verify(public_key: str, message: bytes, signature_b64: str) -> bool:
    """True when signature_b64 is a valid signature of message under public_key."""
    try:
        signature = base64.b64decode(signature_b64.strip(), validate=True)
    except (binascii.Error, ValueError):
        return False
    if not signature:
        return False
    return crypto.sm2_verify(public_key, message, signature.hex())


def public_key_valid(public_key: str) -> bool:
    """Whether public_key is an SM2 public key in the form dgov.core.crypto expects."""
    try:
        crypto.sm2_signer_z(public_key.strip().lower())
    except crypto.KeyFormatError:
        return False
    return True

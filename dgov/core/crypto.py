"""SM2/SM3/SM4 (GB/T 32918, 32905, 32907) behind one module, so the library can be swapped.

The implementation is GmSSL's C code through the gmssl-pyx binding. Nothing else in the project
imports gmssl_pyx.

Keys derived from DGOV_MASTER_KEY are separated by purpose with HMAC-SM3, so that the key that
encrypts personal data is not the key that makes its search digest or chains the audit trail.
"""

from __future__ import annotations

import base64
import functools
import hmac

import gmssl_pyx
from django.conf import settings

_FIELD_PREFIX = "sm4gcm1:"
_IV_BYTES = 12
_TAG_BYTES = 16


class DecryptionError(ValueError):
    """A ciphertext was altered, truncated or made under another key."""


def sm3_hex(data: bytes) -> str:
    """The SM3 digest of data as 64 lowercase hex digits."""
    return gmssl_pyx.sm3_hash(data).hex()


def hmac_sm3_hex(key: bytes, data: bytes) -> str:
    """HMAC-SM3 of data under key, as 64 lowercase hex digits."""
    return gmssl_pyx.sm3_hmac(key, data).hex()


def random_bytes(n: int) -> bytes:
    return gmssl_pyx.rand_bytes(n)


@functools.lru_cache(maxsize=16)
def _derived_key(master_hex: str, purpose: str, length: int) -> bytes:
    master = bytes.fromhex(master_hex)
    return gmssl_pyx.sm3_hmac(master, b"dgov:" + purpose.encode("ascii"))[:length]


def purpose_key(purpose: str, length: int = 32) -> bytes:
    """A key for one purpose (``field-encryption``, ``field-digest``, ``audit-chain`` …)."""
    return _derived_key(settings.DGOV_MASTER_KEY, purpose, length)


def sm4_encrypt_text(plaintext: str, *, context: str) -> str:
    """Encrypt text with SM4-GCM under the field key; ``context`` is bound as associated data."""
    key = purpose_key("field-encryption", 16)
    iv = random_bytes(_IV_BYTES)
    ciphertext, tag = gmssl_pyx.sm4_gcm_encrypt(key, iv, context.encode(), plaintext.encode("utf-8"))
    return _FIELD_PREFIX + base64.b64encode(iv + tag + ciphertext).decode("ascii")


def sm4_decrypt_text(token: str, *, context: str) -> str:
    """Reverse of :func:`sm4_encrypt_text`; raises DecryptionError on any tampering."""
    if not token.startswith(_FIELD_PREFIX):
        raise DecryptionError("not an SM4-GCM field ciphertext")
    try:
        raw = base64.b64decode(token[len(_FIELD_PREFIX) :], validate=True)
    except ValueError as exc:
        raise DecryptionError("ciphertext is not valid base64") from exc
    if len(raw) < _IV_BYTES + _TAG_BYTES:
        raise DecryptionError("ciphertext is truncated")
    iv, tag, body = raw[:_IV_BYTES], raw[_IV_BYTES : _IV_BYTES + _TAG_BYTES], raw[_IV_BYTES + _TAG_BYTES :]
    key = purpose_key("field-encryption", 16)
    try:
        return gmssl_pyx.sm4_gcm_decrypt(key, iv, context.encode(), body, tag).decode("utf-8")
    except gmssl_pyx.GmsslInnerError as exc:
        raise DecryptionError("ciphertext failed authentication") from exc


def search_digest(value: str, *, context: str) -> str:
    """Keyed SM3 digest of a normalised value, so encrypted columns can be searched for equality."""
    return hmac_sm3_hex(purpose_key("field-digest"), f"{context}:{value}".encode())


def constant_time_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


# --- SM2 signatures ---------------------------------------------------------------------------


def sm2_generate_keypair() -> tuple[str, str]:
    """A new SM2 key pair as (private key hex, public key hex in uncompressed 04||x||y form)."""
    public, private = gmssl_pyx.sm2_key_generate()
    return private.hex(), "04" + public.hex()


def sm2_sign(private_hex: str, public_hex: str, message: bytes) -> str:
    """SM2 signature (with the default signer id, SM3 over Z||M), DER-encoded, as hex."""
    public = gmssl_pyx.normalize_sm2_public_key(public_hex)
    return gmssl_pyx.sm2_sign(bytes.fromhex(private_hex), public, message).hex()


def sm2_verify(public_hex: str, message: bytes, signature_hex: str) -> bool:
    """True when signature_hex is a valid SM2 signature of message under the public key."""
    try:
        public = gmssl_pyx.normalize_sm2_public_key(public_hex)
        return bool(gmssl_pyx.sm2_verify(public, message, bytes.fromhex(signature_hex)))
    except (gmssl_pyx.GmsslInnerError, ValueError):
        return False

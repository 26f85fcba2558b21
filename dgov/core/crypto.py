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


def sm4_encrypt_text(plaintext: str, *, context: str, purpose: str = "field-encryption") -> str:
    """Encrypt text with SM4-GCM under the purpose's key; ``context`` is bound as associated data."""
    key = purpose_key(purpose, 16)
    iv = random_bytes(_IV_BYTES)
    ciphertext, tag = gmssl_pyx.sm4_gcm_encrypt(key, iv, context.encode(), plaintext.encode("utf-8"))
    return _FIELD_PREFIX + base64.b64encode(iv + tag + ciphertext).decode("ascii")


def sm4_decrypt_text(token: str, *, context: str, purpose: str = "field-encryption") -> str:
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
    key = purpose_key(purpose, 16)
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

# GB/T 32918.5 curve parameters (sm2p256v1), used for the signer's Z value (GB/T 32918.2, 5.5).
_SM2_A = bytes.fromhex("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC")
_SM2_B = bytes.fromhex("28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93")
_SM2_GX = bytes.fromhex("32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7")
_SM2_GY = bytes.fromhex("BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0")

SM2_DEFAULT_SIGNER_ID = b"1234567812345678"
SM2_ALGORITHM = "SM2-with-SM3"


class KeyFormatError(ValueError):
    """A key is not in the expected hex form."""


def sm2_generate_keypair() -> tuple[str, str]:
    """A new SM2 key pair as (private key hex, public key hex in uncompressed 04||x||y form)."""
    public, private = gmssl_pyx.sm2_key_generate()
    return private.hex(), "04" + public.hex()


def _public_xy(public_hex: str) -> bytes:
    """The 64 bytes x||y of a public key given as 04||x||y (130 hex digits) or x||y (128)."""
    text = public_hex.strip().lower()
    if len(text) == 130 and text.startswith("04"):
        text = text[2:]
    if len(text) != 128:
        raise KeyFormatError("an SM2 public key is 04||x||y in 130 hex digits")
    try:
        return bytes.fromhex(text)
    except ValueError as exc:
        raise KeyFormatError("an SM2 public key is hex") from exc


@functools.lru_cache(maxsize=256)
def sm2_signer_z(public_hex: str, signer_id: bytes = SM2_DEFAULT_SIGNER_ID) -> bytes:
    """Z = SM3(ENTL || ID || a || b || xG || yG || xA || yA), which binds a signature to its signer."""
    entl = (len(signer_id) * 8).to_bytes(2, "big")
    return gmssl_pyx.sm3_hash(entl + signer_id + _SM2_A + _SM2_B + _SM2_GX + _SM2_GY + _public_xy(public_hex))


def _sm2_digest(public_hex: str, message: bytes) -> bytes:
    return gmssl_pyx.sm3_hash(sm2_signer_z(public_hex) + message)


def sm2_sign(private_hex: str, public_hex: str, message: bytes) -> str:
    """SM2 signature of message (SM3 over Z||M, default signer id), DER-encoded as in GB/T 35276, as hex.

    Z is computed here once per key and the C library signs the digest: the binding's own
    message-signing call costs ten times as much for the same signature."""
    try:
        private = bytes.fromhex(private_hex)
    except ValueError as exc:
        raise KeyFormatError("an SM2 private key is 64 hex digits") from exc
    if len(private) != 32:
        raise KeyFormatError("an SM2 private key is 64 hex digits")
    return gmssl_pyx.sm2_sign_sm3_digest(private, _sm2_digest(public_hex, message)).hex()


def sm2_verify(public_hex: str, message: bytes, signature_hex: str) -> bool:
    """True when signature_hex is a valid DER SM2 signature of message under the public key."""
    try:
        xy = _public_xy(public_hex)
        signature = bytes.fromhex(signature_hex)
        return bool(gmssl_pyx.sm2_verify_sm3_digest(xy, _sm2_digest(public_hex, message), signature))
    except (gmssl_pyx.GmsslInnerError, ValueError):
        return False

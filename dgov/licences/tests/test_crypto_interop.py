"""SM2 signatures interoperate with an independent implementation: gmssl, the pure-Python library
(a test-only dependency), stands in for a third party's offline verifier that has nothing but the
published key list. Signatures cross in both directions; an altered message fails in both."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from gmssl import sm2 as gmssl_sm2  # type: ignore[import-untyped]

from dgov.core import crypto
from dgov.licences import signing
from dgov.licences.canonical import canonical_bytes, licence_document
from dgov.licences.models import Licence, SealKey
from dgov.licences.selectors import published_keys
from dgov.licences.tests.conftest import current_key
from dgov.licences.verification import PREFIX, qr_payload

MESSAGE = "江海区市场监督管理局 · 食品经营许可证 · JY14407040000001".encode()


def third_party(public_hex: str, private_hex: str = "") -> Any:
    """gmssl's SM2 for a public key given as 04||x||y (130 hex digits) or x||y (128).

    gmssl strips a leading "04" with str.lstrip("04"), which also eats any 0 and 4 digits that
    follow; so the attribute is set to x||y after construction rather than trusting that."""
    xy = public_hex[2:] if len(public_hex) == 130 else public_hex
    assert len(xy) == 128
    sm2 = gmssl_sm2.CryptSM2(private_key=private_hex or None, public_key=xy, mode=1)
    sm2.public_key = xy
    return sm2


def der_to_rs(der_hex: str) -> str:
    r, s = decode_dss_signature(bytes.fromhex(der_hex))
    return f"{r:064x}{s:064x}"


def rs_to_der(rs_hex: str) -> str:
    return encode_dss_signature(int(rs_hex[:64], 16), int(rs_hex[64:], 16)).hex()


def gmssl_sign(sm2: Any, message: bytes) -> str:
    signature = None
    while signature is None:  # gmssl returns None for the rare nonce that gives r = 0 or s = 0
        signature = sm2.sign_with_sm3(message)
    return str(signature)


def _unb64u(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


def _published() -> dict[str, dict[str, Any]]:
    """The key list as a third party receives it: JSON text, parsed, indexed by key id."""
    text = json.dumps(published_keys(), ensure_ascii=False)
    return {k["key_id"]: k for k in json.loads(text)}


# --- the digest both libraries sign ----------------------------------------------------------


def test_both_libraries_hash_the_same_z_and_message() -> None:
    private_hex, public_hex = crypto.sm2_generate_keypair()
    ours = crypto.sm3_hex(crypto.sm2_signer_z(public_hex) + MESSAGE)
    assert third_party(public_hex)._sm3_z(MESSAGE) == ours
    assert len(public_hex) == 130 and public_hex.startswith("04") and len(private_hex) == 64


# --- platform -> third party -----------------------------------------------------------------


@pytest.mark.parametrize("n", range(5))
def test_a_platform_signature_verifies_with_gmssl(n: int) -> None:
    private_hex, public_hex = crypto.sm2_generate_keypair()
    message = MESSAGE + str(n).encode()
    signature = crypto.sm2_sign(private_hex, public_hex, message)
    assert bytes.fromhex(signature)[0] == 0x30  # DER SEQUENCE (GB/T 35276)
    verifier = third_party(public_hex)
    assert verifier.verify_with_sm3(der_to_rs(signature), message)
    assert not verifier.verify_with_sm3(der_to_rs(signature), message + b" ")
    assert not verifier.verify_with_sm3(der_to_rs(signature), _flip(message, 0))


def test_a_seal_signature_verifies_with_gmssl_from_the_published_key(food_licence: Licence) -> None:
    key = current_key(food_licence.issuer)
    signature = signing.sign(key, MESSAGE)
    published = _published()[key.key_id]
    assert published["public_key"] == key.public_key and published["signer_id"] == "1234567812345678"
    assert published["algorithm"] == "SM2-with-SM3" and published["curve"] == "sm2p256v1"
    verifier = third_party(published["public_key"])
    assert verifier.verify_with_sm3(der_to_rs(signature), MESSAGE)
    assert not verifier.verify_with_sm3(der_to_rs(signature), MESSAGE[:-1])
    # Another department's published key does not verify it.
    other = next(k for kid, k in _published().items() if kid != key.key_id)
    assert not third_party(other["public_key"]).verify_with_sm3(der_to_rs(signature), MESSAGE)


# --- third party -> platform -----------------------------------------------------------------


@pytest.mark.parametrize("n", range(5))
def test_a_gmssl_signature_verifies_with_the_platform(n: int) -> None:
    private_hex, public_hex = crypto.sm2_generate_keypair()
    message = MESSAGE + str(n).encode()
    rs = gmssl_sign(third_party(public_hex, private_hex), message)
    assert len(rs) == 128
    der = rs_to_der(rs)
    assert crypto.sm2_verify(public_hex, message, der)
    assert signing.verify(public_hex, message, der)
    assert crypto.sm2_verify(public_hex[2:], message, der)  # x||y without the 04 prefix is accepted too
    assert not crypto.sm2_verify(public_hex, message + b"\x00", der)
    assert not crypto.sm2_verify(public_hex, _flip(message, len(message) - 1), der)
    # r||s without the DER wrapping is not a GB/T 35276 signature.
    assert not crypto.sm2_verify(public_hex, message, rs)


def test_a_gmssl_signature_with_a_seal_key_verifies_with_the_platform(food_licence: Licence) -> None:
    key = current_key(food_licence.issuer)
    private_hex = crypto.sm4_decrypt_text(
        key.private_key_enc, context=f"licences.sealkey:{key.key_id}", purpose="seal-keys"
    )
    body = canonical_bytes(licence_document(food_licence))
    der = rs_to_der(gmssl_sign(third_party(key.public_key, private_hex), body))
    assert signing.verify(key.public_key, body, der)
    assert not signing.verify(key.public_key, body.replace("食品".encode(), "食物".encode()), der)


def test_malformed_signatures_and_keys_are_false_not_errors() -> None:
    _private, public_hex = crypto.sm2_generate_keypair()
    for signature in ("", "zz", "30", "3006020101020101", "00" * 72):
        assert crypto.sm2_verify(public_hex, MESSAGE, signature) is False
    assert crypto.sm2_verify("04" + "00" * 64, MESSAGE, "3006020101020101") is False
    assert crypto.sm2_verify("not a key", MESSAGE, "3006020101020101") is False


# --- a whole licence, offline ----------------------------------------------------------------


def _offline_verify(payload: str, keys: dict[str, dict[str, Any]]) -> tuple[bool, dict[str, Any]]:
    """What a third party does with the QR payload: no platform code, the published keys only."""
    prefix, body_b64, signature_b64 = payload.split(".")
    assert prefix == PREFIX
    body = _unb64u(body_b64)
    document = json.loads(body)
    key = keys[document["kid"]]
    ok = third_party(key["public_key"]).verify_with_sm3(der_to_rs(_unb64u(signature_b64).hex()), body)
    return bool(ok), document


def test_a_licence_qr_payload_verifies_offline_with_gmssl(food_licence: Licence) -> None:
    keys = _published()
    payload = qr_payload(food_licence)
    ok, document = _offline_verify(payload, keys)
    assert ok
    assert document["id"] == food_licence.identifier
    assert document["holder"]["name"] == food_licence.holder_name
    assert document["face"]["premises"] == food_licence.face["premises"]
    assert document["issuer"]["credit_code"] == keys[document["kid"]]["credit_code"]


def test_every_demo_licence_verifies_offline(licences_demo: dict[str, int]) -> None:
    keys = _published()
    licences = list(Licence.objects.all())
    assert len(licences) == licences_demo["licences"]
    for licence in licences:
        assert _offline_verify(qr_payload(licence), keys)[0], licence.identifier


def test_an_altered_licence_fails_offline_and_online(food_licence: Licence) -> None:
    keys = _published()
    prefix, body_b64, signature_b64 = qr_payload(food_licence).split(".")
    body = _unb64u(body_b64)
    document = json.loads(body)
    document["face"]["business_items"] = "热食类食品制售；生食类食品制售"
    altered = canonical_bytes(document)
    altered_payload = f"{prefix}.{base64.urlsafe_b64encode(altered).rstrip(b'=').decode()}.{signature_b64}"
    ok, _document = _offline_verify(altered_payload, keys)
    assert not ok
    key = SealKey.objects.get(key_id=document["kid"])
    assert not signing.verify(key.public_key, altered, _unb64u(signature_b64).hex())
    assert signing.verify(key.public_key, body, _unb64u(signature_b64).hex())

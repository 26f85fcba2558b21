"""Verifying: every way a stored licence or its QR payload can be altered is caught; status, expiry,
key rotation and seal revocation give the right verdict; any text at all gets a verdict, never an
exception."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation

from dgov.accounts.models import Department, User
from dgov.licences import services, signing
from dgov.licences.canonical import canonical_bytes, licence_document
from dgov.licences.identifier import licence_identifier
from dgov.licences.models import Licence, LicenceType, Seal, SealKey
from dgov.licences.selectors import published_keys
from dgov.licences.tests.conftest import current_key, issue_food, seal_of
from dgov.licences.verification import (
    CANCELLED,
    EXPIRED,
    MALFORMED,
    PREFIX,
    REVOKED,
    SIGNATURE_INVALID,
    SUSPENDED,
    UNKNOWN,
    VALID,
    Verdict,
    qr_content,
    qr_payload,
    verify_licence,
    verify_payload,
    verify_text,
)

SH = ZoneInfo("Asia/Shanghai")


def _b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64u(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _decode(payload: str) -> tuple[dict[str, Any], bytes]:
    _prefix, body, signature = payload.split(".")
    return json.loads(_unb64u(body)), _unb64u(signature)


def _encode(document: dict[str, Any], signature: bytes) -> str:
    return f"{PREFIX}.{_b64u(canonical_bytes(document))}.{_b64u(signature)}"


def _reload(licence: Licence) -> Licence:
    return Licence.objects.select_related("type", "issuer", "seal_key__seal__department").get(pk=licence.pk)


def _other_digit(hex_digit: str) -> str:
    return "1" if hex_digit == "0" else "0"


@pytest.fixture
def mzj(licences_demo: dict[str, int]) -> Department:
    """区民政局: another department with its own licence seal."""
    return Department.objects.get(code="mzj")


def test_an_untouched_licence_is_valid_from_the_register_the_payload_and_the_link(food_licence: Licence) -> None:
    for verdict in (
        verify_licence(_reload(food_licence)),
        verify_payload(qr_payload(food_licence)),
        verify_text(qr_payload(food_licence)),
        verify_text(qr_content(food_licence)),
        verify_text(food_licence.identifier),
        verify_text(f"  {food_licence.identifier.lower()}\n"),
    ):
        assert verdict.state == VALID and verdict.ok and verdict.reason
        assert verdict.licence is not None and verdict.licence.pk == food_licence.pk
        assert verdict.key_id == food_licence.seal_key.key_id and verdict.issuer_name == food_licence.issuer.name


# --- the stored record altered in the database ------------------------------------------------


def _tamper_face(licence: Licence) -> dict[str, Any]:
    return {"face": {**licence.face, "business_items": "热食类食品制售；生食类食品制售"}}


def _tamper_face_added(licence: Licence) -> dict[str, Any]:
    return {"face": {**licence.face, "remark": "无"}}


def _tamper_face_removed(licence: Licence) -> dict[str, Any]:
    return {"face": {k: v for k, v in licence.face.items() if k != "safety_manager"}}


def _tamper_signature(licence: Licence) -> dict[str, Any]:
    return {"signature": licence.signature[:-1] + _other_digit(licence.signature[-1])}


def _tamper_signature_r(licence: Licence) -> dict[str, Any]:
    # A digit inside r (after SEQUENCE, INTEGER and its length): still DER, another value.
    i = 12
    return {"signature": licence.signature[:i] + _other_digit(licence.signature[i]) + licence.signature[i + 1 :]}


def _tamper_identifier(licence: Licence) -> dict[str, Any]:
    serial = str(int(licence.serial) + 500)
    return {
        "identifier": licence_identifier(
            type_code=licence.type.type_code, issuer_code=licence.issuer.credit_code or "", serial=serial, version=1
        )
    }


def _tamper_issuer(licence: Licence) -> dict[str, Any]:
    return {"issuer": Department.objects.get(code="mzj")}


def _tamper_type(licence: Licence) -> dict[str, Any]:
    return {"type": LicenceType.objects.exclude(pk=licence.type_id).filter(issuer=licence.issuer).first()}


TAMPERS: dict[str, Callable[[Licence], dict[str, Any]]] = {
    "face field": _tamper_face,
    "face field added": _tamper_face_added,
    "face field removed": _tamper_face_removed,
    "holder_name": lambda lic: {"holder_name": lic.holder_name + "分店"},
    "holder_id_shown": lambda lic: {
        "holder_id_shown": lic.holder_id_shown[:-1] + _other_digit(lic.holder_id_shown[-1])
    },
    "holder_kind": lambda lic: {"holder_kind": LicenceType.Holder.PERSON},
    "valid_until": lambda lic: {"valid_until": lic.valid_until + timedelta(days=365)},
    "valid_until removed": lambda lic: {"valid_until": None},
    "valid_from": lambda lic: {"valid_from": lic.valid_from - timedelta(days=1)},
    "issued_at": lambda lic: {"issued_at": lic.issued_at - timedelta(hours=1)},
    "signature (last digit)": _tamper_signature,
    "signature (a digit of r)": _tamper_signature_r,
    "signature removed": lambda lic: {"signature": ""},
    "identifier": _tamper_identifier,
    "issuer": _tamper_issuer,
    "type": _tamper_type,
}


@pytest.mark.parametrize("what", list(TAMPERS))
def test_a_database_edit_breaks_the_signature(food_licence: Licence, what: str) -> None:
    changes = TAMPERS[what](food_licence)
    assert all(v is not None for k, v in changes.items() if k != "valid_until")
    Licence.objects.filter(pk=food_licence.pk).update(**changes)
    edited = _reload(food_licence)
    verdict = verify_licence(edited)
    assert verdict.state == SIGNATURE_INVALID, verdict.reason
    assert verdict.reason and not verdict.ok
    # Looked up by its (possibly new) identifier, as a person typing it would.
    assert verify_text(edited.identifier).state == SIGNATURE_INVALID


def test_the_old_identifier_of_an_edited_record_is_unknown(food_licence: Licence) -> None:
    Licence.objects.filter(pk=food_licence.pk).update(**_tamper_identifier(food_licence))
    assert verify_text(food_licence.identifier).state == UNKNOWN
    # The QR code printed before the edit names the old identifier: the register disagrees.
    assert verify_text(qr_payload(food_licence)).state in (UNKNOWN, SIGNATURE_INVALID)


def test_a_printed_qr_code_disagrees_with_an_edited_register(food_licence: Licence) -> None:
    payload = qr_payload(food_licence)
    Licence.objects.filter(pk=food_licence.pk).update(holder_name="别家公司")
    verdict = verify_text(payload)
    assert verdict.state == SIGNATURE_INVALID


# --- the QR payload altered -------------------------------------------------------------------


def _doc_face(d: dict[str, Any]) -> None:
    d["face"]["premises"] = "江海区礼乐街道（示例）"


def _doc_face_added(d: dict[str, Any]) -> None:
    d["face"]["remark"] = "无"


def _doc_holder_name(d: dict[str, Any]) -> None:
    d["holder"]["name"] += "分店"


def _doc_holder_id(d: dict[str, Any]) -> None:
    d["holder"]["id"] = d["holder"]["id"][:-1] + _other_digit(d["holder"]["id"][-1])


def _doc_valid_until(d: dict[str, Any]) -> None:
    d["valid_until"] = "2099-12-31"


def _doc_long_term(d: dict[str, Any]) -> None:
    d["valid_until"] = None


def _doc_valid_from(d: dict[str, Any]) -> None:
    d["valid_from"] = "2020-01-01"


def _doc_identifier(d: dict[str, Any]) -> None:
    d["id"] = d["id"][:-6] + "2.001." + d["id"][-1]


def _doc_issuer_name(d: dict[str, Any]) -> None:
    d["issuer"]["name"] = "江门市市场监督管理局"


def _doc_type_name(d: dict[str, Any]) -> None:
    d["type"]["name"] = "食品生产许可证"


def _doc_issued_at(d: dict[str, Any]) -> None:
    d["issued_at"] = "2020-01-01T09:00:00+08:00"


DOC_EDITS: dict[str, Callable[[dict[str, Any]], None]] = {
    "face field": _doc_face,
    "face field added": _doc_face_added,
    "holder name": _doc_holder_name,
    "holder id": _doc_holder_id,
    "valid_until": _doc_valid_until,
    "valid_until removed": _doc_long_term,
    "valid_from": _doc_valid_from,
    "identifier": _doc_identifier,
    "issuer name": _doc_issuer_name,
    "type name": _doc_type_name,
    "issued_at": _doc_issued_at,
}


@pytest.mark.parametrize("what", list(DOC_EDITS))
def test_an_edited_payload_fails_the_signature(food_licence: Licence, what: str) -> None:
    document, signature = _decode(qr_payload(food_licence))
    DOC_EDITS[what](document)
    payload = _encode(document, signature)
    assert payload != qr_payload(food_licence)
    verdict = verify_text(payload)
    assert verdict.state == SIGNATURE_INVALID, verdict.reason
    assert verdict.document == document and verdict.key_id == food_licence.seal_key.key_id
    assert verify_text(f"https://gov.example/licences/verify/?c={payload}").state == SIGNATURE_INVALID


def test_an_altered_signature_in_the_payload_fails(food_licence: Licence) -> None:
    document, signature = _decode(qr_payload(food_licence))
    # The last byte is the end of s: still DER, another number.
    altered = signature[:-1] + bytes([signature[-1] ^ 0x01])
    assert verify_text(_encode(document, altered)).state == SIGNATURE_INVALID
    # A valid signature of another licence does not fit this one.
    other = issue_food(food_licence.type, food_licence.holder_user)  # type: ignore[arg-type]
    _other_doc, other_signature = _decode(qr_payload(other))
    assert verify_text(_encode(document, other_signature)).state == SIGNATURE_INVALID


def test_a_payload_that_is_not_canonical_is_malformed(food_licence: Licence) -> None:
    prefix, body, signature = qr_payload(food_licence).split(".")
    document = json.loads(_unb64u(body))
    for text in (
        json.dumps(document, ensure_ascii=False, sort_keys=True),  # spaces
        json.dumps(document, sort_keys=True, separators=(",", ":")),  # Chinese escaped
        json.dumps(dict(reversed(list(document.items()))), ensure_ascii=False, separators=(",", ":")),
        json.dumps([document], ensure_ascii=False, separators=(",", ":")),
        json.dumps({**document, "kid": 7}, ensure_ascii=False, sort_keys=True, separators=(",", ":")),
    ):
        verdict = verify_text(f"{prefix}.{_b64u(text.encode())}.{signature}")
        assert verdict.state == MALFORMED and verdict.reason


def test_a_payload_naming_a_key_never_published_is_unknown(food_licence: Licence) -> None:
    document, signature = _decode(qr_payload(food_licence))
    document["kid"] = "440704059999999-01"
    verdict = verify_text(_encode(document, signature))
    assert verdict.state == UNKNOWN and verdict.reason


# --- keys that are not the issuer's -----------------------------------------------------------


def test_a_document_naming_one_department_signed_with_anothers_key_is_refused(
    food_licence: Licence, mzj: Department
) -> None:
    scjg_key, mzj_key = current_key(food_licence.issuer), current_key(mzj)
    document = licence_document(food_licence)
    assert document["issuer"]["credit_code"] == food_licence.issuer.credit_code != mzj.credit_code

    # Signed with 民政's key and saying so: the key is not the issuing department's.
    document["kid"] = mzj_key.key_id
    forged = _encode(document, bytes.fromhex(signing.sign(mzj_key, canonical_bytes(document))))
    verdict = verify_text(forged)
    assert verdict.state == SIGNATURE_INVALID and verdict.key_id == mzj_key.key_id

    # Signed with 民政's key but naming 市场监管's key: the signature does not verify.
    document["kid"] = scjg_key.key_id
    forged = _encode(document, bytes.fromhex(signing.sign(mzj_key, canonical_bytes(document))))
    assert verify_text(forged).state == SIGNATURE_INVALID

    # The register's row pointed at 民政's key: refused too.
    Licence.objects.filter(pk=food_licence.pk).update(seal_key=mzj_key)
    assert verify_licence(_reload(food_licence)).state == SIGNATURE_INVALID


def test_another_department_signing_a_copy_in_its_own_name_does_not_match_the_register(
    food_licence: Licence, mzj: Department
) -> None:
    mzj_key = current_key(mzj)
    document = licence_document(food_licence)
    document["issuer"] = {"credit_code": mzj.credit_code, "name": mzj.name}
    document["kid"] = mzj_key.key_id
    copy = _encode(document, bytes.fromhex(signing.sign(mzj_key, canonical_bytes(document))))
    assert verify_text(copy).state == SIGNATURE_INVALID
    document["id"] = licence_identifier(
        type_code=food_licence.type.type_code, issuer_code=mzj.credit_code or "", serial="209900000001", version=1
    )
    made_up = _encode(document, bytes.fromhex(signing.sign(mzj_key, canonical_bytes(document))))
    assert verify_text(made_up).state == UNKNOWN


# --- status and time --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "state"),
    [(Licence.Status.REVOKED, REVOKED), (Licence.Status.SUSPENDED, SUSPENDED), (Licence.Status.CANCELLED, CANCELLED)],
)
def test_the_register_status_is_reported(food_licence: Licence, approver: User, status: str, state: str) -> None:
    services.licence_set_status(actor=approver, licence=food_licence, status=status, reason="经营场所不符合要求")
    for verdict in (
        verify_licence(_reload(food_licence)),
        verify_text(qr_payload(food_licence)),
        verify_text(food_licence.identifier),
    ):
        assert verdict.state == state and "经营场所不符合要求" in verdict.reason and not verdict.ok


def test_a_suspended_licence_reinstated_is_valid_again(food_licence: Licence, approver: User) -> None:
    services.licence_set_status(actor=approver, licence=food_licence, status=Licence.Status.SUSPENDED, reason="整改")
    services.licence_set_status(actor=approver, licence=food_licence, status=Licence.Status.VALID, reason="整改完成")
    assert verify_text(qr_payload(food_licence)).state == VALID


def test_a_licence_expires_after_its_last_day(food_licence: Licence, time_machine: Any) -> None:
    assert food_licence.valid_until is not None
    time_machine.move_to(datetime.combine(food_licence.valid_until, time(23, 59), tzinfo=SH), tick=False)
    assert verify_text(qr_payload(food_licence)).state == VALID
    time_machine.move_to(
        datetime.combine(food_licence.valid_until + timedelta(days=1), time(0, 1), tzinfo=SH), tick=False
    )
    for verdict in (verify_licence(_reload(food_licence)), verify_text(qr_payload(food_licence))):
        assert verdict.state == EXPIRED and food_licence.valid_until.isoformat() in verdict.reason


def test_an_expired_seal_does_not_undo_what_it_signed(food_licence: Licence, time_machine: Any) -> None:
    seal = seal_of(food_licence.issuer)
    time_machine.move_to(seal.valid_until + timedelta(minutes=1), tick=False)
    assert not seal.is_usable()
    expected = EXPIRED if food_licence.is_expired() else VALID
    assert verify_text(qr_payload(food_licence)).state == expected


# --- keys over time ---------------------------------------------------------------------------


def test_after_a_key_rotation_old_and_new_licences_both_verify(
    food_licence: Licence, food_type: LicenceType, enterprise: User
) -> None:
    seal = seal_of(food_licence.issuer)
    old_key = food_licence.seal_key
    new_key = services.seal_key_rotate(actor=None, seal=seal)
    assert new_key.key_id != old_key.key_id and new_key.public_key != old_key.public_key
    assert SealKey.objects.get(pk=old_key.pk).retired_at is not None

    later = issue_food(food_type, enterprise)
    assert later.seal_key == new_key
    for licence, key in ((food_licence, old_key), (later, new_key)):
        verdict = verify_text(qr_payload(licence))
        assert verdict.state == VALID and verdict.key_id == key.key_id
        assert verify_licence(_reload(licence)).state == VALID

    keys = {k["key_id"]: k for k in published_keys() if k["seal_code"] == seal.code}
    assert set(keys) == {old_key.key_id, new_key.key_id}
    assert keys[old_key.key_id]["current"] is False and keys[old_key.key_id]["retired_at"]
    assert keys[new_key.key_id]["current"] is True and keys[new_key.key_id]["retired_at"] is None


def _forge_later(licence: Licence, key: SealKey, at: datetime) -> Licence:
    """A licence row signed with key at `at`, as someone holding the key and the database could make."""
    forged = Licence.objects.get(pk=licence.pk)
    forged.pk = None
    forged.serial = str(int(licence.serial) + 900)
    forged.identifier = licence_identifier(
        type_code=licence.type.type_code, issuer_code=licence.issuer.credit_code or "", serial=forged.serial, version=1
    )
    forged.seal_key = key
    forged.issued_at = at.replace(microsecond=0)
    forged.case = None
    forged.signature = signing.sign(key, canonical_bytes(licence_document(forged)))
    forged.save()
    return _reload(forged)


def test_a_licence_signed_with_a_retired_key_after_its_retirement_is_refused(food_licence: Licence) -> None:
    old_key = food_licence.seal_key
    services.seal_key_rotate(actor=None, seal=old_key.seal)
    retired_at = SealKey.objects.get(pk=old_key.pk).retired_at
    assert retired_at is not None
    forged = _forge_later(food_licence, SealKey.objects.get(pk=old_key.pk), retired_at + timedelta(hours=1))
    assert verify_licence(forged).state == SIGNATURE_INVALID
    assert verify_text(qr_payload(forged)).state == SIGNATURE_INVALID


def test_a_revoked_seal_signs_nothing_more_and_what_it_signed_before_stays_valid(
    food_licence: Licence, food_type: LicenceType, enterprise: User, time_machine: Any
) -> None:
    seal = seal_of(food_licence.issuer)
    time_machine.move_to(timezone.now() + timedelta(minutes=5), tick=False)
    services.seal_set_status(actor=None, seal=seal, status=Seal.Status.REVOKED, reason="部门撤并")
    with pytest.raises(services.LicenceError) as refused:
        issue_food(food_type, enterprise)
    assert refused.value.code == "no_seal"
    with pytest.raises(services.LicenceError):
        services.seal_key_rotate(actor=None, seal=seal)

    assert verify_text(qr_payload(food_licence)).state == VALID
    assert verify_licence(_reload(food_licence)).state == VALID

    forged = _forge_later(food_licence, food_licence.seal_key, timezone.now() + timedelta(hours=1))
    assert verify_licence(forged).state == SIGNATURE_INVALID
    assert verify_text(qr_payload(forged)).state == SIGNATURE_INVALID


# --- any text at all --------------------------------------------------------------------------

# A signature of the right shape (DER, r = s = 1), so that the document's own checks are reached.
SIG = _b64u(bytes.fromhex("3006020101020101"))

GARBAGE = [
    "",
    " ",
    "hello",
    "你好，这不是证照",
    "JHL1",
    "JHL1.",
    "JHL1..",
    "JHL1...",
    "JHL1.e30",
    "JHL1.e30.",
    "JHL1.e30.MAA",
    "JHL1.e30." + SIG,
    "JHL1." + _b64u(b'{"kid":"' + "钥".encode() + b'"}') + "." + SIG,
    "JHL1." + _b64u(b'{"kid":"440704059999999-01"}') + "." + SIG,
    "JHL1.!!!.***",
    "JHL1.6L-v.AA",
    "JHL1." + _b64u(b"\xff\xfe\x00") + "." + SIG,
    "JHL1." + _b64u(b"null") + "." + SIG,
    "JHL1." + _b64u(b'"text"') + "." + SIG,
    "JHL1." + _b64u(b'{"kid":null}') + "." + SIG,
    "JHL1." + _b64u(b'{"kid":"x\\u0000y"}') + "." + SIG,
    "JHL1." + _b64u(b'{"kid":"' + b"k" * 3000 + b'"}') + "." + SIG,
    "JHL1." + _b64u(b"[" * 3000 + b"]" * 3000) + "." + SIG,
    "JHL1." + _b64u(b'{"a":' * 1500 + b"1" + b"}" * 1500) + "." + SIG,
    "JHL1." + _b64u(b"1" * 5000) + "." + SIG,
    "JHL1.e30.AA.AA",
    "JHL2.e30.AA",
    "jhl1.e30.AA",
    "\x00",
    "\x00JHL1.e30.AA",
    "1.2.156.3005.2",
    "1.2.156.3005.2.",
    "1.2.156.3005.2.\x00",
    "https://gov.example/licences/verify/",
    "https://gov.example/licences/verify/?c=",
    "https://gov.example/licences/verify/?c=hello",
    "https://[gov.example/licences/verify/?c=JHL1.e30.AA",
    "http://]/?c=JHL1.e30.AA",
    "/licences/verify/?c=%ZZ",
    "?c=JHL1.%00.AA",
    "c=JHL1.e30.AA://",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
]


@pytest.mark.parametrize("text", GARBAGE)
def test_garbage_gets_a_verdict_with_a_reason(licences_demo: dict[str, int], text: str) -> None:
    verdict = verify_text(text)
    assert isinstance(verdict, Verdict)
    assert verdict.state in (MALFORMED, UNKNOWN), (text[:60], verdict.state)
    assert verdict.reason and verdict.licence is None


def test_a_truncated_payload_is_malformed_wherever_it_is_cut(food_licence: Licence) -> None:
    payload = qr_payload(food_licence)
    body_end = payload.rindex(".")
    cuts = {1, 4, 5, 6, 20, len(payload) // 3, len(payload) // 2, body_end - 1, body_end, body_end + 1, body_end + 2}
    cuts |= {len(payload) - n for n in (1, 2, 3, 5, 10, 20, 40)}
    for cut in sorted(cuts):
        text = payload[:cut]
        for candidate in (text, f"https://gov.example/licences/verify/?c={text}"):
            verdict = verify_text(candidate)
            assert verdict.state in (MALFORMED, UNKNOWN), (cut, len(payload), verdict.state, verdict.reason)
            assert verdict.reason and verdict.licence is None


def test_a_huge_text_is_malformed(food_licence: Licence) -> None:
    for text in ("x" * 100_000, qr_payload(food_licence) + "A" * 100_000, "JHL1." + "A" * 100_000 + ".AA"):
        verdict = verify_text(text)
        assert verdict.state == MALFORMED and verdict.reason


def test_a_mistyped_identifier_is_malformed_and_an_unknown_one_unknown(food_licence: Licence) -> None:
    identifier = food_licence.identifier
    wrong_check = identifier[:-1] + ("A" if identifier[-1] != "A" else "B")
    with translation.override("en"):
        mistyped = verify_text(wrong_check)
        assert mistyped.state == MALFORMED and "check character" in mistyped.reason
        unknown_identifier = licence_identifier(
            type_code=food_licence.type.type_code,
            issuer_code=food_licence.issuer.credit_code or "",
            serial="209900000001",
            version=1,
        )
        unknown = verify_text(unknown_identifier)
        assert unknown.state == UNKNOWN and unknown.reason and unknown.licence is None
        # A wrong version of a real licence is well formed but was never issued.
        next_version = licence_identifier(
            type_code=food_licence.type.type_code,
            issuer_code=food_licence.issuer.credit_code or "",
            serial=food_licence.serial,
            version=2,
        )
        assert verify_text(next_version).state == UNKNOWN

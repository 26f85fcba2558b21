"""免用实物印章 / 免手写签名: the enterprise's e-seal, a drawn signature, a one-time code."""

from __future__ import annotations

import base64
import io
import re
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from PIL import Image, ImageDraw

from dgov.accounts.models import User
from dgov.cases import services as cases
from dgov.cases.models import Case, Channel
from dgov.cases.tests.conftest import uploads_for
from dgov.catalog.models import ServiceItem
from dgov.core import crypto
from dgov.core.errors import ApplicationError, ConflictError
from dgov.esign import services
from dgov.esign.demo import drawn_signature
from dgov.esign.models import ApplicationSignature, EnterpriseSeal, SigningCode
from dgov.esign.selectors import signature_state
from dgov.esign.tests.conftest import food_data

pytestmark = pytest.mark.django_db


def png(draw: bool = True, size: tuple[int, int] = (400, 120), fill: bool = False) -> bytes:
    img = Image.new("RGBA", size, (255, 255, 255, 0))
    if draw:
        ImageDraw.Draw(img).line([(20, 60), (120, 20), (220, 100), (380, 40)], fill=(0, 0, 0, 255), width=6)
    if fill:
        ImageDraw.Draw(img).rectangle([(0, 0), size], fill=(0, 0, 0, 255))
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def submit(applicant: User, item: ServiceItem, **kwargs: Any) -> Case:
    return cases.case_submit(actor=applicant, item=item, data=food_data(applicant), uploads=uploads_for(item), **kwargs)


def refused(applicant: User, item: ServiceItem, **kwargs: Any) -> ApplicationError:
    before = Case.objects.count(), ApplicationSignature.objects.count()
    with pytest.raises(ApplicationError) as caught:
        submit(applicant, item, **kwargs)
    assert (Case.objects.count(), ApplicationSignature.objects.count()) == before
    return caught.value


# --- The enterprise's e-seal -----------------------------------------------------------------------


def test_a_demo_enterprise_has_a_seal_and_its_application_is_sealed(enterprise: User, food_item: ServiceItem) -> None:
    seal = EnterpriseSeal.objects.get(credit_code=enterprise.enterprise_credit_code, status="active")
    case = submit(enterprise, food_item)
    (signature,) = case.signatures.all()
    assert signature.kind == "e_seal" and signature.seal == seal and signature.signer == enterprise
    document = signature.document.encode()
    assert crypto.sm3_hex(document) == signature.digest
    assert crypto.sm2_verify(seal.public_key, document, signature.signature)
    assert case.number in signature.document and food_item.code in signature.document
    assert signature_state(signature) == "valid"
    # What was sealed cannot be changed unnoticed.
    signature.document = signature.document.replace(case.number, "X" * len(case.number))
    assert signature_state(signature) == "broken"
    # The document holds the form, so it is stored encrypted.
    with connection.cursor() as cursor:
        cursor.execute("SELECT document FROM esign_applicationsignature WHERE id = %s", [signature.pk])
        (raw,) = cursor.fetchone()
    assert case.number not in raw


def test_an_enterprise_without_a_seal_is_told_to_make_one_and_nothing_is_written(
    enterprise: User, food_item: ServiceItem
) -> None:
    seal = EnterpriseSeal.objects.get(credit_code=enterprise.enterprise_credit_code, status="active")
    services.seal_revoke(actor=enterprise, seal=seal, reason="更换印章（测试）")
    error = refused(enterprise, food_item)
    assert "signature" in error.field_errors
    made = services.seal_create(actor=enterprise)
    assert made.code.endswith("-02") and made.status == "active"
    case = submit(enterprise, food_item)
    assert case.signatures.get().seal == made
    # The revoked seal still verifies what it sealed before; revoking twice is refused.
    with pytest.raises(ConflictError):
        services.seal_revoke(actor=enterprise, seal=seal, reason="again")


def test_making_a_seal_twice_or_for_a_person_or_without_a_reason_to_revoke_is_refused(
    enterprise: User, citizen: User
) -> None:
    with pytest.raises(ConflictError):
        services.seal_create(actor=enterprise)
    with pytest.raises(ApplicationError) as caught:
        services.seal_create(actor=citizen)
    assert caught.value.code == "not_enterprise"
    seal = EnterpriseSeal.objects.get(credit_code=enterprise.enterprise_credit_code)
    with pytest.raises(ApplicationError) as caught:
        services.seal_revoke(actor=enterprise, seal=seal, reason="  ")
    assert caught.value.code == "reason_required"


def test_a_deregistered_enterprise_gets_no_seal(enterprise: User) -> None:
    from dgov.registries.models import EnterpriseRecord

    EnterpriseSeal.objects.filter(credit_code=enterprise.enterprise_credit_code).update(status="revoked")
    EnterpriseRecord.objects.filter(credit_code=enterprise.enterprise_credit_code).update(status="deregistered")
    with pytest.raises(ApplicationError) as caught:
        services.seal_create(actor=enterprise)
    assert caught.value.code == "not_active"


# --- A person's drawn signature -----------------------------------------------------------------


def test_a_person_must_sign_a_fully_online_application(citizen: User, food_item: ServiceItem) -> None:
    error = refused(citizen, food_item)
    assert error.field_errors["signature"]


def test_a_drawn_signature_is_checked_reencoded_and_stored_encrypted(citizen: User, food_item: ServiceItem) -> None:
    data_url = "data:image/png;base64," + base64.b64encode(png()).decode()
    case = submit(citizen, food_item, signature=services.SignatureInput(kind="drawn", drawing=data_url))
    (signature,) = case.signatures.all()
    assert signature.kind == "drawn" and signature.signer == citizen
    stored = base64.b64decode(signature.drawing)
    assert stored.startswith(b"\x89PNG") and crypto.sm3_hex(stored) == signature.drawing_sm3
    assert Image.open(io.BytesIO(stored)).mode == "LA"
    assert signature_state(signature) == "valid"
    with connection.cursor() as cursor:
        cursor.execute("SELECT drawing FROM esign_applicationsignature WHERE id = %s", [signature.pk])
        (raw,) = cursor.fetchone()
    assert signature.drawing not in raw


@pytest.mark.parametrize(
    ("drawing", "why"),
    [
        (png(draw=False), "empty"),
        (png(fill=True), "filled"),
        (png(size=(60, 20)), "tiny"),
        (b"GIF89a" + b"\x00" * 50, "not a png"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 60, "broken png"),
        ("data:image/jpeg;base64,/9j/4AAQ", "jpeg data url"),
        ("data:image/png;base64,@@@", "bad base64"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * (400 * 1024), "too large"),
    ],
)
def test_a_bad_drawing_is_refused_and_nothing_is_written(
    citizen: User, food_item: ServiceItem, drawing: Any, why: str
) -> None:
    error = refused(citizen, food_item, signature=services.SignatureInput(kind="drawn", drawing=drawing))
    assert error.field_errors["signature"], why


def test_an_unknown_kind_of_signature_is_refused() -> None:
    with pytest.raises(ApplicationError):
        services.signature_input_from({"kind": "fingerprint"})
    with pytest.raises(ApplicationError):
        services.signature_input_from(["drawn"])
    assert services.signature_input_from(None) is None


# --- A one-time code -----------------------------------------------------------------------------


def _sent_code(sms: list[Any]) -> str:
    return re.findall(r"(?<!\d)\d{6}(?!\d)", sms[-1].text)[0]


def test_a_code_by_sms_signs_once(citizen: User, food_item: ServiceItem, sms: list[Any]) -> None:
    sent = services.signing_code_send(actor=citizen, subject=food_item.code, subject_name=food_item.name)
    assert sms[-1].address == citizen.phone and sent.phone_shown != citizen.phone
    code = _sent_code(sms)
    assert code not in sent.digest
    case = submit(citizen, food_item, signature=services.SignatureInput(kind="sms_code", code=code))
    signature = case.signatures.get()
    assert signature.kind == "sms_code" and signature.code == sent and signature.phone_shown == sent.phone_shown
    assert SigningCode.objects.get(pk=sent.pk).used_at is not None
    # Spent: the same code does not sign a second application.
    error = refused(citizen, food_item, signature=services.SignatureInput(kind="sms_code", code=code))
    assert error.field_errors["signature"]


def test_wrong_codes_count_even_though_the_submission_fails(
    citizen: User, food_item: ServiceItem, sms: list[Any]
) -> None:
    services.signing_code_send(actor=citizen, subject=food_item.code, subject_name=food_item.name)
    right = _sent_code(sms)
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    for n in range(1, services.CODE_MAX_ATTEMPTS + 1):
        refused(citizen, food_item, signature=services.SignatureInput(kind="sms_code", code=wrong))
        assert SigningCode.objects.get(user=citizen).attempts == n
    # Locked after five wrong tries, even for the right code.
    error = refused(citizen, food_item, signature=services.SignatureInput(kind="sms_code", code=right))
    assert error.code == "invalid_application" or error.field_errors["signature"]
    assert SigningCode.objects.get(user=citizen).used_at is None


def test_a_code_expires_is_bound_to_its_item_and_is_not_resent_at_once(
    citizen: User, food_item: ServiceItem, sms: list[Any]
) -> None:
    sent = services.signing_code_send(actor=citizen, subject="other-item", subject_name="其他事项")
    code = _sent_code(sms)
    refused(citizen, food_item, signature=services.SignatureInput(kind="sms_code", code=code))
    with pytest.raises(ConflictError) as caught:
        services.signing_code_send(actor=citizen, subject=food_item.code, subject_name=food_item.name)
    assert caught.value.code == "code_too_soon"
    SigningCode.objects.filter(pk=sent.pk).update(created_at=timezone.now() - timedelta(minutes=11))
    fresh = services.signing_code_send(actor=citizen, subject=food_item.code, subject_name=food_item.name)
    SigningCode.objects.filter(pk=fresh.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    error = refused(citizen, food_item, signature=services.SignatureInput(kind="sms_code", code=_sent_code(sms)))
    assert error.field_errors["signature"]


def test_a_code_needs_a_phone_and_a_person(citizen: User, enterprise: User) -> None:
    with pytest.raises(ApplicationError) as caught:
        services.signing_code_send(actor=enterprise, subject="x", subject_name="x")
    assert caught.value.code == "not_citizen"
    User.objects.filter(pk=citizen.pk).update(phone="")
    citizen.refresh_from_db()
    with pytest.raises(ApplicationError) as caught:
        services.signing_code_send(actor=citizen, subject="x", subject_name="x")
    assert caught.value.code == "no_phone"


# --- At the window ------------------------------------------------------------------------------


def at_the_window(applicant: User, item: ServiceItem, **kwargs: Any) -> Case:
    return cases.case_submit(
        actor=User.objects.get(username="clerk"),
        item=item,
        data=food_data(applicant),
        uploads={},
        channel=Channel.WINDOW,
        applicant=applicant,
        **kwargs,
    )


def test_at_the_window_no_electronic_signature_is_asked(citizen: User, food_item: ServiceItem, jianghai: None) -> None:
    assert not at_the_window(citizen, food_item).signatures.exists()
    # A drawing from the window's pad is kept when given; a code is for the applicant's own device.
    with pytest.raises(ApplicationError):
        at_the_window(citizen, food_item, signature=services.SignatureInput(kind="sms_code", code="123456"))
    signed = at_the_window(citizen, food_item, signature=drawn_signature(citizen.real_name))
    assert signed.signatures.get().signer == citizen


def test_a_clerk_s_entry_for_an_enterprise_is_not_sealed_by_the_platform(
    enterprise: User, food_item: ServiceItem
) -> None:
    assert not at_the_window(enterprise, food_item).signatures.exists()

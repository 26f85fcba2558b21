"""Writes of the esign app: enterprise e-seals, one-time signing codes, application signatures.

Submission (dgov.cases.services.case_submit, and a bundle's submission once for all its children)
uses three steps: ``signature_verify`` checks what the applicant gave (a drawing by its content,
a code against the one sent; a wrong code counts as a try even though the submission fails) before
the submission's transaction; ``signature_missing`` says what the item still needs; inside the
transaction ``signatures_record`` writes the enterprise's seal signature and the person's signature
over the application document, spending the code.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from dgov.accounts.models import User
from dgov.audit.services import record
from dgov.core import crypto
from dgov.core.errors import ApplicationError, ConflictError
from dgov.core.masking import mask_phone
from dgov.esign import document as docs
from dgov.esign import drawing
from dgov.esign.models import ApplicationSignature, EnterpriseSeal, SigningCode

SEAL_KEY_PURPOSE = "enterprise-seal-keys"
CODE_PURPOSE = "signing-codes"
CODE_DIGITS = 6
CODE_VALID = timedelta(minutes=10)
CODE_RESEND_AFTER = timedelta(seconds=60)
CODE_MAX_ATTEMPTS = 5
# Channels on which the applicant is the one submitting, on their own device.
SELF_SERVICE_CHANNELS = frozenset({"online", "mobile"})


def _refuse(message: str, code: str) -> ApplicationError:
    return ApplicationError(message, code=code, field_errors={"signature": [message]})


def _seal_context(code: str) -> str:
    return f"esign.seal:{code}"


def seal_in_use(credit_code: str) -> EnterpriseSeal | None:
    if not credit_code:
        return None
    return EnterpriseSeal.objects.filter(credit_code=credit_code, status=EnterpriseSeal.Status.ACTIVE).first()


def seal_create(*, actor: User, is_demo: bool = False, request: HttpRequest | None = None) -> EnterpriseSeal:
    """Make the e-seal of the signed-in enterprise (free; 开办企业's 印章刻制 step, done online).

    The enterprise must be in the legal-person registry and not deregistered or revoked; it may
    hold one seal in use at a time (revoke the old one to make a new one)."""
    from dgov.licences.sealimage import NAME_MAX_CHARS, seal_png
    from dgov.registries import selectors as registries

    if actor.kind != User.Kind.ENTERPRISE or not actor.enterprise_credit_code:
        raise ApplicationError(_("Only an enterprise's account makes the enterprise's e-seal."), code="not_enterprise")
    record_ = registries.enterprise_get(actor.enterprise_credit_code)
    if record_ is None:
        raise ApplicationError(
            _("Your enterprise is not in the legal-person registry, so no e-seal can be made for it."),
            code="not_registered",
        )
    if record_.status != record_.Status.ACTIVE:
        raise ApplicationError(
            _("The legal-person registry says your enterprise is %(status)s; no e-seal can be made.")
            % {"status": record_.get_status_display()},
            code="not_active",
        )
    name = record_.name.strip()
    picture_name = name if len(name) <= NAME_MAX_CHARS else name[:NAME_MAX_CHARS]
    with transaction.atomic():
        if seal_in_use(record_.credit_code) is not None:
            raise ConflictError(_("Your enterprise already has an e-seal in use."), code="seal_exists")
        n = EnterpriseSeal.objects.filter(credit_code=record_.credit_code).count() + 1
        code = f"{record_.credit_code}-{n:02d}"
        private_hex, public_hex = crypto.sm2_generate_keypair()
        seal = EnterpriseSeal(
            code=code,
            credit_code=record_.credit_code,
            enterprise_name=name,
            image_png=seal_png(picture_name, _("E-seal")),
            public_key=public_hex,
            private_key_enc=crypto.sm4_encrypt_text(private_hex, context=_seal_context(code), purpose=SEAL_KEY_PURPOSE),
            made_by=actor,
            is_demo=is_demo,
        )
        del private_hex
        try:
            with transaction.atomic():
                seal.save()
        except IntegrityError:
            raise ConflictError(_("Your enterprise already has an e-seal in use."), code="seal_exists") from None
        record(actor=actor, action="esign.seal_create", target=seal, detail={"code": code}, request=request)
    return seal


def seal_revoke(
    *, actor: User, seal: EnterpriseSeal, reason: str, request: HttpRequest | None = None
) -> EnterpriseSeal:
    """Stop using a seal (lost control of the account, a new seal wanted). What it signed stays verifiable."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(
            _("Say why the seal is revoked."),
            code="reason_required",
            field_errors={"reason": [_("Say why the seal is revoked.")]},
        )
    if actor.kind != User.Kind.ENTERPRISE or actor.enterprise_credit_code != seal.credit_code:
        raise ApplicationError(_("Only the enterprise's own account revokes its seal."), code="not_yours")
    with transaction.atomic():
        locked = EnterpriseSeal.objects.select_for_update().get(pk=seal.pk)
        if locked.status != EnterpriseSeal.Status.ACTIVE:
            raise ConflictError(_("This seal has already been revoked."), code="seal_revoked")
        locked.status = EnterpriseSeal.Status.REVOKED
        locked.revoked_at = timezone.now()
        locked.revoke_reason = reason[:200]
        locked.save(update_fields=["status", "revoked_at", "revoke_reason"])
        record(
            actor=actor,
            action="esign.seal_revoke",
            target=locked,
            detail={"reason": locked.revoke_reason},
            request=request,
        )
    return locked


def _code_digest(user_id: int, subject: str, code: str) -> str:
    return crypto.hmac_sm3_hex(crypto.purpose_key(CODE_PURPOSE), f"{user_id}:{subject}:{code}".encode())


def signing_code_send(
    *, actor: User, subject: str, subject_name: str, request: HttpRequest | None = None
) -> SigningCode:
    """Send a one-time code by SMS to the actor's real-name phone, to sign the application for
    ``subject`` (an item's or a bundle's code). A new code replaces any earlier unused one."""
    from dgov.notices.backends import get_backend

    if actor.kind != User.Kind.CITIZEN:
        raise ApplicationError(
            _("Codes to sign with are for individuals; an enterprise signs with its e-seal."), code="not_citizen"
        )
    if not actor.phone:
        raise ApplicationError(
            _("Your account has no mobile phone number; sign by drawing your signature instead."), code="no_phone"
        )
    subject = (subject or "").strip()[:64]
    if not subject:
        raise ApplicationError(_("Say which application the code is for."), code="subject_required")
    now = timezone.now()
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    with transaction.atomic():
        User.objects.select_for_update(of=("self",)).filter(pk=actor.pk).first()
        last = SigningCode.objects.filter(user=actor).order_by("-created_at").first()
        if last is not None and now - last.created_at < CODE_RESEND_AFTER:
            wait = int((CODE_RESEND_AFTER - (now - last.created_at)).total_seconds()) + 1
            raise ConflictError(
                _("A code was sent a moment ago; you can ask for another in %(seconds)d seconds.") % {"seconds": wait},
                code="code_too_soon",
            )
        SigningCode.objects.filter(user=actor, used_at__isnull=True, expires_at__gt=now).update(expires_at=now)
        sent = SigningCode.objects.create(
            user=actor,
            item_code=subject,
            digest=_code_digest(actor.pk, subject, code),
            phone_shown=mask_phone(actor.phone),
            created_at=now,
            expires_at=now + CODE_VALID,
        )
        record(
            actor=actor,
            action="esign.code_send",
            target=actor,
            detail={"for": subject, "phone": sent.phone_shown},
            request=request,
        )
    text = _(
        "Your code to sign the application for %(name)s is %(code)s, valid for %(minutes)d minutes. "
        "If you did not ask for it, ignore this message."
    ) % {"name": subject_name[:60], "code": code, "minutes": int(CODE_VALID.total_seconds() // 60)}
    try:
        get_backend().send_sms(phone=actor.phone, text=text)
    except Exception as exc:  # any gateway failure: the code cannot be used
        SigningCode.objects.filter(pk=sent.pk).update(expires_at=now)
        raise ApplicationError(
            _("The code could not be sent; please try again or sign by drawing."), code="send_failed"
        ) from exc
    return sent


@dataclass
class SignatureInput:
    """What the applicant gave to sign: ``kind`` "drawn" with ``drawing`` (PNG bytes or a data URL),
    or "sms_code" with ``code``."""

    kind: str
    drawing: bytes | str = b""
    code: str = ""


@dataclass
class VerifiedSignature:
    """A checked signature, ready to record with one or more cases (a bundle's children share it)."""

    kind: str
    signer: User
    drawing: bytes = b""
    code: SigningCode | None = None
    spent: bool = False


def signature_input_from(value: Any) -> SignatureInput | None:
    """A SignatureInput from an API body's ``signature`` object (None when absent)."""
    if value in (None, "", {}):
        return None
    if not isinstance(value, dict):
        raise _refuse(_("The signature must be an object with a kind."), "bad_signature")
    kind = str(value.get("kind", ""))
    if kind == ApplicationSignature.Kind.DRAWN:
        return SignatureInput(kind=kind, drawing=str(value.get("image", "")))
    if kind == ApplicationSignature.Kind.SMS_CODE:
        return SignatureInput(kind=kind, code=str(value.get("code", "")))
    raise _refuse(_("A signature is drawn (kind “drawn”) or a code (kind “sms_code”)."), "bad_signature")


def signature_input_from_post(post: Any) -> SignatureInput | None:
    """A SignatureInput from an application page's fields (None when nothing was given)."""
    method = str(post.get("signature_method", "") or ApplicationSignature.Kind.DRAWN)
    if method == ApplicationSignature.Kind.SMS_CODE:
        code = str(post.get("signature_code", "")).strip()
        return SignatureInput(kind=method, code=code) if code else None
    drawn = str(post.get("signature_drawing", "")).strip()
    return SignatureInput(kind=ApplicationSignature.Kind.DRAWN, drawing=drawn) if drawn else None


def signature_verify(
    *, actor: User, applicant: User, subject: str, given: SignatureInput | None, channel: str
) -> VerifiedSignature | None:
    """Check what the applicant gave to sign with. Call it outside the submission's transaction:
    a wrong code counts as a try (at most five per code) even though the submission is refused."""
    if given is None:
        return None
    if given.kind == ApplicationSignature.Kind.DRAWN:
        raw = given.drawing
        data = drawing.decode_data_url(raw) if isinstance(raw, str) else raw
        if not data:
            raise _refuse(_("Draw your signature in the box."), "drawing_required")
        return VerifiedSignature(kind=given.kind, signer=applicant, drawing=drawing.checked_png(data))
    if given.kind != ApplicationSignature.Kind.SMS_CODE:
        raise _refuse(_("A signature is drawn or a code sent by SMS."), "bad_signature")
    if channel not in SELF_SERVICE_CHANNELS or actor.pk != applicant.pk:
        raise _refuse(_("A code signs only an application the applicant submits themselves."), "code_not_here")
    entered = "".join(ch for ch in given.code if not ch.isspace())
    if not (entered.isdigit() and len(entered) == CODE_DIGITS):
        raise _refuse(_("Enter the 6-digit code sent to your phone."), "code_format")
    now = timezone.now()
    wrong = False
    with transaction.atomic():
        code = (
            SigningCode.objects.select_for_update()
            .filter(user=applicant, item_code=subject, used_at__isnull=True)
            .order_by("-created_at")
            .first()
        )
        if code is None or code.expires_at <= now:
            raise _refuse(
                _("The code has expired or was not sent for this application; ask for a new one."), "code_expired"
            )
        if code.attempts >= CODE_MAX_ATTEMPTS:
            raise _refuse(_("Too many wrong codes; ask for a new one."), "code_attempts")
        if not crypto.constant_time_equal(_code_digest(applicant.pk, subject, entered), code.digest):
            code.attempts += 1
            code.save(update_fields=["attempts"])
            wrong = True
    if wrong:
        left = CODE_MAX_ATTEMPTS - code.attempts
        raise _refuse(
            _("The code is not right; %(left)d tries left.") % {"left": left}
            if left
            else _("Too many wrong codes; ask for a new one."),
            "code_wrong",
        )
    return VerifiedSignature(kind=given.kind, signer=applicant, code=code)


def signature_missing(*, item: Any, applicant: User, channel: str, verified: VerifiedSignature | None) -> str:
    """Why the application cannot go in unsigned ("" when it can): on the applicant's own device, an
    item exempt from paper seals needs the enterprise's e-seal and one exempt from handwritten
    signatures needs a person's drawn signature or code."""
    if channel not in SELF_SERVICE_CHANNELS:
        return ""
    if applicant.kind == User.Kind.ENTERPRISE:
        if item.e_seal and seal_in_use(applicant.enterprise_credit_code) is None:
            return _(
                "Applications for this item carry your enterprise's e-seal, and your enterprise has none yet: "
                "make it (free) under My centre → Enterprise e-seal, then submit."
            )
        return ""
    if item.e_signature and verified is None:
        return _("Sign the application: draw your signature in the box, or enter the code sent to your phone.")
    return ""


def signatures_record(
    *,
    case: Any,
    verified: VerifiedSignature | None,
    materials: list[Any],
    licence_identifiers: list[str],
) -> list[ApplicationSignature]:
    """Inside the submission's transaction: sign the application document with the enterprise's
    seal (an enterprise applicant with a seal in use) and record the person's signature."""
    applicant = case.applicant
    now = timezone.now()
    rows: list[ApplicationSignature] = []
    document = docs.application_document(
        case=case, materials=materials, licence_identifiers=licence_identifiers, signed_at=now
    )
    digest = docs.digest(document)
    text = document.decode()
    # The platform seals only what the enterprise submits itself: at the window its representative
    # stamps the paper form, and a clerk's entry is not the enterprise's act.
    if applicant.kind == User.Kind.ENTERPRISE and case.channel in SELF_SERVICE_CHANNELS:
        seal = seal_in_use(applicant.enterprise_credit_code)
        if seal is not None:
            private_hex = crypto.sm4_decrypt_text(
                seal.private_key_enc, context=_seal_context(seal.code), purpose=SEAL_KEY_PURPOSE
            )
            try:
                signature = crypto.sm2_sign(private_hex, seal.public_key, document)
            finally:
                del private_hex
            rows.append(
                ApplicationSignature(
                    case=case,
                    kind=ApplicationSignature.Kind.E_SEAL,
                    signer=applicant,
                    signer_name=seal.enterprise_name,
                    document=text,
                    digest=digest,
                    seal=seal,
                    signature=signature,
                    signed_at=now,
                )
            )
    if verified is not None:
        row = ApplicationSignature(
            case=case,
            kind=verified.kind,
            signer=verified.signer,
            signer_name=verified.signer.real_name or verified.signer.display_name,
            document=text,
            digest=digest,
            signed_at=now,
        )
        if verified.kind == ApplicationSignature.Kind.DRAWN:
            row.drawing = base64.b64encode(verified.drawing).decode()
            row.drawing_sm3 = crypto.sm3_hex(verified.drawing)
        else:
            code = verified.code
            assert code is not None
            if not verified.spent:
                spent = SigningCode.objects.filter(pk=code.pk, used_at__isnull=True).update(used_at=now)
                if spent != 1:
                    raise ConflictError(_("This code has already been used; ask for a new one."), code="code_used")
                verified.spent = True
            row.code = code
            row.phone_shown = code.phone_shown
        rows.append(row)
    ApplicationSignature.objects.bulk_create(rows)
    return rows


def demo_seals(*, users: list[User]) -> int:
    """Make the e-seal of each demo enterprise account that has none (``load_demo_esign``)."""
    made = 0
    for user in users:
        if seal_in_use(user.enterprise_credit_code) is None:
            try:
                seal_create(actor=user, is_demo=True)
            except ApplicationError:
                continue
            made += 1
    return made

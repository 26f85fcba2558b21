"""Writes of the licences app: seals and their keys, licence types, issuing, status, sharing, use.

Every state change is in the audit trail. Signing goes through dgov.licences.signing, the only
code that decrypts a private key.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from dgov.accounts.models import Department, User
from dgov.accounts.permissions import Perm, has_perm
from dgov.audit import record
from dgov.core import crypto
from dgov.core.errors import ApplicationError, ConflictError
from dgov.core.workdays import local_date
from dgov.licences import signing
from dgov.licences.canonical import canonical_bytes, licence_document
from dgov.licences.faces import holder_of_case, holder_shown
from dgov.licences.identifier import licence_identifier
from dgov.licences.models import (
    Licence,
    LicenceSequence,
    LicenceShare,
    LicenceType,
    LicenceUse,
    Seal,
    SealKey,
    SealSequence,
)
from dgov.licences.sealimage import SEAL_NAME_MAX_CHARS, seal_png

SHARE_DAYS_MAX = 30
MAX_REASON = 200
SEAL_PICTURE_MAX_BYTES = 1024 * 1024


class LicenceError(ApplicationError):
    pass


# --- Sequences ---------------------------------------------------------------------------------


def _next_in(model: type[SealSequence] | type[LicenceSequence], prefix: str) -> int:
    """The next number for prefix: one UPDATE … RETURNING, the row created on first use."""
    table = model._meta.db_table
    for _attempt in range(2):
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET last = last + 1 WHERE prefix = %s RETURNING last", [prefix])  # noqa: S608
            row = cursor.fetchone()
        if row:
            return int(row[0])
        try:
            with transaction.atomic():
                model.objects.create(prefix=prefix, last=1)
            return 1
        except IntegrityError:
            continue  # another transaction created it first
    raise RuntimeError("sequence row vanished")  # pragma: no cover


# --- Seals -------------------------------------------------------------------------------------


def _may_manage_seals(actor: Any, department: Department) -> bool:
    return has_perm(actor, Perm.SEALS_MANAGE, department=department)


def _key_id(seal: Seal, n: int) -> str:
    return f"{seal.code}-{n:02d}"


def _new_key(seal: Seal) -> SealKey:
    n = seal.keys.count() + 1
    key_id = _key_id(seal, n)
    public, private_enc = signing.keypair_new(key_id)
    return SealKey.objects.create(seal=seal, key_id=key_id, public_key=public, private_key_enc=private_enc)


def seal_create(
    *,
    actor: User | None,
    department: Department,
    name: str,
    kind: str = Seal.Kind.LICENCE,
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
    image_png: bytes | None = None,
    is_demo: bool = False,
    request: HttpRequest | None = None,
) -> Seal:
    """Make a seal for department with a new SM2 key (actor None = the platform's own setup)."""
    if actor is not None and not _may_manage_seals(actor, department):
        raise PermissionDenied
    name = (name or "").strip()
    errors: dict[str, list[str]] = {}
    if not name or len(name) > 100:
        errors["name"] = [_("Give the seal a name of at most 100 characters.")]
    elif image_png is None and len(name.removeprefix(department.name).strip()) > SEAL_NAME_MAX_CHARS:
        # The picture engraves the department's name on the arc and the rest under the star.
        errors["name"] = [
            _("Start with the department's name; at most %(n)d characters may follow it.") % {"n": SEAL_NAME_MAX_CHARS}
        ]
    if kind not in Seal.Kind.values:
        errors["kind"] = [_("Choose a seal kind.")]
    if not department.credit_code:
        errors["department"] = [_("The department has no unified social credit code; a seal needs one.")]
    start = valid_from or timezone.now()
    end = valid_until or start + timedelta(days=365 * 5)
    if end <= start:
        errors["valid_until"] = [_("The end of validity must come after its start.")]
    picture = image_png
    if picture is not None:
        problem = seal_picture_problem(picture)
        if problem:
            errors["picture"] = [problem]
    if picture is None and not errors:
        # The picture's bottom line is what the name adds to the department's (e.g. 电子证照专用章).
        try:
            picture = seal_png(department.name, name.removeprefix(department.name).strip())
        except ValueError:
            errors["picture"] = [_("A seal picture fits a department name of 2 to 20 characters; upload one.")]
    if errors:
        raise LicenceError(_("Please correct the marked fields."), code="invalid_seal", field_errors=errors)
    with transaction.atomic():
        prefix = f"{department.region.code[:6]}{kind}"
        code = f"{prefix}{_next_in(SealSequence, prefix):06d}"
        seal = Seal.objects.create(
            code=code,
            department=department,
            name=name,
            kind=kind,
            image_png=picture,
            valid_from=start,
            valid_until=end,
            made_by=actor,
            is_demo=is_demo,
        )
        key = _new_key(seal)
        record(
            actor=actor,
            action="seal.create",
            target=seal,
            detail={"code": seal.code, "department": department.code, "key_id": key.key_id},
            request=request,
        )
    return seal


def seal_picture_problem(data: bytes) -> str:
    """Why an uploaded seal picture is refused, or "" when it is a usable PNG (checked by content)."""
    from io import BytesIO

    from PIL import Image, UnidentifiedImageError

    if len(data) > SEAL_PICTURE_MAX_BYTES:
        return _("The picture is larger than 1 MB.")
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        return _("The picture must be a PNG file (a transparent background suits a seal).")
    try:
        with Image.open(BytesIO(data)) as image:
            image.verify()
            width, height = image.size
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return _("The picture is damaged or not a PNG image.")
    if not (64 <= width <= 4096 and 64 <= height <= 4096):
        return _("The picture must be between 64 and 4096 pixels wide and high.")
    return ""


def seal_key_rotate(*, actor: User | None, seal: Seal, request: HttpRequest | None = None) -> SealKey:
    """Retire the seal's current key and make a new one; the retired key still verifies."""
    if actor is not None and not _may_manage_seals(actor, seal.department):
        raise PermissionDenied
    with transaction.atomic():
        seal = Seal.objects.select_for_update().get(pk=seal.pk)
        if seal.status == Seal.Status.REVOKED:
            raise LicenceError(_("A revoked seal gets no new key."), code="seal_revoked")
        old = seal.keys.filter(retired_at__isnull=True).first()
        if old is not None:
            old.retired_at = timezone.now()
            old.save(update_fields=["retired_at"])
        key = _new_key(seal)
        record(
            actor=actor,
            action="seal.key_rotate",
            target=seal,
            detail={"code": seal.code, "retired": old.key_id if old else "", "key_id": key.key_id},
            request=request,
        )
    return key


def seal_set_status(
    *, actor: User | None, seal: Seal, status: str, reason: str, request: HttpRequest | None = None
) -> Seal:
    """Suspend, reactivate or revoke a seal. Revoking is final."""
    if actor is not None and not _may_manage_seals(actor, seal.department):
        raise PermissionDenied
    reason = (reason or "").strip()
    if status not in Seal.Status.values:
        raise LicenceError(_("Unknown seal status."), code="invalid_status")
    if status != Seal.Status.ACTIVE and not reason:
        raise LicenceError(
            _("Give the reason."), code="reason_required", field_errors={"reason": [_("Give the reason.")]}
        )
    if len(reason) > MAX_REASON:
        raise LicenceError(_("At most %(n)d characters.") % {"n": MAX_REASON}, code="reason_too_long")
    with transaction.atomic():
        seal = Seal.objects.select_for_update().get(pk=seal.pk)
        if seal.status == Seal.Status.REVOKED:
            raise ConflictError(_("The seal is revoked; its status can no longer change."), code="seal_revoked")
        if seal.status == status:
            raise ConflictError(_("The seal already has this status."), code="unchanged")
        before = seal.status
        seal.status = status
        seal.status_reason = reason
        seal.status_changed_at = timezone.now()
        seal.save(update_fields=["status", "status_reason", "status_changed_at"])
        record(
            actor=actor,
            action="seal.status",
            target=seal,
            detail={"code": seal.code, "from": before, "to": status, "reason": reason},
            request=request,
        )
    return seal


def signing_key_for(department: Department) -> SealKey:
    """The current key of the department's usable seal, licence seals first."""
    now = timezone.now()
    # One query: the current key (at most one per seal) of each active seal, with its seal.
    keys = [
        key
        for key in SealKey.objects.filter(
            seal__department=department, seal__status=Seal.Status.ACTIVE, retired_at__isnull=True
        )
        .select_related("seal")
        .defer("seal__image_png")
        .order_by()
        if key.seal.is_usable(now)
    ]
    if not keys:
        raise LicenceError(
            _("%(department)s has no active e-seal to sign with.") % {"department": department.name}, code="no_seal"
        )
    return min(keys, key=lambda k: (k.seal.kind != Seal.Kind.LICENCE, k.seal.kind != Seal.Kind.OFFICIAL, k.seal.code))


# --- Licence types -----------------------------------------------------------------------------


def licence_type_upsert(*, code: str, defaults: dict[str, Any]) -> LicenceType:
    """Create or update a licence type by code (demo loader and administrators)."""
    from dgov.licences.faces import face_schema_errors

    errors = face_schema_errors(defaults.get("face_schema") or {})
    number = str(defaults.get("type_number", ""))
    if not (len(number) == 3 and number.isdigit()):
        errors.append(_("The type number is 3 digits."))
    if len(str(defaults.get("definer_credit_code", ""))) != 18:
        errors.append(_("The defining department's credit code is 18 characters."))
    if errors:
        raise LicenceError("; ".join(errors), code="invalid_licence_type")
    obj, _created = LicenceType.objects.update_or_create(code=code, defaults=defaults)
    return obj


# --- Issuing -----------------------------------------------------------------------------------


def _validity(ltype: LicenceType, start: date) -> date | None:
    if not ltype.validity_years:
        return None
    # The day before the anniversary; from 29 February the anniversary of a common year is 1 March,
    # so the period ends on 28 February (民法典 第二百零二条: no corresponding day -> the month's end).
    try:
        anniversary = start.replace(year=start.year + ltype.validity_years)
    except ValueError:
        anniversary = date(start.year + ltype.validity_years, 3, 1)
    return anniversary - timedelta(days=1)


def _create_signed(
    *,
    ltype: LicenceType,
    serial: str,
    version: int,
    holder_kind: str,
    holder_name: str,
    holder_id: str,
    holder_user: User | None,
    face: dict[str, str],
    valid_from: date,
    valid_until: date | None,
    issued_by: User | None,
    case: Any = None,
    previous: Licence | None = None,
    key: SealKey | None = None,
) -> Licence:
    issuer = ltype.issuer
    if key is None:
        key = signing_key_for(issuer)
    identifier = licence_identifier(
        type_code=ltype.type_code, issuer_code=issuer.credit_code or "", serial=serial, version=version
    )
    licence = Licence(
        identifier=identifier,
        type=ltype,
        serial=serial,
        version=version,
        issuer=issuer,
        seal_key=key,
        holder_kind=holder_kind,
        holder_name=holder_name,
        holder_id=holder_id,
        holder_id_digest=crypto.search_digest(holder_id.upper(), context="licence.holder"),
        holder_id_shown=holder_shown(holder_kind, holder_id),
        holder_user=holder_user,
        face=face,
        valid_from=valid_from,
        valid_until=valid_until,
        issued_at=timezone.now().replace(microsecond=0),
        issued_by=issued_by,
        case=case,
        previous=previous,
    )
    licence.signature = signing.sign(key, canonical_bytes(licence_document(licence)))
    licence.save()
    return licence


def licence_issue(
    *,
    actor: User | None,
    ltype: LicenceType,
    holder_kind: str,
    holder_name: str,
    holder_id: str,
    face: dict[str, Any],
    holder_user: User | None = None,
    valid_from: date | None = None,
    case: Any = None,
    request: HttpRequest | None = None,
) -> Licence:
    """Issue and sign a licence of ltype (actor None = the platform, on an approved case)."""
    with transaction.atomic():
        return _issue(
            actor=actor,
            ltype=ltype,
            holder_kind=holder_kind,
            holder_name=holder_name,
            holder_id=holder_id,
            face=face,
            holder_user=holder_user,
            valid_from=valid_from,
            case=case,
            request=request,
        )


def _issue(
    *,
    actor: User | None,
    ltype: LicenceType,
    holder_kind: str,
    holder_name: str,
    holder_id: str,
    face: dict[str, Any],
    holder_user: User | None,
    valid_from: date | None,
    case: Any,
    request: HttpRequest | None,
) -> Licence:
    """licence_issue inside the caller's transaction (its own, or licence_issue_for_case's)."""
    from dgov.licences.faces import face_clean

    if actor is not None and not has_perm(actor, Perm.LICENCE_ISSUE, department=ltype.issuer):
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    clean = face_clean(ltype, face, errors)
    holder_name = (holder_name or "").strip()
    holder_id = (holder_id or "").strip().upper()
    if holder_kind not in LicenceType.Holder.values:
        errors["holder_kind"] = [_("The holder is a person or an enterprise.")]
    if not holder_name or len(holder_name) > 100:
        errors["holder_name"] = [_("Give the holder's name (at most 100 characters).")]
    if not holder_id or len(holder_id) != 18 or not holder_id.isalnum():
        errors["holder_id"] = [_("Give the holder's 18-character ID number or credit code.")]
    if errors:
        raise LicenceError(_("Please correct the marked fields."), code="invalid_licence", field_errors=errors)
    # Every refusal comes before the first write (the seal too), so a refused issue writes
    # nothing and needs no savepoint to be undone (see licence_issue_for_case's fresh cases).
    key = signing_key_for(ltype.issuer)
    start = valid_from or local_date(timezone.now())
    year = local_date(timezone.now()).year
    prefix = f"{ltype.type_code}.{ltype.issuer.credit_code}.{year}"
    serial = f"{year}{_next_in(LicenceSequence, prefix):08d}"
    licence = _create_signed(
        key=key,
        ltype=ltype,
        serial=serial,
        version=1,
        holder_kind=holder_kind,
        holder_name=holder_name,
        holder_id=holder_id,
        holder_user=holder_user,
        face=clean,
        valid_from=start,
        valid_until=_validity(ltype, start),
        issued_by=actor,
        case=case,
    )
    record(
        actor=actor,
        action="licence.issue",
        target=licence,
        detail={
            "identifier": licence.identifier,
            "type": ltype.code,
            "key_id": licence.seal_key.key_id,
            "case": getattr(case, "number", None),
        },
        request=request,
    )
    return licence


def licence_issue_for_case(
    *,
    case: Any,
    actor: User | None = None,
    face: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
    fresh: bool = False,
) -> Licence:
    """Issue the licence an approved case's item outputs; once per case, whoever asks and however often.

    The case row is locked first, so a retry or a second click waits and then finds the licence;
    the unique case column is the last line of defence. ``fresh``: the caller created and concluded
    the case in its own, still open transaction (an instant approval), so no other transaction can
    see the case, hold it or have issued its licence: no lock, no look for one, and no savepoint,
    since every refusal comes before the first write and a refused issue writes nothing."""
    from dgov.cases.models import Case

    if fresh:
        return _issue_for_approved(case=case, actor=actor, face=face, request=request)
    # One savepoint (or transaction) for the lock and the issue: a refusal or a failed insert
    # undoes both, and the caller's own transaction carries on.
    try:
        with transaction.atomic():
            # Only the case row is locked and read again (its status, result and form). Its item
            # (a published version, never edited), department and applicant are the caller's
            # when it holds them (as the submission and the staff step do), else read on use.
            locked = Case.objects.select_for_update().get(pk=case.pk)
            for field in (Case.item.field, Case.department.field, Case.applicant.field):
                if field.is_cached(case) and getattr(case, field.attname) == getattr(locked, field.attname):
                    field.set_cached_value(locked, field.get_cached_value(case))
            case = locked
            # Usually there is none yet: ask cheaply before reading one.
            existing = (
                Licence.objects.filter(case=case).select_related("issuer").first()
                if Licence.objects.filter(case=case).exists()
                else None
            )
            if existing is not None:
                if actor is not None and not has_perm(actor, Perm.LICENCE_ISSUE, department=existing.issuer):
                    raise PermissionDenied
                return existing
            return _issue_for_approved(case=case, actor=actor, face=face, request=request)
    except IntegrityError:
        # Only reachable if the lock above was bypassed; the licence the other writer made stands.
        existing = Licence.objects.filter(case=case).first()
        if existing is None:
            raise
        return existing


def _issue_for_approved(
    *, case: Any, actor: User | None, face: dict[str, Any] | None, request: HttpRequest | None
) -> Licence:
    """The licence of an approved, concluded case that has none, inside the caller's transaction."""
    from dgov.cases.models import Case
    from dgov.licences.faces import face_from_case

    if case.status != Case.Status.CONCLUDED or case.result != Case.Result.APPROVED:
        raise LicenceError(_("Only an approved, concluded case gets a licence."), code="case_not_approved")
    code = case.item.output_licence_type
    ltype = LicenceType.objects.select_related("issuer").filter(code=code).first() if code else None
    if ltype is None:
        raise LicenceError(_("This item outputs no licence type known to the platform."), code="no_licence_type")
    values = face_from_case(ltype, case)
    values.update(face or {})
    return _issue(
        actor=actor,
        ltype=ltype,
        face=values,
        valid_from=None,
        case=case,
        request=request,
        **holder_of_case(case),
    )


def licence_set_status(
    *, actor: User, licence: Licence, status: str, reason: str, request: HttpRequest | None = None
) -> Licence:
    """Suspend, reinstate, revoke (撤销) or cancel (注销) a licence. Revoked and cancelled are final."""
    if not has_perm(actor, Perm.LICENCE_ISSUE, department=licence.issuer):
        raise PermissionDenied
    reason = (reason or "").strip()
    if status not in Licence.Status.values:
        raise LicenceError(_("Unknown licence status."), code="invalid_status")
    if not reason:
        raise LicenceError(
            _("Give the reason."), code="reason_required", field_errors={"reason": [_("Give the reason.")]}
        )
    if len(reason) > MAX_REASON:
        raise LicenceError(_("At most %(n)d characters.") % {"n": MAX_REASON}, code="reason_too_long")
    with transaction.atomic():
        licence = Licence.objects.select_for_update().get(pk=licence.pk)
        _set_status(licence, status, reason)
        record(
            actor=actor,
            action="licence.status",
            target=licence,
            detail={"identifier": licence.identifier, "to": status, "reason": reason},
            request=request,
        )
    return licence


def _set_status(licence: Licence, status: str, reason: str) -> None:
    if licence.status in (Licence.Status.REVOKED, Licence.Status.CANCELLED):
        raise ConflictError(_("The licence is no longer in force; its status can no longer change."), code="final")
    if licence.status == status:
        raise ConflictError(_("The licence already has this status."), code="unchanged")
    licence.status = status
    licence.status_reason = reason
    licence.status_changed_at = timezone.now()
    licence.save(update_fields=["status", "status_reason", "status_changed_at"])


def licence_replace(
    *,
    actor: User | None,
    licence: Licence,
    face: dict[str, Any] | None = None,
    renew: bool = False,
    case: Any = None,
    request: HttpRequest | None = None,
) -> Licence:
    """Change (变更) or renew (延续) a licence: a new version with the same serial, linked to the old
    one, which is cancelled. A renewal starts a new validity period today."""
    from dgov.licences.faces import face_clean

    if actor is not None and not has_perm(actor, Perm.LICENCE_ISSUE, department=licence.issuer):
        raise PermissionDenied
    with transaction.atomic():
        old = Licence.objects.select_for_update(of=("self",)).select_related("type__issuer").get(pk=licence.pk)
        if old.status in (Licence.Status.REVOKED, Licence.Status.CANCELLED):
            raise ConflictError(_("Only a licence in force can be changed or renewed."), code="final")
        if old.version >= 999:
            raise LicenceError(_("This licence has reached its last version."), code="version_exhausted")
        errors: dict[str, list[str]] = {}
        clean = face_clean(old.type, {**old.face, **(face or {})}, errors)
        if errors:
            raise LicenceError(_("Please correct the marked fields."), code="invalid_licence", field_errors=errors)
        if renew:
            start = local_date(timezone.now())
            end = _validity(old.type, start)
        else:
            start, end = old.valid_from, old.valid_until
        _set_status(old, Licence.Status.CANCELLED, _("Replaced by version %(v)03d") % {"v": old.version + 1})
        new = _create_signed(
            ltype=old.type,
            serial=old.serial,
            version=old.version + 1,
            holder_kind=old.holder_kind,
            holder_name=old.holder_name,
            holder_id=old.holder_id,
            holder_user=old.holder_user,
            face=clean,
            valid_from=start,
            valid_until=end,
            issued_by=actor,
            case=case,
            previous=old,
        )
        record(
            actor=actor,
            action="licence.renew" if renew else "licence.change",
            target=new,
            detail={"identifier": new.identifier, "previous": old.identifier},
            request=request,
        )
    return new


# --- Sharing -----------------------------------------------------------------------------------


def licence_share_create(
    *, actor: User, licence: Licence, days: int = 7, request: HttpRequest | None = None
) -> tuple[LicenceShare, str]:
    """A link showing the licence to whoever has it, for days (1–30); returns the share and its token."""
    from dgov.licences.selectors import licence_get_for_holder

    licence = licence_get_for_holder(user=actor, pk=licence.pk)
    if not 1 <= int(days) <= SHARE_DAYS_MAX:
        raise LicenceError(
            _("A link lasts 1 to %(n)d days.") % {"n": SHARE_DAYS_MAX},
            code="invalid_days",
            field_errors={"days": [_("A link lasts 1 to %(n)d days.") % {"n": SHARE_DAYS_MAX}]},
        )
    token = secrets.token_urlsafe(24)
    with transaction.atomic():
        share = LicenceShare.objects.create(
            licence=licence,
            token_digest=crypto.sm3_hex(token.encode()),
            created_by=actor,
            expires_at=timezone.now() + timedelta(days=int(days)),
        )
        record(
            actor=actor,
            action="licence.share",
            target=licence,
            detail={"identifier": licence.identifier, "share": share.pk, "days": int(days)},
            request=request,
        )
    return share, token


def licence_share_revoke(*, actor: User, share: LicenceShare, request: HttpRequest | None = None) -> None:
    from dgov.licences.selectors import licence_get_for_holder

    licence_get_for_holder(user=actor, pk=share.licence_id)
    with transaction.atomic():
        share.revoked_at = timezone.now()
        share.save(update_fields=["revoked_at"])
        record(
            actor=actor,
            action="licence.share_revoke",
            target=share.licence,
            detail={"share": share.pk},
            request=request,
        )


# --- Use (用证) --------------------------------------------------------------------------------


def licence_use_in_case(
    *, actor: User, case: Any, item_material: Any, licence: Licence, request: HttpRequest | None = None
) -> LicenceUse:
    """The holder presents a wallet licence for a material of their case instead of an upload."""
    from dgov.licences.selectors import licence_get_for_holder
    from dgov.licences.verification import verify_licence

    licence = licence_get_for_holder(user=actor, pk=licence.pk)
    if case.applicant_id != actor.pk:
        raise PermissionDenied
    if item_material.item_id != case.item_id or item_material.source_ref != licence.type.code:
        raise LicenceError(_("This licence is not the one this material asks for."), code="wrong_licence_type")
    verdict = verify_licence(licence)
    if verdict.state != "valid":
        raise LicenceError(
            _("This licence cannot be used: %(reason)s") % {"reason": verdict.reason}, code="licence_not_valid"
        )
    with transaction.atomic():
        LicenceUse.objects.filter(case=case, item_material=item_material, kind=LicenceUse.Kind.CASE).delete()
        use = LicenceUse.objects.create(
            licence=licence,
            kind=LicenceUse.Kind.CASE,
            case=case,
            item_material=item_material,
            used_by=actor,
            department=case.department,
        )
        record(
            actor=actor,
            action="licence.use",
            target=licence,
            detail={"identifier": licence.identifier, "case": case.pk, "material": item_material.pk},
            request=request,
        )
    return use


def licence_staff_lookup(
    *, actor: User, identifier: str, case: Any, reason: str = "", request: HttpRequest | None = None
) -> Licence:
    """A member of staff looks a licence up, with a case of their department as the reason."""
    from dgov.cases.selectors import case_get_for_staff

    case = case_get_for_staff(user=actor, pk=case.pk)  # raises when the case is not theirs to see
    licence = (
        Licence.objects.select_related("type", "issuer", "seal_key__seal")
        .filter(identifier=identifier.strip().upper())
        .first()
    )
    if licence is None:
        raise LicenceError(_("No licence has this identifier."), code="unknown_licence")
    with transaction.atomic():
        LicenceUse.objects.create(
            licence=licence,
            kind=LicenceUse.Kind.LOOKUP,
            case=case,
            used_by=actor,
            department=case.department,
            reason=(reason or "").strip()[:MAX_REASON],
        )
        record(
            actor=actor,
            action="licence.lookup",
            target=licence,
            detail={"identifier": licence.identifier, "case": case.number},
            request=request,
        )
    return licence

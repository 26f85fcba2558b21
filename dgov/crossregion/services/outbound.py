"""The receiving side (异地代收): taking in an application for another region's item and sending
a failed one again.

A handover is written in one transaction (the applicant found or registered, the receipt number,
the files, the first history line, the audit record) and sent after commit
(dgov.crossregion.services.handover_delivery).

Sending a failed handover again keeps its id when it was undeliverable (the peer may hold the
case) and takes a new one when the peer refused it (the peer wrote nothing under the old id and
would repeat its stored refusal).
"""

from __future__ import annotations

import contextlib
import secrets
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dgov.accounts.models import User
from dgov.accounts.permissions import Perm, has_perm
from dgov.audit import record
from dgov.cases.formdata import clean_form_data
from dgov.cases.uploads import CheckedUpload, UploadRejected, check_upload
from dgov.core.commit import after_commit
from dgov.core.errors import ApplicationError, ConflictError
from dgov.core.validation import normalise_id_number, normalise_phone
from dgov.crossregion.models import Handover, HandoverEvent, HandoverFile, Peer, RemoteItem
from dgov.crossregion.numbering import receipt_number_next
from dgov.crossregion.selectors import own_region_containing

LOOKUP_CODE_DIGITS = 6
MAX_FILES_PER_MATERIAL = 10
# Form fields the applicant section fills when the clerk left them empty (dgov.catalog person forms).
APPLICANT_FORM_FIELDS = {"applicant_name": "name", "id_number": "id_number", "phone": "phone"}

Uploads = Mapping[int, Iterable[UploadedFile]]  # material position -> files


def history_add(handover: Handover, kind: str, *, actor: User | None = None, note: str = "") -> HandoverEvent:
    """A line of the handover's history (inside the caller's transaction)."""
    return HandoverEvent.objects.create(handover=handover, kind=kind, actor=actor, note=note, at=timezone.now())


def notify_applicant(handover: Handover, subject: str, body: str) -> None:
    """A notice to the applicant's account here (site and SMS), linking to the public look-up."""
    from dgov.notices.services import notice_send

    notice_send(
        recipient=handover.applicant,
        subject=subject,
        body=body,
        url=reverse("crossregion:lookup"),
        kind="case_update",
        channels=("site", "sms"),
    )


def notify_clerk(handover: Handover, subject: str, body: str) -> None:
    """A notice to the clerk who took the application in (a refusal, a delivery given up)."""
    from dgov.notices.services import notice_send

    notice_send(
        recipient=handover.clerk,
        subject=subject,
        body=body,
        url=reverse("crossregion:detail", args=[handover.pk]),
        kind="case_update",
    )


def _queue_delivery(handover_id: int) -> None:
    from dgov.crossregion.tasks import deliver

    deliver.delay("handover", handover_id)


def _remove_files(names: list[str]) -> None:
    for name in names:
        # Best effort after a failed transaction: a file left behind is harmless, a raise is not.
        with contextlib.suppress(OSError):
            default_storage.delete(name)


# --- Taking in ----------------------------------------------------------------------------------


def _check_applicant(details: Mapping[str, Any], errors: dict[str, list[str]]) -> dict[str, str]:
    name = str(details.get("name") or "").strip()
    if not name:
        errors["applicant-name"] = [_("Enter the applicant's name.")]
    elif len(name) > 64:
        errors["applicant-name"] = [_("At most %(n)d characters.") % {"n": 64}]
    id_number = str(details.get("id_number") or "")
    try:
        id_number = normalise_id_number(id_number)
    except ValueError as exc:
        errors["applicant-id_number"] = [str(exc)]
    phone = str(details.get("phone") or "")
    try:
        phone = normalise_phone(phone)
    except ValueError as exc:
        errors["applicant-phone"] = [str(exc)]
    return {"name": name, "id_number": id_number, "phone": phone}


def _check_files(item: RemoteItem, uploads: Uploads, errors: dict[str, list[str]]) -> list[tuple[int, CheckedUpload]]:
    allowed = {int(m["position"]): m for m in item.upload_materials}
    checked: list[tuple[int, CheckedUpload]] = []
    for position, files in uploads.items():
        files = list(files)
        key = f"material_{position}"
        if position not in allowed:
            errors.setdefault("__all__", []).append(_("A file was sent for a material this item does not ask for."))
            continue
        if len(files) > MAX_FILES_PER_MATERIAL:
            errors[key] = [_("At most %(n)d files per material.") % {"n": MAX_FILES_PER_MATERIAL}]
            continue
        for upload in files:
            try:
                checked.append((position, check_upload(upload)))
            except UploadRejected as exc:
                errors.setdefault(key, []).append(str(exc))
    have = {p for p, _u in checked}
    for position, material in allowed.items():
        if material.get("required") and position not in have and f"material_{position}" not in errors:
            errors[f"material_{position}"] = [_("Please upload %(material)s.") % {"material": material["name"]}]
    return checked


def handover_create(
    *,
    actor: User,
    peer: Peer,
    item: RemoteItem,
    applicant_details: Mapping[str, Any],
    data: Mapping[str, Any],
    uploads: Uploads | None = None,
    idempotency_key: str | None = None,
    request: HttpRequest | None = None,
) -> Handover:
    """Take in an application for another region's item (异地代收) and queue it for handing over.

    ``applicant_details``: name, id_number, phone of the individual at the counter (found by ID
    number or registered, as the window does). ``uploads`` maps a material's position in the
    peer's guide to files. Raises ApplicationError with field errors (form fields by name,
    ``applicant-…``, ``material_<position>``) and writes nothing when anything is wrong; the same
    idempotency key from the same clerk returns the first handover."""
    department = actor.department
    if not has_perm(actor, Perm.CROSSREGION_HANDOVER, department=department):
        record(
            actor=actor, action="access.denied", target=item, detail={"action": "crossregion.handover"}, request=request
        )
        raise PermissionDenied
    key = (idempotency_key or "").strip()[:64] or None
    if key is not None:
        earlier = Handover.objects.filter(clerk=actor, idempotency_key=key).first()
        if earlier is not None:
            return earlier
    if department is None:  # pragma: no cover - staff always have one (a model constraint)
        raise PermissionDenied
    receiving = own_region_containing(department.region)
    if receiving is None:
        raise ApplicationError(
            _("Your department is not in a region this platform receives applications for."), code="not_our_region"
        )
    if not peer.active or item.peer_id != peer.pk or not item.active:
        raise ApplicationError(_("This item cannot be handed over at the moment."), code="item_unavailable")
    if peer.region_id == receiving.pk:
        raise ApplicationError(
            _("This item is handled in your own region: take it in at the comprehensive window."), code="own_region"
        )

    errors: dict[str, list[str]] = {}
    applicant = _check_applicant(applicant_details, errors)
    raw = dict(data)
    properties = item.form_schema.get("properties", {})
    for field, source in APPLICANT_FORM_FIELDS.items():
        if field in properties and not str(raw.get(field) or "").strip() and applicant.get(source):
            raw[field] = applicant[source]
    clean, form_errors = clean_form_data(item.form_schema, raw, require=True)
    for k, v in form_errors.items():
        errors.setdefault(k, v)
    checked = _check_files(item, uploads or {}, errors)
    if errors:
        raise ApplicationError(
            _("The application has mistakes; please correct the fields marked below."),
            code="invalid_application",
            field_errors=errors,
        )
    names = {int(m["position"]): str(m["name"]) for m in item.materials}

    stored: list[str] = []
    try:
        with transaction.atomic():
            account = _applicant_account(actor, applicant, request)
            now = timezone.now()
            handover = Handover(
                message_id=uuid.uuid4(),
                receipt_number=receipt_number_next(region_code=receiving.code, at=now),
                lookup_code=f"{secrets.randbelow(10**LOOKUP_CODE_DIGITS):0{LOOKUP_CODE_DIGITS}d}",
                peer=peer,
                remote_item=item,
                item_code=item.code,
                item_name=item.name,
                receiving_region=receiving,
                department=department,
                clerk=actor,
                applicant=account,
                applicant_name=applicant["name"],
                applicant_id_number=applicant["id_number"],
                applicant_phone=applicant["phone"],
                idempotency_key=key,
                state=Handover.State.QUEUED,
                next_attempt_at=now,
                created_at=now,
                updated_at=now,
            )
            handover.form_data = clean
            handover.save()
            rows = []
            for position, upload in checked:
                name = default_storage.save(f"crossregion/{now:%Y/%m}/{upload.storage_name}", upload.file)
                stored.append(name)
                rows.append(
                    HandoverFile(
                        handover=handover,
                        position=position,
                        material_name=names.get(position, "")[:200],
                        file=name,
                        original_name=upload.original_name,
                        content_type=upload.content_type,
                        size=upload.size,
                        sm3=upload.sm3,
                    )
                )
            HandoverFile.objects.bulk_create(rows)
            history_add(handover, HandoverEvent.Kind.RECEIVED, actor=actor, note=department.name)
            record(
                actor=actor,
                action="crossregion.handover_create",
                target=handover,
                detail={
                    "receipt": handover.receipt_number,
                    "peer": peer.region.code,
                    "item": item.code,
                    "message_id": str(handover.message_id),
                },
                request=request,
            )
            notify_applicant(
                handover,
                _("Application %(number)s received") % {"number": handover.receipt_number},
                _(
                    "Your application for %(item)s was received here and is handed over to %(region)s, which "
                    "handles it. Receipt number %(number)s, verification code %(code)s."
                )
                % {
                    "item": item.name,
                    "region": peer.region.name,
                    "number": handover.receipt_number,
                    "code": handover.lookup_code,
                },
            )
            after_commit(_queue_delivery, handover.pk)
    except IntegrityError:
        _remove_files(stored)
        if key is not None:
            # A double click raced this one: answer with the handover it made.
            earlier = Handover.objects.filter(clerk=actor, idempotency_key=key).first()
            if earlier is not None:
                return earlier
        raise
    except BaseException:
        _remove_files(stored)
        raise
    return handover


def _applicant_account(actor: User, applicant: Mapping[str, str], request: HttpRequest | None) -> User:
    """The individual's account here (notices go to it), registered at the counter when missing."""
    from dgov.cases.selectors import applicant_find
    from dgov.cases.services import window_applicant_register

    account = applicant_find(id_number=applicant["id_number"])
    if account is not None:
        return account
    return window_applicant_register(
        actor=actor,
        kind=User.Kind.CITIZEN,
        real_name=applicant["name"],
        id_number=applicant["id_number"],
        phone=applicant["phone"],
        request=request,
    )


def handover_retry(*, actor: User, handover: Handover, request: HttpRequest | None = None) -> Handover:
    """Send a failed handover again (the caller has checked the actor may see it)."""
    if not has_perm(actor, Perm.CROSSREGION_HANDOVER, department=handover.department):
        raise PermissionDenied
    with transaction.atomic():
        locked = Handover.objects.select_for_update().get(pk=handover.pk)
        if locked.state != Handover.State.FAILED:
            raise ConflictError(_("Only a failed handover can be sent again."), code="not_failed")
        old_id = locked.message_id
        if locked.failure == Handover.Failure.REFUSED:
            # The peer wrote nothing under the old id and would repeat its refusal to it.
            locked.message_id = uuid.uuid4()
        now = timezone.now()
        note = locked.failure_reason
        locked.state = Handover.State.QUEUED
        locked.failure = Handover.Failure.NONE
        locked.failure_reason = ""
        locked.attempts = 0
        locked.next_attempt_at = now
        locked.last_error = ""
        locked.updated_at = now
        locked.save()
        history_add(locked, HandoverEvent.Kind.RETRIED, actor=actor, note=note)
        record(
            actor=actor,
            action="crossregion.handover_retry",
            target=locked,
            detail={"receipt": locked.receipt_number, "old_id": str(old_id), "message_id": str(locked.message_id)},
            request=request,
        )
        after_commit(_queue_delivery, locked.pk)
    return locked

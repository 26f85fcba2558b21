"""Every write of the cases app: drafts, submissions (online, window, partner), staff decisions,
corrections and withdrawals.

A submission is one transaction: check everything first (the item, who may apply, the form, each
file by content, the required materials), then write the case with its number, its materials and
its first timeline line, start its BPMN process and write the audit trail. Files are written to
storage before the rows that name them and removed again if the transaction fails, so a refused
or failed submission leaves nothing behind. Notices go out after commit.

A staff decision completes the case's current task in the workflow kernel and then reads what the
decision means for the case from the platform's decision values, the same for every process an
item may carry: ``accept``, ``refuse``, ``request_correction`` (at acceptance) and ``approve``, ``reject``
(at the decision); a process that ends with any other result concludes the case. The case row is
locked first, then the process instance (always in that order).
"""

from __future__ import annotations

import contextlib
import json
import secrets
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from dgov.accounts.models import ApiToken, Region, User
from dgov.accounts.permissions import Perm, has_perm
from dgov.audit import record
from dgov.cases import instant, prefill
from dgov.cases.formdata import clean_form_data
from dgov.cases.models import Case, CaseEvent, CaseMaterial, Channel
from dgov.cases.numbering import case_number_next
from dgov.cases.registry_materials import take_registry_materials
from dgov.cases.signals import case_event_committed
from dgov.cases.uploads import CheckedUpload, UploadRejected, check_upload
from dgov.catalog.models import ItemMaterial, ServiceItem
from dgov.core import crypto
from dgov.core.commit import after_commit
from dgov.core.errors import ApplicationError, ConflictError
from dgov.core.workdays import add_working_days, working_days_between
from dgov.esign import services as esign
from dgov.esign.services import SignatureInput, VerifiedSignature
from dgov.workflow import services as workflow
from dgov.workflow.dialect import APPLICANT
from dgov.workflow.models import ProcessInstance, Task
from dgov.workflow.selectors import can_work_on, process_definition_is_published

SUBJECT_TYPE = "cases.case"
MAX_FILES_PER_MATERIAL = 10
MAX_REASON = 2000
LOOKUP_CODE_DIGITS = 6

# Decision values of case processes and what they mean for the case.
ACCEPT, REFUSE, CORRECT, APPROVE, REJECT = "accept", "refuse", "request_correction", "approve", "reject"
NEEDS_REASON = (REFUSE, CORRECT, REJECT)
# The credit incentive (dgov.credit measure code) that lets materials follow later (容缺受理).
TOLERATE_MISSING = "tolerate_missing"

Uploads = Mapping[int, Iterable[UploadedFile]]  # ItemMaterial id -> files


# --- Helpers ----------------------------------------------------------------------------------


def material_is_online_form(material: ItemMaterial) -> bool:
    """The application form itself (《…申请书》, named in book-title marks): online, it is the form
    the applicant fills in, so no upload is asked for it."""
    return material.name.startswith("《") and material.name.endswith("》")


def material_needs_upload(material: ItemMaterial) -> bool:
    """Whether an online applicant must upload this material (registry and licence sources are
    the government's own data; conditional materials are uploaded when they apply)."""
    return (
        material.source == ItemMaterial.Source.APPLICANT
        and material.requirement == ItemMaterial.Requirement.REQUIRED
        and not material_is_online_form(material)
    )


def _uploadable(item: ServiceItem) -> dict[int, ItemMaterial]:
    """The materials an applicant hands in as files (not government data, not the online form)."""
    return {
        m.pk: m
        for m in item.materials.all()
        if m.source == ItemMaterial.Source.APPLICANT and not material_is_online_form(m)
    }


def _check_licences(
    item: ServiceItem, applicant: User, choices: Mapping[int, int], errors: dict[str, list[str]], *, window: bool
) -> list[tuple[ItemMaterial, Any]]:
    """The (material, licence) pairs chosen from the applicant's wallet, each checked."""
    from dgov.licences.selectors import licences_usable_for

    by_id = {m.pk: m for m in item.materials.all() if m.source == ItemMaterial.Source.LICENCE}
    chosen: list[tuple[ItemMaterial, Any]] = []
    for material_id, licence_id in choices.items():
        key = f"licence_{material_id}"
        if window:
            errors[key] = [_("At the window the clerk looks licences up; none are chosen from a wallet.")]
            continue
        try:
            material = by_id.get(int(material_id))
            wanted = int(licence_id)
        except (TypeError, ValueError):
            errors[key] = [_("Choose a licence from your wallet.")]
            continue
        if material is None:
            errors[key] = [_("This material is not taken from an e-licence.")]
            continue
        usable = {lic.pk: lic for lic in licences_usable_for(user=applicant, type_code=material.source_ref)}
        if wanted not in usable:
            errors[key] = [_("Choose one of your licences of this type that is in force.")]
            continue
        chosen.append((material, usable[wanted]))
    return chosen


def _present(
    case: Case, presented: list[tuple[ItemMaterial, Any]], applicant: User, request: HttpRequest | None
) -> None:
    from dgov.licences.services import licence_use_in_case

    for material, licence in presented:
        licence_use_in_case(actor=applicant, case=case, item_material=material, licence=licence, request=request)


def _check_uploads(
    item: ServiceItem, uploads: Uploads, errors: dict[str, list[str]]
) -> list[tuple[int, CheckedUpload]]:
    allowed = _uploadable(item)
    checked: list[tuple[int, CheckedUpload]] = []
    for material_id, files in uploads.items():
        files = list(files)
        key = f"material_{material_id}"
        if material_id not in allowed:
            errors.setdefault("__all__", []).append(_("A file was sent for a material this item does not ask for."))
            continue
        if len(files) > MAX_FILES_PER_MATERIAL:
            errors[key] = [_("At most %(n)d files per material.") % {"n": MAX_FILES_PER_MATERIAL}]
            continue
        for upload in files:
            try:
                checked.append((material_id, check_upload(upload)))
            except UploadRejected as exc:
                errors.setdefault(key, []).append(str(exc))
    return checked


def _store(case: Case, checked: list[tuple[int, CheckedUpload]], actor: User, stored: list[str]) -> list[CaseMaterial]:
    rows = []
    now = timezone.now()
    for material_id, upload in checked:
        name = default_storage.save(f"cases/{now:%Y/%m}/{upload.storage_name}", upload.file)
        stored.append(name)
        rows.append(
            CaseMaterial(
                case=case,
                item_material_id=material_id,
                file=name,
                original_name=upload.original_name,
                content_type=upload.content_type,
                size=upload.size,
                sm3=upload.sm3,
                uploaded_by=actor,
                uploaded_at=now,
            )
        )
    return CaseMaterial.objects.bulk_create(rows)


def _remove_files(names: list[str]) -> None:
    for name in names:
        # Best effort after a failed transaction: a file left behind is harmless, a raise is not.
        with contextlib.suppress(OSError):
            default_storage.delete(name)


def _event(
    case: Case, kind: str, *, actor: User | None, note: str = "", public: bool = True, label: str = ""
) -> CaseEvent:
    event = CaseEvent.objects.create(
        case=case,
        kind=kind,
        actor=actor,
        actor_label=label or (case.department.name if actor is not None and actor.is_staff_member else ""),
        note=note,
        public=public,
        at=timezone.now(),
    )
    _announce_later(case, kind)
    return event


def _announce_later(case: Case, kind: str) -> None:
    """One case_event_committed per case and transaction, carrying every kind written in it: a
    submission that is decided, concluded and issued at once wakes the receivers once."""
    case_id, handed_over = case.pk, case.received_in_id is not None
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        for _savepoints, func, _robust in connection.run_on_commit:
            # (A callback already run is skipped: tests run callbacks without committing.)
            if getattr(func, "announces_case", None) == case_id and not func.sent:  # type: ignore[attr-defined]
                func.kinds.append(kind)  # type: ignore[attr-defined]
                return
    kinds = [kind]

    def announce() -> None:
        announce.sent = True  # type: ignore[attr-defined]
        case_event_committed.send(
            sender=Case, case_id=case_id, kind=kinds[-1], kinds=tuple(kinds), handed_over=handed_over
        )

    announce.sent = False  # type: ignore[attr-defined]
    announce.announces_case = case_id  # type: ignore[attr-defined]
    announce.kinds = kinds  # type: ignore[attr-defined]
    transaction.on_commit(announce, robust=True)


def _notify(case: Case, subject: str, body: str, *, invite_rating: bool = False, fresh: bool = False) -> None:
    """Tell the applicant (site and SMS). ``invite_rating``: the case has ended, so the notice
    carries a one-time rating link (好差评 by SMS link) instead of the case page's address;
    ``fresh``: it ended in this very transaction, so nobody can have rated it yet."""
    from dgov.notices.services import notice_send

    url = f"/cases/mine/{case.pk}/"
    if invite_rating:
        from dgov.ratings import rules as rating_rules
        from dgov.ratings.services import rating_link_for_case

        if (fresh and case.applicant.kind != User.Kind.STAFF) or rating_rules.rating_refusal(
            case=case, rater=case.applicant
        ) is None:
            url = rating_link_for_case(case)
            body = f"{body} " + _(
                "Please rate the service: the link in this message rates this case once, within %(days)d days."
            ) % {"days": rating_rules.LINK_DAYS}
    notice_send(
        recipient=case.applicant,
        subject=subject,
        body=body,
        url=url,
        kind="case_update",
        channels=("site", "sms"),
    )


def _request_digest(
    item: ServiceItem, applicant: User, data: dict[str, Any], checked: list[tuple[int, CheckedUpload]]
) -> str:
    canonical = json.dumps(
        {
            "item": item.code,
            "applicant": applicant.pk,
            "data": data,
            "files": sorted([m, u.sm3] for m, u in checked),
        },
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return crypto.sm3_hex(canonical.encode("utf-8"))


def check_can_apply(*, item: ServiceItem, applicant: User, channel: str, handed_over: bool = False) -> None:
    """ApplicationError (with a message for the person) unless applicant may apply for item this way.

    ``handed_over``: the application was taken in by another region's platform (跨域通办): an item
    the catalogue marks as handled across regions (``cross_province``) is open to it whatever its
    channels; otherwise the partner channel must be open, as for any partner submission."""
    _check_channel(item, channel, handed_over=handed_over)
    _check_applicant(item, applicant)


def _check_channel(item: ServiceItem, channel: str, *, handed_over: bool = False) -> None:
    if item.status != ServiceItem.Status.PUBLISHED:
        raise ApplicationError(_("This service item is not offered any more."), code="item_not_published")
    if not item.form_schema:
        raise ApplicationError(
            _("This item has no application form yet; see its guide for where to apply."), code="no_form"
        )
    if not process_definition_is_published(key=item.process_key):
        # The catalogue names the process by key; an administrator may not have published it yet.
        raise ApplicationError(
            _("Applications for this item cannot be handled at the moment; please contact the department."),
            code="no_process",
        )
    if channel == Channel.WINDOW:
        if Channel.WINDOW not in item.channels and not item.comprehensive_window:
            raise ApplicationError(_("This item is not accepted at the service hall."), code="channel_closed")
        return
    if handed_over and item.cross_province:
        return
    if channel not in item.channels or item.online_depth < ServiceItem.OnlineDepth.APPLY:
        raise ApplicationError(
            _("This item cannot be applied for this way; see its guide for where to apply."), code="channel_closed"
        )


def _check_applicant(item: ServiceItem, applicant: User) -> None:
    if not applicant.is_active:
        raise ApplicationError(_("This account is not active."), code="inactive")
    kind = applicant.kind
    if kind == User.Kind.STAFF:
        raise ApplicationError(
            _("Staff accounts cannot apply; sign in with your personal or enterprise account."), code="wrong_subject"
        )
    if item.subject == ServiceItem.Subject.PERSON and kind != User.Kind.CITIZEN:
        raise ApplicationError(_("Only individuals can apply for this item."), code="wrong_subject")
    if item.subject == ServiceItem.Subject.ENTERPRISE and kind != User.Kind.ENTERPRISE:
        raise ApplicationError(_("Only enterprises and organisations can apply for this item."), code="wrong_subject")


def _missing_materials(item: ServiceItem, have: set[int]) -> dict[str, list[str]]:
    return {
        f"material_{m.pk}": [_("Please upload %(material)s.") % {"material": m.name}]
        for m in item.materials.all()
        if material_needs_upload(m) and m.pk not in have
    }


def _lock_case(pk: int) -> Case:
    # of=self: with select_related, FOR UPDATE would also lock the item, department and applicant
    # rows, and every other transaction inserting a case of that item then waits on them at commit
    # (its deferred foreign-key check) while holding the audit chain: a deadlock.
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("item", "department__region", "applicant")
        .get(pk=pk)
    )


def prefill_for(applicant: User, schema: dict[str, Any]) -> dict[str, Any]:
    """The form values the platform already knows from the applicant's real-name account (the
    registries add more, with a logged read: see dgov.cases.prefill)."""
    return prefill.from_account(applicant, schema)


# --- Drafts -----------------------------------------------------------------------------------


def case_draft_save(
    *,
    actor: User,
    item: ServiceItem,
    data: Mapping[str, Any],
    uploads: Uploads | None = None,
    request: HttpRequest | None = None,
) -> Case:
    """Save the applicant's draft for item (one per person and item): form values checked for type
    only, files checked by content. Nothing is written if anything is wrong."""
    check_can_apply(item=item, applicant=actor, channel=Channel.ONLINE)
    clean, errors = clean_form_data(item.form_schema, dict(data), require=False)
    checked = _check_uploads(item, uploads or {}, errors)
    if errors:
        raise ApplicationError(_("The draft has mistakes; please correct them."), field_errors=errors)
    stored: list[str] = []
    try:
        with transaction.atomic():
            draft = (
                Case.objects.select_for_update()
                .filter(applicant=actor, item__code=item.code, status=Case.Status.DRAFT)
                .first()
            )
            now = timezone.now()
            if draft is None:
                draft = Case(
                    item=item,
                    department=item.department,
                    applicant=actor,
                    submitted_by=actor,
                    channel=Channel.ONLINE,
                    applicant_name=actor.display_name,
                    created_at=now,
                )
            draft.item = item
            draft.department = item.department
            draft.form_data = clean
            draft.updated_at = now
            draft.save()
            _store(draft, checked, actor, stored)
            record(actor=actor, action="case.draft_save", target=draft, detail={"item": item.code}, request=request)
    except BaseException:
        _remove_files(stored)
        raise
    return draft


def case_material_remove(*, actor: User, material: CaseMaterial, request: HttpRequest | None = None) -> None:
    """Remove a file from the actor's own draft."""
    case = material.case
    if case.applicant_id != actor.pk or case.status != Case.Status.DRAFT:
        raise PermissionDenied
    name = material.file.name or ""
    with transaction.atomic():
        material.delete()
        record(
            actor=actor,
            action="case.material_remove",
            target=case,
            detail={"file": material.original_name},
            request=request,
        )
    _remove_files([name])


def case_draft_delete(*, actor: User, case: Case, request: HttpRequest | None = None) -> None:
    """Delete the actor's own draft and its files."""
    if case.applicant_id != actor.pk or case.status != Case.Status.DRAFT:
        raise PermissionDenied
    names = [m.file.name for m in case.materials.all() if m.file.name]
    with transaction.atomic():
        record(actor=actor, action="case.draft_delete", target=case, detail={"item": case.item.code}, request=request)
        case.materials.all().delete()
        case.delete()
    _remove_files(names)


# --- Submission -------------------------------------------------------------------------------


def case_submit(
    *,
    actor: User,
    item: ServiceItem,
    data: Mapping[str, Any],
    uploads: Uploads | None = None,
    idempotency_key: str | None = None,
    channel: str = Channel.ONLINE,
    applicant: User | None = None,
    partner_name: str = "",
    via_token: ApiToken | None = None,
    draft: Case | None = None,
    licences: Mapping[int, int] | None = None,
    prefill_stamp: str = "",
    received_in: Region | None = None,
    notify: bool = True,
    signature: SignatureInput | VerifiedSignature | None = None,
    request: HttpRequest | None = None,
) -> Case:
    """Submit an application: online by the applicant (actor), at the window by a clerk for
    ``applicant``, or through a partner for the signed-in applicant (actor, with partner_name).

    With an idempotency key, submitting the same thing again returns the first case; the same key
    with different content is a ConflictError. Raises ApplicationError with field errors (form
    fields by name, files as ``material_<id>``, wallet licences as ``licence_<id>``) and writes
    nothing when anything is wrong.

    ``licences`` maps materials whose source is a licence type to licences in the applicant's
    wallet (用证): choosing one is the holder's authorisation to use it for this case, and the
    use is logged. At the window the clerk looks licences up instead.

    ``notify=False``: the caller tells the applicant itself (a bundle sends one receipt for all
    its child cases; a decision by the rules is still told).

    ``received_in``: the region whose platform received the application and handed it over
    (跨域通办; partner channel, named by ``partner_name``).

    ``prefill_stamp``: the signed record of the values the form was prefilled with from a registry;
    a kept value the registry has since changed is refused with the new value named.

    ``signature``: the applicant's drawn signature or one-time code (免手写签名), checked here, or
    one a bundle already checked for all its children. An enterprise's application is signed with
    the enterprise's e-seal (免用实物印章). Which items need which is ``esign.signature_missing``."""
    if channel not in Channel.values:
        raise ApplicationError(_("Unknown channel."), code="invalid_channel")
    if channel == Channel.WINDOW:
        if applicant is None:
            raise ApplicationError(_("Name the person or enterprise applying."), code="applicant_required")
        if not has_perm(actor, Perm.CASE_WINDOW, department=item.department):
            record(
                actor=actor,
                action="access.denied",
                target=item,
                detail={"action": "case.window_submit"},
                request=request,
            )
            raise PermissionDenied(_("Your window role does not cover this department."))
    else:
        if applicant is not None and applicant.pk != actor.pk:
            raise PermissionDenied(_("Only window clerks submit for someone else."))
        applicant = actor
    if channel == Channel.PARTNER and not partner_name:
        raise ApplicationError(_("A partner submission names the partner."), code="partner_required")
    if received_in is not None and channel != Channel.PARTNER:
        raise ApplicationError(_("Only a handed-over application names the region that received it."))
    key = (idempotency_key or "").strip() or None
    if key is not None and (len(key) > 64 or not key.isprintable()):
        raise ApplicationError(_("An idempotency key has at most 64 printable characters."), code="invalid_key")

    if key is not None:
        earlier = Case.objects.filter(submitted_by=actor, idempotency_key=key).first()
        if earlier is not None:
            return _replay(earlier, item, applicant, data, uploads)

    check_can_apply(item=item, applicant=applicant, channel=channel, handed_over=received_in is not None)
    if draft is not None and (draft.applicant_id != applicant.pk or draft.status != Case.Status.DRAFT):
        raise ConflictError(_("This draft has already been submitted or deleted."), code="draft_gone")
    clean, errors = clean_form_data(item.form_schema, dict(data), require=True)
    for k, v in prefill.stale_fields(applicant=applicant, item=item, data=clean, stamp=prefill_stamp).items():
        errors.setdefault(k, v)
    verified: VerifiedSignature | None = None
    if isinstance(signature, VerifiedSignature):
        verified = signature
    elif signature is not None:
        try:
            verified = esign.signature_verify(
                actor=actor, applicant=applicant, subject=item.code, given=signature, channel=channel
            )
        except ApplicationError as exc:
            for k, v in (exc.field_errors or {"signature": [str(exc)]}).items():
                errors.setdefault(k, v)
    missing_signature = esign.signature_missing(item=item, applicant=applicant, channel=channel, verified=verified)
    if missing_signature and "signature" not in errors:
        errors["signature"] = [missing_signature]
    checked = _check_uploads(item, uploads or {}, errors)
    presented = _check_licences(item, applicant, licences or {}, errors, window=channel == Channel.WINDOW)
    have = {m for m, _u in checked}
    if draft is not None:
        have |= set(draft.materials.values_list("item_material_id", flat=True))
    # At the window the clerk sees the originals; uploads (scans) are asked for online channels only.
    owed: dict[str, list[str]] = {}
    if channel != Channel.WINDOW:
        owed = _missing_materials(item, have)
        # 容缺受理: a red credit-list entry with that incentive lets the materials follow later.
        if not owed or TOLERATE_MISSING not in instant.red_measures(item=item, applicant=applicant):
            for k, v in owed.items():
                errors.setdefault(k, v)
            owed = {}
    if errors:
        raise ApplicationError(
            _("The application has mistakes; please correct the fields marked below."),
            code="invalid_application",
            field_errors=errors,
        )
    digest = _request_digest(item, applicant, clean, checked)

    stored: list[str] = []
    try:
        with transaction.atomic():
            now = timezone.now()
            if draft is not None:
                case = _lock_case(draft.pk)
                if case.status != Case.Status.DRAFT:
                    raise ConflictError(_("This draft has already been submitted."), code="draft_gone")
            else:
                case = Case(applicant=applicant, created_at=now)
            case.item = item
            case.department = item.department
            case.submitted_by = actor
            case.channel = channel
            case.partner_name = partner_name[:100]
            case.received_in = received_in
            case.via_token = via_token
            case.applicant_name = applicant.enterprise_name or applicant.display_name
            case.form_data = clean
            case.idempotency_key = key
            case.request_digest = digest
            case.lookup_code = f"{secrets.randbelow(10**LOOKUP_CODE_DIGITS):0{LOOKUP_CODE_DIGITS}d}"
            case.promised_days = item.promised_days
            case.due_at = add_working_days(now, item.promised_days)
            case.submitted_at = now
            case.updated_at = now
            # Written as a draft first, then numbered. Lock order: the case-number row, then the
            # audit chain head (any audit record: a presented licence, the process start, the
            # submission). Every submission takes them in this order, so two never wait on each
            # other in a cycle; each is held until commit.
            case.status = Case.Status.DRAFT
            case.save()
            case.number = case_number_next(region_code=item.department.region.code, at=now)
            _store(case, checked, actor, stored)
            _present(case, presented, applicant, request)
            # 免提交: what a registry holds in place of a material is read and kept with the case.
            material_reads = take_registry_materials(case=case, materials=list(item.materials.all()), actor=actor)
            signatures: list[str] = []
            if verified is not None or (
                applicant.kind == User.Kind.ENTERPRISE and channel in esign.SELF_SERVICE_CHANNELS
            ):
                signed = esign.signatures_record(
                    case=case,
                    verified=verified,
                    materials=list(case.materials.filter(replaced_at__isnull=True)),
                    licence_identifiers=[licence.identifier for _m, licence in presented],
                )
                signatures = [s.kind for s in signed]
            # Labels are not stored as text (the timeline shows the channel in the reader's language).
            _event(
                case,
                CaseEvent.Kind.SUBMITTED,
                actor=actor,
                note=partner_name,
                label=actor.department.name if channel == Channel.WINDOW and actor.department else "",
            )
            if owed:
                owed_ids = [int(k.split("_")[1]) for k in owed]
                names = "、".join(item.materials.filter(pk__in=owed_ids).values_list("name", flat=True))
                _event(case, CaseEvent.Kind.TOLERATED, actor=None, note=names)
                case.owed_materials = sorted(owed_ids)
            start_data: dict[str, Any] = {"promised_days": item.promised_days}
            facts = None
            credit = None
            reads: dict[str, list[str]] = {}
            if item.decision_key or item.credit_check:
                credit = instant.credit_check_for(item=item, applicant=applicant, case_number=case.number, actor=actor)
                start_data["credit_black"] = bool(credit and credit["black"])
            if item.decision_key:
                start_data["decision_key"] = item.decision_key
                start_data["materials_owed"] = bool(owed)
                facts, reads = instant.decision_facts(
                    item=item,
                    applicant=applicant,
                    form=clean,
                    presented=presented,
                    case_number=case.number or "",
                    actor=actor,
                    credit=credit,
                )
            instance = workflow.process_start(
                actor=actor,
                definition_key=item.process_key,
                subject_type=SUBJECT_TYPE,
                subject_id=case.pk,
                department=item.department,
                data=start_data,
                applicant=applicant,
                decision_context=facts,
            )
            case.instance = instance
            case.status = Case.Status.SUBMITTED
            # An approval by the rules concludes the case in the same UPDATE (apply_outcome below).
            concluded = instant.conclude_if_approved(case, instance) if item.decision_key else []
            case.save(update_fields=["instance", "number", "status", "owed_materials", *concluded])
            record(
                actor=actor,
                action="case.submit",
                target=case,
                detail={
                    "number": case.number,
                    "item": item.code,
                    "version": item.version,
                    "channel": channel,
                    "applicant": applicant.pk,
                    **({"partner": partner_name} if partner_name else {}),
                    **({"registry_reads": reads} if reads else {}),
                    **({"signatures": signatures} if signatures else {}),
                    **({"registry_materials": material_reads} if material_reads else {}),
                    **({"credit_check": {"id": credit["check"], "black": credit["black"]}} if credit else {}),
                },
                request=request,
            )
            # What the rules decided: an approval is told in one notice of its own (with the
            # e-licence), a referral is added to the receipt notice, so one SMS says it all.
            outcome = (
                instant.apply_outcome(case=case, instance=instance, credit=credit, owed=bool(owed))
                if item.decision_key or credit is not None
                else ""
            )
            if outcome is not None and notify:
                body = _(
                    "Your application for %(item)s was received as case %(number)s. Its verification code for "
                    "looking up progress is %(code)s. Promised completion: %(due)s."
                ) % {
                    "item": item.name,
                    "number": case.number,
                    "code": case.lookup_code,
                    "due": timezone.localtime(case.due_at).strftime("%Y-%m-%d"),
                }
                if owed:
                    body += " " + _(
                        "It was accepted with materials to follow (容缺受理): hand them in on your case page "
                        "before it is decided."
                    )
                _notify(
                    case,
                    _("Application %(number)s received") % {"number": case.number},
                    f"{body} {outcome}".strip(),
                )
    except IntegrityError:
        _remove_files(stored)
        if key is not None:
            # A concurrent request with the same key won the race: answer with its case.
            earlier = Case.objects.filter(submitted_by=actor, idempotency_key=key).first()
            if earlier is not None:
                return _replay(earlier, item, applicant, data, uploads)
        raise
    except BaseException:
        _remove_files(stored)
        raise
    return case


def _replay(
    earlier: Case, item: ServiceItem, applicant: User, data: Mapping[str, Any], uploads: Uploads | None
) -> Case:
    clean, _errors = clean_form_data(item.form_schema, dict(data), require=True)
    errors: dict[str, list[str]] = {}
    checked = _check_uploads(item, uploads or {}, errors)
    if earlier.item.code != item.code or earlier.request_digest != _request_digest(item, applicant, clean, checked):
        raise ConflictError(
            _("This idempotency key was already used for a different application (%(number)s).")
            % {"number": earlier.number},
            code="idempotency_key_reused",
        )
    earlier.replayed = True  # type: ignore[attr-defined]
    return earlier


# --- Staff decisions --------------------------------------------------------------------------


def _case_of_task(task: Task) -> Case:
    if task.instance.subject_type != SUBJECT_TYPE:
        raise ApplicationError(_("This task is not a step of an application."), code="not_a_case")
    return _lock_case(int(task.instance.subject_id))


def case_task_complete(
    *,
    actor: User,
    task: Task,
    decision: str = "",
    opinion: str = "",
    materials: Iterable[int] = (),
    request: HttpRequest | None = None,
) -> Case:
    """Complete a staff step of a case: accept, refuse (reason), ask for correction (which
    materials, why), approve, reject (reason), or a step without a decision (review)."""
    if not can_work_on(actor, task):
        # Refused before the transaction below, so that the refusal's audit record is kept.
        record(
            actor=actor,
            action="access.denied",
            target=task,
            detail={"action": "case.task_complete", "role": task.role},
            request=request,
        )
        raise PermissionDenied(_("You do not hold the role this task needs in its department."))
    opinion = (opinion or "").strip()
    wanted = sorted({int(m) for m in materials})
    field_errors: dict[str, list[str]] = {}
    if len(opinion) > MAX_REASON:
        field_errors["opinion"] = [_("At most %(n)d characters.") % {"n": MAX_REASON}]
    if decision in NEEDS_REASON and not opinion:
        field_errors["opinion"] = [_("Give the reason; the applicant will read it.")]
    # Only a decision the step offers: a "refuse" sent with the review step must not refuse the case.
    offered = next((list(f.get("options") or []) for f in task.form if f.get("id") == "decision"), [])
    if decision and decision not in offered:
        field_errors["decision"] = [
            _("Choose one of: %(options)s.") % {"options": ", ".join(offered)}
            if offered
            else _("This step takes no decision.")
        ]
    with transaction.atomic():
        case = _case_of_task(task)
        if decision == CORRECT:
            allowed = set(_uploadable(case.item))
            if not wanted:
                field_errors["materials"] = [_("Choose the materials to be corrected.")]
            elif not set(wanted) <= allowed:
                field_errors["materials"] = [_("Choose materials of this item that the applicant uploads.")]
        elif wanted:
            field_errors["materials"] = [_("Materials are chosen only when asking for correction.")]
        if decision == APPROVE and case.owed_materials:
            names = "、".join(case.item.materials.filter(pk__in=case.owed_materials).values_list("name", flat=True))
            field_errors["decision"] = [
                _(
                    "Accepted with materials to follow (容缺受理): the applicant has not yet handed in %(materials)s. "
                    "Approve once they have, or reject with the reason."
                )
                % {"materials": names}
            ]
        if field_errors:
            raise ApplicationError(
                _("Please correct the marked fields."), code="invalid_decision", field_errors=field_errors
            )
        data: dict[str, Any] = {"opinion": opinion}
        if decision:
            data["decision"] = decision
        instance = workflow.task_complete(actor=actor, task=task, data=data)
        done = Task.objects.get(pk=task.pk)
        _apply_step(
            case, actor=actor, step=done, decision=decision, opinion=opinion, materials=wanted, instance=instance
        )
        record(
            actor=actor,
            action="case.decide" if decision else "case.step",
            target=case,
            detail={"number": case.number, "step": done.spec_id, "decision": decision, "status": case.status},
            request=request,
        )
    return case


def _apply_step(
    case: Case,
    *,
    actor: User,
    step: Task,
    decision: str,
    opinion: str,
    materials: list[int],
    instance: ProcessInstance,
) -> None:
    now = timezone.now()
    changed = ["status", "updated_at"]
    if decision == ACCEPT:
        case.status = Case.Status.ACCEPTED
        case.accepted_at = now
        changed.append("accepted_at")
        _event(case, CaseEvent.Kind.ACCEPTED, actor=actor, note=opinion)
        _notify(
            case,
            _("Case %(number)s accepted") % {"number": case.number},
            _("Your application was accepted and is being reviewed."),
        )
    elif decision == REFUSE:
        case.status = Case.Status.REFUSED
        _event(case, CaseEvent.Kind.REFUSED, actor=actor, note=opinion)
    elif decision == CORRECT:
        case.status = Case.Status.CORRECTION
        case.paused_at = now
        case.correction_request = {"materials": materials, "reason": opinion}
        changed += ["paused_at", "correction_request"]
        names = "、".join(case.item.materials.filter(pk__in=materials).values_list("name", flat=True))
        _event(case, CaseEvent.Kind.CORRECTION_REQUESTED, actor=actor, note=f"{names}：{opinion}")
        _notify(
            case,
            _("Case %(number)s: please correct your materials") % {"number": case.number},
            _("Please upload again: %(materials)s. Reason: %(reason)s") % {"materials": names, "reason": opinion},
        )
    elif decision == APPROVE:
        case.result = Case.Result.APPROVED
        changed.append("result")
        _event(case, CaseEvent.Kind.APPROVED, actor=actor, note=opinion)
    elif decision == REJECT:
        case.result = Case.Result.REJECTED
        changed.append("result")
        _event(case, CaseEvent.Kind.REJECTED, actor=actor, note=opinion)
    else:
        # A step without a decision (审查): the applicant sees that it happened, staff see the opinion.
        _event(case, CaseEvent.Kind.REVIEWED, actor=actor)
        if opinion:
            _event(case, CaseEvent.Kind.OPINION, actor=actor, note=opinion, public=False)
    if instance.status == ProcessInstance.Status.COMPLETED:
        case.ended_at = now
        changed.append("ended_at")
        if case.status != Case.Status.REFUSED:
            case.status = Case.Status.CONCLUDED
            # The result is shown from case.result in the reader's language, not stored as text.
            _event(case, CaseEvent.Kind.CONCLUDED, actor=actor)
            if case.result == Case.Result.APPROVED and case.item.output_licence_type:
                # Issued after commit (in a worker where there is a broker): a missing seal or a
                # face field without a value must not undo the approval; staff then issue by hand.
                after_commit(_queue_licence, case.pk)
        _notify(
            case,
            _("Case %(number)s concluded") % {"number": case.number},
            _("Your application has been decided: %(status)s. %(opinion)s")
            % {"status": case.status_label, "opinion": opinion},
            invite_rating=True,
        )
    case.updated_at = now
    case.save(update_fields=changed)


# --- E-licence of an approved case -----------------------------------------------------------


def _queue_licence(case_id: int) -> None:
    from dgov.cases.tasks import issue_licence

    issue_licence.delay(case_id)


def issue_licence_now(case: Case) -> tuple[Any, instant.Line]:
    """Issue the e-licence of a case approved by the rules in this very transaction (instant
    approval): ``licence_issue_for_case`` refuses (no seal, a face field without a value) before
    it writes anything, so a refusal leaves the approval in place and returns None with a line for
    staff; they then issue by hand. Returns the licence and the timeline line (kind, public, note,
    actor label) for the caller to write with its own lines."""
    from dgov.licences.services import LicenceError, licence_issue_for_case

    try:
        licence = licence_issue_for_case(case=case, actor=None, fresh=True)
    except LicenceError as exc:
        return None, (CaseEvent.Kind.LICENCE_PENDING, False, exc.message, "")
    return licence, (CaseEvent.Kind.LICENCE_ISSUED, True, licence.identifier, licence.issuer.name)


def case_issue_licence(
    *, case_id: int, actor: User | None = None, face: dict[str, Any] | None = None, request: HttpRequest | None = None
) -> Any:
    """Issue the e-licence of an approved case (the platform after approval, or staff by hand) and
    tell the applicant; once per case however often it is asked. A refusal by the licences app
    (no seal, a face field without a value) is noted on the staff timeline and raised."""
    from dgov.licences.services import LicenceError, licence_issue_for_case

    case = Case.objects.select_related("item", "department", "applicant").get(pk=case_id)
    try:
        with transaction.atomic():
            # The case row is locked before looking for its licence: of two concurrent calls the
            # second waits here, then finds the licence and adds no second event or notice.
            already = hasattr(Case.objects.select_for_update().get(pk=case.pk), "licence")
            licence = licence_issue_for_case(case=case, actor=actor, face=face, request=request)
            if not already:
                _event(
                    case, CaseEvent.Kind.LICENCE_ISSUED, actor=actor, note=licence.identifier, label=licence.issuer.name
                )
                _notify(
                    case,
                    _("Case %(number)s: your e-licence is ready") % {"number": case.number},
                    _("%(type)s was issued and is in your licence wallet.") % {"type": licence.type.name},
                )
    except LicenceError as exc:
        if actor is None:
            with transaction.atomic():
                _event(case, CaseEvent.Kind.LICENCE_PENDING, actor=None, note=exc.message, public=False)
        raise
    return licence


# --- Corrections and withdrawal --------------------------------------------------------------


def _may_act_for_applicant(actor: User, case: Case) -> bool:
    if actor.pk == case.applicant_id:
        return True
    return case.channel == Channel.WINDOW and has_perm(actor, Perm.CASE_WINDOW, department=case.department)


def case_correct(
    *, actor: User, case: Case, uploads: Uploads, note: str = "", request: HttpRequest | None = None
) -> Case:
    """Hand in the corrected materials the clerk asked for (only those); the clock restarts where it stopped.

    The applicant does this; for a case entered at the window, a window clerk may do it for them."""
    if not _may_act_for_applicant(actor, case):
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    checked = _check_uploads(case.item, uploads, errors)
    asked = set(case.correction_request.get("materials", []))
    sent = {m for m, _u in checked}
    if sent - asked:
        errors.setdefault("__all__", []).append(_("Only the materials asked for can be handed in again."))
    for material in case.item.materials.filter(pk__in=asked - sent):
        errors.setdefault(f"material_{material.pk}", []).append(
            _("Please upload %(material)s.") % {"material": material.name}
        )
    if case.status != Case.Status.CORRECTION:
        raise ConflictError(_("This case is not waiting for corrections."), code="not_correcting")
    if errors:
        raise ApplicationError(
            _("The corrected materials are incomplete or wrong."), code="invalid_correction", field_errors=errors
        )
    stored: list[str] = []
    try:
        with transaction.atomic():
            locked = _lock_case(case.pk)
            if locked.status != Case.Status.CORRECTION:
                raise ConflictError(_("This case is not waiting for corrections."), code="not_correcting")
            task = (
                Task.objects.filter(instance_id=locked.instance_id, role=APPLICANT, state__in=Task.OPEN_STATES)
                .select_related("instance")
                .first()
            )
            if task is None:
                raise ConflictError(_("The process no longer waits for corrections."), code="not_correcting")
            now = timezone.now()
            CaseMaterial.objects.filter(case=locked, item_material_id__in=sent, replaced_at__isnull=True).update(
                replaced_at=now
            )
            _store(locked, checked, actor, stored)
            workflow.task_complete(
                actor=actor,
                task=task,
                data={},
                on_behalf_of=locked.applicant if actor.pk != locked.applicant_id else None,
            )
            if locked.paused_at is not None and locked.due_at is not None:
                # The promised deadline moves by the working days the clock stood still.
                paused = working_days_between(locked.paused_at, now)
                locked.due_at = add_working_days(locked.due_at, paused) if paused else locked.due_at
            locked.paused_at = None
            locked.status = Case.Status.SUBMITTED
            locked.updated_at = now
            locked.save(update_fields=["due_at", "paused_at", "status", "updated_at"])
            _event(locked, CaseEvent.Kind.CORRECTED, actor=actor, note=(note or "").strip()[:MAX_REASON])
            record(
                actor=actor,
                action="case.correct",
                target=locked,
                detail={"number": locked.number, "materials": sorted(sent)},
                request=request,
            )
    except BaseException:
        _remove_files(stored)
        raise
    return locked


def case_owed_supply(*, actor: User, case: Case, uploads: Uploads, request: HttpRequest | None = None) -> Case:
    """容缺受理's follow-up: hand in materials accepted to follow, while the case is open. Any of
    the owed ones, one or more at a time; the case's process is not touched."""
    if not _may_act_for_applicant(actor, case):
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    checked = _check_uploads(case.item, uploads, errors)
    sent = {m for m, _u in checked}
    if not sent and not errors:
        errors["__all__"] = [_("Choose the files of the materials to follow.")]
    if sent - set(case.owed_materials):
        errors.setdefault("__all__", []).append(_("Only the materials accepted to follow can be handed in here."))
    if not case.owed_materials or not case.is_open:
        raise ConflictError(_("This case owes no materials."), code="nothing_owed")
    if errors:
        raise ApplicationError(
            _("The materials to follow are incomplete or wrong."), code="invalid_owed", field_errors=errors
        )
    stored: list[str] = []
    try:
        with transaction.atomic():
            locked = _lock_case(case.pk)
            if not locked.owed_materials or not locked.is_open:
                raise ConflictError(_("This case owes no materials."), code="nothing_owed")
            if sent - set(locked.owed_materials):
                raise ConflictError(_("These materials were handed in already."), code="already_supplied")
            _store(locked, checked, actor, stored)
            locked.owed_materials = sorted(set(locked.owed_materials) - sent)
            locked.updated_at = timezone.now()
            locked.save(update_fields=["owed_materials", "updated_at"])
            names = "、".join(locked.item.materials.filter(pk__in=sent).values_list("name", flat=True))
            _event(locked, CaseEvent.Kind.OWED_SUPPLIED, actor=actor, note=names)
            record(
                actor=actor,
                action="case.owed_supply",
                target=locked,
                detail={"number": locked.number, "materials": sorted(sent), "still_owed": locked.owed_materials},
                request=request,
            )
    except BaseException:
        _remove_files(stored)
        raise
    return locked


def case_withdraw(*, actor: User, case: Case, reason: str, request: HttpRequest | None = None) -> Case:
    """The applicant withdraws a case that has not been accepted yet (撤回)."""
    if actor.pk != case.applicant_id:
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(
            _("Give a reason for withdrawing."), code="reason_required", field_errors={"reason": [_("Required.")]}
        )
    with transaction.atomic():
        locked = _lock_case(case.pk)
        if locked.status not in (Case.Status.SUBMITTED, Case.Status.CORRECTION):
            raise ConflictError(
                _("A case can be withdrawn only before it is accepted (it is now: %(status)s).")
                % {"status": locked.status_label},
                code="not_withdrawable",
            )
        if locked.instance is not None:
            workflow.process_cancel(actor=actor, instance=locked.instance, reason=reason[:MAX_REASON])
        now = timezone.now()
        locked.status = Case.Status.WITHDRAWN
        locked.ended_at = now
        locked.paused_at = None
        locked.updated_at = now
        locked.save(update_fields=["status", "ended_at", "paused_at", "updated_at"])
        _event(locked, CaseEvent.Kind.WITHDRAWN, actor=actor, note=reason[:MAX_REASON])
        record(actor=actor, action="case.withdraw", target=locked, detail={"number": locked.number}, request=request)
    return locked


def case_read_record(*, actor: User, case: Case, request: HttpRequest | None = None) -> None:
    """Staff opening a case (its form holds personal data) is recorded; the applicant's own reads are not."""
    if actor.pk != case.applicant_id:
        record(actor=actor, action="case.read", target=case, detail={"number": case.number}, request=request)


def case_material_download_record(*, actor: User, material: CaseMaterial, request: HttpRequest | None = None) -> None:
    """Staff opening an applicant's file is a read of personal data: recorded."""
    if actor.pk != material.case.applicant_id:
        record(
            actor=actor,
            action="case.material_read",
            target=material.case,
            detail={"material": material.pk, "file": material.original_name},
            request=request,
        )


# --- The window -------------------------------------------------------------------------------


def window_applicant_register(
    *,
    actor: User,
    kind: str,
    real_name: str,
    id_number: str = "",
    phone: str = "",
    enterprise_name: str = "",
    credit_code: str = "",
    request: HttpRequest | None = None,
) -> User:
    """Register the person at the counter who has no account yet (代为注册): a real-name account
    with no password; they set one when they first sign in through real-name verification."""
    if not has_perm(actor, Perm.CASE_WINDOW):
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    if not real_name.strip():
        errors["real_name"] = [_("Enter the applicant's name.")]
    if kind == User.Kind.ENTERPRISE and not enterprise_name.strip():
        errors["enterprise_name"] = [_("Enter the enterprise's name.")]
    if not phone:
        errors["phone"] = [_("A new applicant needs a mobile number for notices.")]
    if errors:
        raise ApplicationError(_("This applicant has no account yet; complete their details."), field_errors=errors)
    from dgov.accounts.services import user_create

    with transaction.atomic():
        user = user_create(
            actor=actor,
            username=f"w{secrets.token_hex(6)}",
            password=secrets.token_urlsafe(24) + "Aa1!",
            kind=kind,
            real_name=real_name.strip(),
            id_number=id_number,
            phone=phone,
            enterprise_name=enterprise_name.strip(),
            enterprise_credit_code=credit_code,
            request=request,
        )
        user.set_unusable_password()
        user.save(update_fields=["password"])
        record(actor=actor, action="case.window_register", target=user, detail={"kind": kind}, request=request)
    return user


def window_case_submit(
    *,
    actor: User,
    item: ServiceItem,
    applicant_details: Mapping[str, Any],
    data: Mapping[str, Any],
    uploads: Uploads | None = None,
    idempotency_key: str | None = None,
    signature: SignatureInput | None = None,
    request: HttpRequest | None = None,
) -> Case:
    """一窗受理: find the person at the counter by ID number or credit code (registering them if
    they have no account) and submit for them, in one transaction: a refused application
    registers nobody. ``applicant_details``: kind, id_number, credit_code, real_name,
    enterprise_name, phone (as WindowApplicantForm cleans them)."""
    from dgov.cases.selectors import applicant_find

    kind = applicant_details.get("kind", User.Kind.CITIZEN)
    with transaction.atomic():
        applicant = applicant_find(
            id_number=applicant_details.get("id_number", "") if kind == User.Kind.CITIZEN else "",
            credit_code=applicant_details.get("credit_code", "") if kind == User.Kind.ENTERPRISE else "",
        )
        if applicant is None:
            applicant = window_applicant_register(
                actor=actor,
                kind=kind,
                real_name=applicant_details.get("real_name", ""),
                id_number=applicant_details.get("id_number", ""),
                phone=applicant_details.get("phone", ""),
                enterprise_name=applicant_details.get("enterprise_name", ""),
                credit_code=applicant_details.get("credit_code", ""),
                request=request,
            )
        return case_submit(
            actor=actor,
            item=item,
            data=data,
            uploads=uploads,
            idempotency_key=idempotency_key,
            channel=Channel.WINDOW,
            applicant=applicant,
            # The applicant may sign on the window's tablet; kept with the case like an online signature.
            signature=signature,
            request=request,
        )

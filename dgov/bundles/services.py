"""Every write of bundles: defining them (draft, publish, withdraw, reopen), submitting one, and
following its child cases.

A submission is one transaction: the parent first (its idempotency key settles a race of two
identical requests), then one child case per item through dgov.cases.services.case_submit, each
in its department's own process, then the parent's number and the audit record. Every child is
tried, so the applicant gets all mistakes at once, mapped back to the merged form; if any child is
refused nothing at all is written, and the files the children had already stored are removed.

The parent follows its children through ``dgov.cases.signals.case_event_committed``: the
receiver calls ``bundle_case_follow``, which locks the parent, reads its children and moves the
parent's status on. It is idempotent: a child's end is noted once (and told to the applicant
once), and a second call with nothing new writes nothing.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dgov.accounts.models import User
from dgov.accounts.permissions import Perm
from dgov.audit import record
from dgov.bundles import selectors
from dgov.bundles.merging import MergedForm, merge
from dgov.bundles.models import Bundle, BundleCase, BundleChild, BundleItem
from dgov.bundles.numbering import bundle_number_next
from dgov.cases import services as cases
from dgov.cases.formdata import clean_form_data
from dgov.cases.models import Case, CaseEvent, CaseMaterial, Channel
from dgov.cases.uploads import UploadRejected, check_upload
from dgov.catalog.models import LifeEvent, ServiceItem
from dgov.core import crypto
from dgov.core.errors import ApplicationError, ConflictError
from dgov.esign import services as esign
from dgov.esign.services import SignatureInput

CODE_RE = re.compile(r"^[a-z][a-z0-9-]{1,31}$")
# Words the bundles URLs use: a bundle called so could never be reached.
RESERVED_CODES = frozenset({"mine", "window", "manage", "receipt", "apply", "new"})
MIN_ITEMS, MAX_ITEMS = 2, 10

Uploads = Mapping[int, Iterable[UploadedFile]]  # merged material key -> files


# --- Defining bundles -----------------------------------------------------------------------------


@dataclass(frozen=True)
class BundleContent:
    """What the catalogue administrator writes about a bundle."""

    code: str
    name: str
    life_event: str  # LifeEvent.code
    item_codes: tuple[str, ...]
    name_en: str = ""
    description: str = ""
    is_demo: bool = False


def _check_content(content: BundleContent) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not CODE_RE.fullmatch(content.code) or content.code in RESERVED_CODES:
        errors["code"] = [_("A code has 2 to 32 lower-case letters, digits and hyphens, starting with a letter.")]
    if not content.name.strip() or len(content.name) > 100:
        errors["name"] = [_("A name of up to 100 characters is required.")]
    if len(content.name_en) > 200:
        errors["name_en"] = [_("At most %(n)d characters.") % {"n": 200}]
    if len(content.description) > 2000:
        errors["description"] = [_("At most %(n)d characters.") % {"n": 2000}]
    if not LifeEvent.objects.filter(code=content.life_event).exists():
        errors["life_event"] = [_("Unknown life event: %(value)s.") % {"value": content.life_event}]
    codes = list(content.item_codes)
    problems: list[str] = []
    if len(set(codes)) != len(codes):
        problems.append(_("Each item is named once."))
    if not MIN_ITEMS <= len(set(codes)) <= MAX_ITEMS:
        problems.append(_("A bundle has %(min)d to %(max)d items.") % {"min": MIN_ITEMS, "max": MAX_ITEMS})
    items, missing = selectors.published_items(list(dict.fromkeys(codes)))
    problems += [_("No published item has the code %(code)s.") % {"code": c} for c in missing]
    problems += merge(items)[1]
    if problems:
        errors["item_codes"] = problems
    return errors


def _require_manager(actor: User | None, action: str, request: HttpRequest | None) -> None:
    """Checked before the transaction opens, so the recorded refusal is not rolled back with it."""
    if actor is not None and not selectors.is_bundle_manager(actor):
        record(actor=actor, action="access.denied", detail={"perm": str(Perm.CATALOG_MANAGE), "action": action})
        raise PermissionDenied


def _invalid(errors: dict[str, list[str]]) -> ApplicationError:
    return ApplicationError(_("The bundle is not valid."), code="invalid_bundle", field_errors=errors)


def _write(bundle: Bundle, content: BundleContent) -> None:
    bundle.name = content.name.strip()
    bundle.name_en = content.name_en.strip()
    bundle.description = content.description.strip()
    bundle.life_event = LifeEvent.objects.get(code=content.life_event)
    bundle.is_demo = content.is_demo
    bundle.updated_at = timezone.now()
    bundle.save()
    bundle.entries.all().delete()
    BundleItem.objects.bulk_create(
        BundleItem(bundle=bundle, position=n, item_code=code) for n, code in enumerate(content.item_codes, start=1)
    )


def bundle_create(*, actor: User | None, content: BundleContent, request: HttpRequest | None = None) -> Bundle:
    """A new bundle, as a draft; its items must be published and their forms must merge."""
    _require_manager(actor, "bundle_create", request)
    errors = _check_content(content)
    if Bundle.objects.filter(code=content.code).exists():
        errors.setdefault("code", []).append(_("This code is taken."))
    if errors:
        raise _invalid(errors)
    with transaction.atomic():
        bundle = Bundle(code=content.code, status=Bundle.Status.DRAFT, created_by=actor)
        try:
            with transaction.atomic():
                _write(bundle, content)
        except IntegrityError as exc:
            raise ConflictError(_("Another bundle with this code was created at the same time.")) from exc
        record(
            actor=actor,
            action="bundle.create",
            target=bundle,
            detail={"code": bundle.code, "items": list(content.item_codes)},
            request=request,
        )
    return bundle


def bundle_update(
    *, actor: User | None, bundle: Bundle, content: BundleContent, request: HttpRequest | None = None
) -> Bundle:
    """Replace a draft's content (the code stays)."""
    _require_manager(actor, "bundle_update", request)
    errors = _check_content(content)
    if content.code != bundle.code:
        errors["code"] = [_("The code of a bundle does not change.")]
    if errors:
        raise _invalid(errors)
    with transaction.atomic():
        locked = Bundle.objects.select_for_update().get(pk=bundle.pk)
        if locked.status != Bundle.Status.DRAFT:
            raise ConflictError(_("Only a draft can be edited; withdraw the bundle and reopen it first."))
        _write(locked, content)
        record(
            actor=actor,
            action="bundle.update",
            target=locked,
            detail={"code": locked.code, "items": list(content.item_codes)},
            request=request,
        )
    return locked


def _move(
    *,
    actor: User | None,
    bundle: Bundle,
    frm: str,
    to: str,
    action: str,
    request: HttpRequest | None,
    check: bool = False,
) -> Bundle:
    _require_manager(actor, action, request)
    with transaction.atomic():
        locked = Bundle.objects.select_for_update().get(pk=bundle.pk)
        if locked.status != frm:
            raise ConflictError(
                _("This bundle is %(status)s; it cannot be changed that way.") % {"status": locked.get_status_display()}
            )
        if check:
            problems = _check_content(
                BundleContent(
                    code=locked.code,
                    name=locked.name,
                    name_en=locked.name_en,
                    description=locked.description,
                    life_event=locked.life_event.code,
                    item_codes=tuple(locked.item_codes),
                )
            )
            if problems:
                raise _invalid(problems)
        now = timezone.now()
        locked.status = to
        locked.updated_at = now
        fields = ["status", "updated_at"]
        if to == Bundle.Status.PUBLISHED:
            locked.published_at = now
            fields.append("published_at")
        locked.save(update_fields=fields)
        record(actor=actor, action=action, target=locked, detail={"code": locked.code}, request=request)
    return locked


def bundle_publish(*, actor: User | None, bundle: Bundle, request: HttpRequest | None = None) -> Bundle:
    """Offer a draft bundle; its items are checked again (published, forms merge)."""
    return _move(
        actor=actor,
        bundle=bundle,
        frm=Bundle.Status.DRAFT,
        to=Bundle.Status.PUBLISHED,
        action="bundle.publish",
        request=request,
        check=True,
    )


def bundle_withdraw(*, actor: User | None, bundle: Bundle, request: HttpRequest | None = None) -> Bundle:
    """Stop offering a bundle; applications already made go on."""
    return _move(
        actor=actor,
        bundle=bundle,
        frm=Bundle.Status.PUBLISHED,
        to=Bundle.Status.WITHDRAWN,
        action="bundle.withdraw",
        request=request,
    )


def bundle_reopen(*, actor: User | None, bundle: Bundle, request: HttpRequest | None = None) -> Bundle:
    """Make a withdrawn bundle a draft again, to edit and publish it anew."""
    return _move(
        actor=actor,
        bundle=bundle,
        frm=Bundle.Status.WITHDRAWN,
        to=Bundle.Status.DRAFT,
        action="bundle.reopen",
        request=request,
    )


# --- Submission -------------------------------------------------------------------------------


def _child_key(key: str, item: ServiceItem) -> str:
    """The child's idempotency key: the bundle's key and the item code, digested to fit 64 characters."""
    return "b-" + crypto.sm3_hex(f"{key}\x00{item.code}".encode())[:48]


def _request_digest(
    bundle: Bundle, applicant: User, merged: MergedForm, data: Mapping[str, Any], uploads: Uploads
) -> str:
    clean, _errors = clean_form_data(merged.schema, dict(data), require=False)
    files = []
    for key, sent in uploads.items():
        for upload in sent:
            try:
                files.append([key, check_upload(upload).sm3])
            except UploadRejected:
                files.append([key, ""])
    canonical = json.dumps(
        {"bundle": bundle.code, "applicant": applicant.pk, "data": clean, "files": sorted(files)},
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return crypto.sm3_hex(canonical.encode("utf-8"))


def _replay(earlier: BundleCase, digest: str) -> BundleCase:
    if earlier.request_digest != digest:
        raise ConflictError(
            _("This idempotency key was already used for a different application (%(number)s).")
            % {"number": earlier.number},
            code="idempotency_key_reused",
        )
    earlier.replayed = True  # type: ignore[attr-defined]
    return earlier


def _absorb(errors: dict[str, list[str]], merged: MergedForm, item: ServiceItem, exc: ApplicationError) -> None:
    """A child's refusal, mapped back to the merged form's fields (each message once)."""
    found = exc.field_errors or {"__all__": [exc.message]}
    for key, messages in found.items():
        # The signature is given once for the whole bundle.
        target = "signature" if key == "signature" else merged.merged_key(item, key)
        for message in messages:
            text = message if target else f"{item.name}：{message}"
            bucket = errors.setdefault(target or "__all__", [])
            if text not in bucket:
                bucket.append(text)


def _remove_files(names: list[str]) -> None:
    for name in names:
        # Best effort after a failed transaction: a file left behind is harmless, a raise is not.
        with contextlib.suppress(OSError):
            default_storage.delete(name)


def _names_list(rows: Iterable[Any]) -> str:
    return "、".join(rows) or "—"


def bundle_submit(
    *,
    actor: User,
    bundle: Bundle,
    data: Mapping[str, Any],
    uploads: Uploads | None = None,
    licences: Mapping[int, int] | None = None,
    idempotency_key: str | None = None,
    channel: str = Channel.ONLINE,
    applicant: User | None = None,
    prefill_stamps: Mapping[str, str] | None = None,
    signature: SignatureInput | None = None,
    request: HttpRequest | None = None,
) -> BundleCase:
    """Submit a bundle: one parent and one child case per item, each in its department's process.

    ``data`` is the merged form; ``uploads`` and ``licences`` are keyed by merged material (the
    first member's id, as the merged form names them); ``prefill_stamps`` maps item codes to
    the stamps of their registry prefill. Online the applicant is the actor; at the window a
    clerk submits for ``applicant`` and must hold the window role for every item's department.

    Raises ApplicationError with every mistake of every child, mapped to the merged form, and
    writes nothing when any child is refused. With an idempotency key, the same submission again
    returns the first parent; the same key with different content is a ConflictError."""
    if channel not in Channel.values or channel == Channel.PARTNER:
        raise ApplicationError(_("Unknown channel."), code="invalid_channel")
    if bundle.status != Bundle.Status.PUBLISHED:
        raise ApplicationError(_("This bundle is not offered any more."), code="bundle_not_published")
    merged = selectors.bundle_form(bundle)
    if channel == Channel.WINDOW:
        if applicant is None:
            raise ApplicationError(_("Name the person or enterprise applying."), code="applicant_required")
        missing = selectors.departments_not_covered(actor, merged.items)
        if missing:
            record(
                actor=actor,
                action="access.denied",
                target=bundle,
                detail={"action": "bundle.window_submit", "departments": [d.code for d in missing]},
                request=request,
            )
            raise PermissionDenied(window_refusal(missing))
    else:
        if applicant is not None and applicant.pk != actor.pk:
            raise PermissionDenied(_("Only window clerks submit for someone else."))
        applicant = actor
    key = (idempotency_key or "").strip() or None
    if key is not None and (len(key) > 64 or not key.isprintable()):
        raise ApplicationError(_("An idempotency key has at most 64 printable characters."), code="invalid_key")
    files = {int(k): list(v) for k, v in (uploads or {}).items()}
    chosen = {int(k): int(v) for k, v in (licences or {}).items()}
    digest = _request_digest(bundle, applicant, merged, data, files)
    if key is not None:
        earlier = BundleCase.objects.filter(submitted_by=actor, idempotency_key=key).first()
        if earlier is not None:
            return _replay(earlier, digest)

    errors: dict[str, list[str]] = {}
    unknown = sorted(str(k) for k in data if k not in merged.schema["properties"])
    if unknown:
        errors["__all__"] = [_("The form has no field named %(names)s.") % {"names": ", ".join(unknown)}]
    if set(files) - merged.material_keys() or set(chosen) - merged.material_keys():
        errors.setdefault("__all__", []).append(_("A file was sent for a material this item does not ask for."))
    # The applicant signs once; the signature is recorded with every child (a code is spent once).
    verified = None
    try:
        verified = esign.signature_verify(
            actor=actor, applicant=applicant, subject=bundle.code, given=signature, channel=channel
        )
    except ApplicationError as exc:
        errors.setdefault("signature", []).extend(exc.field_errors.get("signature", [exc.message]))

    stored: list[str] = []
    try:
        with transaction.atomic():
            now = timezone.now()
            # The parent first: of two identical requests racing, the second stops here.
            parent = BundleCase.objects.create(
                bundle=bundle,
                applicant=applicant,
                applicant_name=applicant.enterprise_name or applicant.display_name,
                submitted_by=actor,
                channel=channel,
                idempotency_key=key,
                request_digest=digest,
                promised_days=merged.promised_days,
                created_at=now,
                updated_at=now,
                submitted_at=now,
            )
            children: list[Case] = []
            for item in merged.items:
                try:
                    case = cases.case_submit(
                        actor=actor,
                        item=item,
                        data=merged.data_for(item, data),
                        uploads=merged.uploads_for(item, files),
                        licences=merged.licences_for(item, chosen),
                        idempotency_key=_child_key(key, item) if key else None,
                        channel=channel,
                        applicant=applicant if channel == Channel.WINDOW else None,
                        prefill_stamp=(prefill_stamps or {}).get(item.code, ""),
                        signature=verified,
                        # One receipt for the bundle, not one per child (the parent sends it).
                        notify=False,
                        request=request,
                    )
                except ApplicationError as exc:
                    _absorb(errors, merged, item, exc)
                    continue
                stored += [n for n in CaseMaterial.objects.filter(case=case).values_list("file", flat=True) if n]
                children.append(case)
            if errors:
                raise ApplicationError(
                    _("The application has mistakes; please correct the fields marked below."),
                    code="invalid_application",
                    field_errors=errors,
                )
            BundleChild.objects.bulk_create(
                BundleChild(parent=parent, case=case, position=n) for n, case in enumerate(children, start=1)
            )
            # The stored form is what the children were given: the typed values of every field.
            typed: dict[str, Any] = {}
            for case in children:
                typed.update(case.form_data)
            parent.form_data = typed
            parent.due_at = max((c.due_at for c in children if c.due_at), default=None)
            parent.number = bundle_number_next(region_code=settings.DGOV_REGION_CODE, at=now)
            parent.save(update_fields=["form_json", "due_at", "number"])
            record(
                actor=actor,
                action="bundle.submit",
                target=parent,
                detail={
                    "number": parent.number,
                    "bundle": bundle.code,
                    "channel": channel,
                    "applicant": applicant.pk,
                    "cases": [c.number for c in children],
                },
                request=request,
            )
            _notify(
                parent,
                _("Bundle application %(number)s received") % {"number": parent.number},
                _(
                    "Your application for %(bundle)s was received as %(number)s, one case for each item: "
                    "%(cases)s. Promised completion: %(due)s."
                )
                % {
                    "bundle": bundle.name,
                    "number": parent.number,
                    "cases": _names_list(f"{c.item.name} {c.number}" for c in children),
                    "due": timezone.localtime(parent.due_at).strftime("%Y-%m-%d") if parent.due_at else "—",
                },
            )
    except IntegrityError:
        _remove_files(stored)
        if key is not None:
            # A concurrent request with the same key won the race: answer with its parent.
            earlier = BundleCase.objects.filter(submitted_by=actor, idempotency_key=key).first()
            if earlier is not None:
                return _replay(earlier, digest)
        raise
    except BaseException:
        _remove_files(stored)
        raise
    return parent


def window_refusal(missing: list[Any]) -> str:
    return _("Your window role does not cover these departments: %(departments)s.") % {
        "departments": "、".join(d.name for d in missing)
    }


def window_bundle_submit(
    *,
    actor: User,
    bundle: Bundle,
    applicant_details: Mapping[str, Any],
    data: Mapping[str, Any],
    uploads: Uploads | None = None,
    idempotency_key: str | None = None,
    request: HttpRequest | None = None,
) -> BundleCase:
    """一窗受理 of a bundle: find (or register) the person at the counter and submit for them, in
    one transaction. The clerk must hold the window role for every item's department; a refusal
    names the departments and is recorded."""
    from dgov.cases.selectors import applicant_find

    if bundle.status == Bundle.Status.PUBLISHED:
        missing = selectors.departments_not_covered(actor, selectors.bundle_form(bundle).items)
        if missing:
            # Recorded here, outside the transaction below, so that the refusal is kept.
            record(
                actor=actor,
                action="access.denied",
                target=bundle,
                detail={"action": "bundle.window_submit", "departments": [d.code for d in missing]},
                request=request,
            )
            raise PermissionDenied(window_refusal(missing))
    kind = applicant_details.get("kind", User.Kind.CITIZEN)
    with transaction.atomic():
        applicant = applicant_find(
            id_number=applicant_details.get("id_number", "") if kind == User.Kind.CITIZEN else "",
            credit_code=applicant_details.get("credit_code", "") if kind == User.Kind.ENTERPRISE else "",
        )
        if applicant is None:
            applicant = cases.window_applicant_register(
                actor=actor,
                kind=kind,
                real_name=applicant_details.get("real_name", ""),
                id_number=applicant_details.get("id_number", ""),
                phone=applicant_details.get("phone", ""),
                enterprise_name=applicant_details.get("enterprise_name", ""),
                credit_code=applicant_details.get("credit_code", ""),
                request=request,
            )
        return bundle_submit(
            actor=actor,
            bundle=bundle,
            data=data,
            uploads=uploads,
            idempotency_key=idempotency_key,
            channel=Channel.WINDOW,
            applicant=applicant,
            request=request,
        )


# --- Following the children -------------------------------------------------------------------


_ORDER: dict[str, int] = {
    BundleCase.Status.SUBMITTED: 0,
    BundleCase.Status.IN_PROGRESS: 1,
    BundleCase.Status.CONCLUDED: 2,
    BundleCase.Status.PARTLY_CONCLUDED: 2,
}


def _status_of(children: list[BundleChild]) -> str:
    if all(c.outcome for c in children):
        if all(c.outcome == BundleChild.Outcome.GRANTED for c in children):
            return BundleCase.Status.CONCLUDED
        return BundleCase.Status.PARTLY_CONCLUDED
    if any(c.outcome or c.case.status != Case.Status.SUBMITTED for c in children):
        return BundleCase.Status.IN_PROGRESS
    return BundleCase.Status.SUBMITTED


def _reason(case: Case) -> str:
    """The note of the step that ended a child (the refusal's or rejection's reason)."""
    event = (
        case.events.filter(
            public=True,
            kind__in=[CaseEvent.Kind.REFUSED, CaseEvent.Kind.REJECTED, CaseEvent.Kind.WITHDRAWN],
        )
        .order_by("-at", "-id")
        .first()
    )
    return event.note if event is not None else ""


def _notify(parent: BundleCase, subject: str, body: str) -> None:
    from dgov.notices.services import notice_send

    notice_send(
        recipient=parent.applicant,
        subject=subject,
        body=body,
        url=reverse("bundles:mine_detail", args=[parent.pk]),
        kind="case_update",
        channels=("site", "sms"),
    )


def bundle_case_follow(*, case_id: int) -> BundleCase | None:
    """Bring the parent of case_id up to date with its children (None when the case is no
    bundle's child): note children that ended, tell the applicant about one that was not granted
    and what remains, conclude the parent when all have ended. Idempotent and race-safe: the
    parent row is locked, and only what changed is written, audited and told."""
    parent_id = BundleChild.objects.filter(case_id=case_id).values_list("parent_id", flat=True).first()
    if parent_id is None:
        return None
    with transaction.atomic():
        # of=self: the parent row only, not the bundle and applicant rows joined for reading.
        parent = (
            BundleCase.objects.select_for_update(of=("self",)).select_related("bundle", "applicant").get(pk=parent_id)
        )
        # Read after the lock: a concurrent follow of a sibling has committed what it noted.
        children = list(BundleChild.objects.filter(parent=parent).select_related("case__item").order_by("position"))
        now = timezone.now()
        ended_now: list[BundleChild] = []
        for child in children:
            outcome = selectors.child_outcome(child.case)
            if outcome and not child.outcome:
                child.outcome = outcome
                child.noted_at = now
                child.save(update_fields=["outcome", "noted_at"])
                ended_now.append(child)
        status = _status_of(children)
        if _ORDER[status] < _ORDER[parent.status]:
            status = parent.status  # a child back from correction does not move the parent back
        if status == parent.status and not ended_now:
            return parent
        before = parent.status
        parent.status = status
        parent.updated_at = now
        fields = ["status", "updated_at"]
        if status in BundleCase.ENDED_STATUSES and parent.ended_at is None:
            parent.ended_at = now
            fields.append("ended_at")
        parent.save(update_fields=fields)
        record(
            actor=None,
            action="bundle.follow",
            target=parent,
            detail={
                "number": parent.number,
                "from": before,
                "to": status,
                "ended": [{"case": c.case.number, "outcome": c.outcome} for c in ended_now],
            },
        )
        _tell(parent, children, ended_now, concluded=status != before and status in BundleCase.ENDED_STATUSES)
    return parent


def _tell(parent: BundleCase, children: list[BundleChild], ended_now: list[BundleChild], *, concluded: bool) -> None:
    granted = [c.case.item.name for c in children if c.outcome == BundleChild.Outcome.GRANTED]
    refused = [c.case.item.name for c in children if c.outcome == BundleChild.Outcome.NOT_GRANTED]
    remaining = [c.case.item.name for c in children if not c.outcome]
    names = {"bundle": parent.bundle.name, "number": parent.number}
    if concluded and parent.status == BundleCase.Status.CONCLUDED:
        _notify(
            parent,
            _("%(bundle)s %(number)s concluded") % names,
            _("Every item was granted: %(granted)s. E-licences issued are in your licence wallet.")
            % {"granted": _names_list(granted)},
        )
        return
    if concluded:
        _notify(
            parent,
            _("%(bundle)s %(number)s concluded, not all granted") % names,
            _(
                "Granted: %(granted)s. Not granted: %(refused)s. You may apply again for what was not "
                "granted, item by item; see each case for the reason."
            )
            % {"granted": _names_list(granted), "refused": _names_list(refused)},
        )
        return
    for child in ended_now:
        if child.outcome != BundleChild.Outcome.NOT_GRANTED:
            continue
        reason = _reason(child.case)
        _notify(
            parent,
            _("%(bundle)s %(number)s: %(item)s was not granted") % {**names, "item": child.case.item.name},
            _(
                "%(item)s (case %(case)s) was not granted: %(status)s%(reason)s. Still being handled: "
                "%(remaining)s. Already granted: %(granted)s."
            )
            % {
                "item": child.case.item.name,
                "case": child.case.number,
                "status": child.case.status_label,
                "reason": f"（{reason}）" if reason else "",
                "remaining": _names_list(remaining),
                "granted": _names_list(granted),
            },
        )

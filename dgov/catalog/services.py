"""Every write to the catalogue: drafts, publishing, withdrawing, new versions, imports.

Versions (see dgov.catalog.models): a draft is edited in place; publishing it supersedes the
version published before; published, superseded and withdrawn versions are never edited, because
cases keep the version they were submitted under. Concurrent publishes of one code lock every
version of the code in primary-key order; the partial unique constraints are the last guard
(where select_for_update is a no-op, as on SQLite) and turn a lost race into a ConflictError.

``actor=None`` is the platform itself (demo data, management commands): it may manage any
department. Anybody else must pass ``can_manage_items`` for the item's department (old and new,
when a draft moves to another department); a refusal is PermissionDenied, recorded as
``access.denied``.

The four exemptions (四免) are never taken from the caller: every write of a version computes them
from the stored version and its materials (dgov.catalog.exemptions), and publishing computes them
once more, so a published version carries the values of its final configuration.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from dgov.accounts.models import Department, User
from dgov.audit import record
from dgov.catalog import exemptions, search
from dgov.catalog.content import (
    MATERIAL_FIELDS,
    SCALAR_FIELDS,
    ItemContent,
    check_content,
    normalise,
)
from dgov.catalog.exchange import KIND_LABELS, ParsedCatalogue, RowError
from dgov.catalog.models import ItemMaterial, Kiosk, LifeEvent, SearchToken, ServiceItem
from dgov.catalog.selectors import can_manage_items
from dgov.core.errors import ApplicationError, ConflictError

Status = ServiceItem.Status


class CatalogImportError(ApplicationError):
    """An import refused as a whole; ``rows`` says where and why, row by row."""

    def __init__(self, rows: list[RowError]) -> None:
        super().__init__(
            ngettext(
                "The file was not imported: %(n)d problem was found. Nothing was changed.",
                "The file was not imported: %(n)d problems were found. Nothing was changed.",
                len(rows),
            )
            % {"n": len(rows)},
            code="import_invalid",
        )
        self.rows = rows


# --- Helpers ------------------------------------------------------------------------------------


@dataclass
class _Lookups:
    departments: dict[str, Department]
    life_events: dict[str, LifeEvent]

    @classmethod
    def load(cls) -> _Lookups:
        return cls(
            departments={d.code: d for d in Department.objects.select_related("region")},
            life_events={e.code: e for e in LifeEvent.objects.all()},
        )


def _deny(actor: Any, department: Department, action: str, request: HttpRequest | None) -> None:
    record(
        actor=actor,
        action="access.denied",
        target=department,
        detail={"perm": "catalog.manage", "action": action},
        request=request,
    )
    raise PermissionDenied


def _require_manager(
    actor: User | None, departments: Iterable[Department], action: str, request: HttpRequest | None
) -> None:
    """Checked before the transaction opens, so the recorded refusal is not rolled back with it."""
    if actor is None:
        return
    for department in departments:
        if not can_manage_items(actor, department):
            _deny(actor, department, action, request)


def _still_manager(actor: User | None, departments: Iterable[Department]) -> None:
    """The same check on the locked rows (the department may have moved since the first check)."""
    if actor is not None and not all(can_manage_items(actor, d) for d in departments):
        raise PermissionDenied


def _check(content: ItemContent, lookups: _Lookups) -> None:
    errors = check_content(content, departments=lookups.departments, life_events=lookups.life_events)
    if errors:
        raise ApplicationError(_("The item is not valid."), code="invalid_item", field_errors=errors)


def _search_text(content: ItemContent, department: Department, events: list[LifeEvent]) -> tuple[str, str, str]:
    tags = [content.keywords, content.code, content.basic_code, content.result_name]
    tags += [e.name for e in events] + [e.name_en for e in events]
    body = [
        department.name,
        department.name_en,
        KIND_LABELS.get(content.kind, ""),
        content.conditions,
        content.legal_basis,
    ]
    return search.search_columns(name=content.name, name_en=content.name_en, tags=tags, body=body)


def _write(item: ServiceItem, content: ItemContent, lookups: _Lookups) -> None:
    """Store content on an unsaved or draft row: fields, search text, life events, materials."""
    for name in SCALAR_FIELDS:
        setattr(item, name, getattr(content, name))
    item.department = lookups.departments[content.department]
    item.channels = list(content.channels)
    events = [lookups.life_events[c] for c in content.life_events]
    item.search_name, item.search_tags, item.search_body = _search_text(content, item.department, events)
    item.updated_at = timezone.now()
    item.save()
    item.life_events.set(events)
    item.search_tokens.all().delete()
    SearchToken.objects.bulk_create(
        SearchToken(item=item, token=token, weight=weight)
        for token, weight in search.token_weights(item.search_name, item.search_tags, item.search_body).items()
    )
    item.materials.all().delete()
    ItemMaterial.objects.bulk_create(
        ItemMaterial(item=item, position=n, **{f: getattr(m, f) for f in MATERIAL_FIELDS})
        for n, m in enumerate(content.materials, start=1)
    )
    _store_exemptions(item)


def _store_exemptions(item: ServiceItem) -> list[str]:
    """Compute the four exemptions from the saved row and its saved materials and store them on the
    row (the materials are written after the row, so this comes last); returns the columns changed."""
    materials = list(ItemMaterial.objects.filter(item=item).order_by("position"))
    flags = exemptions.for_item(item, materials=materials).flags()
    changed = [name for name, value in flags.items() if getattr(item, name) != value]
    for name in changed:
        setattr(item, name, flags[name])
    if changed:
        item.save(update_fields=changed)
    return changed


def _changed_fields(before: ItemContent, after: ItemContent) -> list[str]:
    return sorted(k for k, v in after.as_dict().items() if before.as_dict()[k] != v)


def _lock_versions(code: str) -> list[ServiceItem]:
    return list(ServiceItem.objects.select_for_update().filter(code=code).select_related("department").order_by("pk"))


# --- Drafts -------------------------------------------------------------------------------------


def item_create_draft(*, actor: User | None, content: ItemContent, request: HttpRequest | None = None) -> ServiceItem:
    """Version 1 of a new item, as a draft. The code must be new."""
    content = normalise(content)
    lookups = _Lookups.load()
    department = lookups.departments.get(content.department)
    if department is not None:
        _require_manager(actor, [department], "item_create_draft", request)
    with transaction.atomic():
        _check(content, lookups)
        if ServiceItem.objects.filter(code=content.code).exists():
            raise ApplicationError(
                _("An item with the code %(code)s exists; make a new version of it instead.") % {"code": content.code},
                code="duplicate_code",
                field_errors={"code": [_("This code is taken.")]},
            )
        item = ServiceItem(code=content.code, version=1, status=Status.DRAFT, created_by=actor)
        try:
            with transaction.atomic():
                _write(item, content, lookups)
        except IntegrityError as exc:
            raise ConflictError(_("Another item with this code was created at the same time.")) from exc
        record(
            actor=actor,
            action="catalog.item_create_draft",
            target=item,
            detail={"code": item.code, "version": item.version},
            request=request,
        )
    return item


def item_update_draft(
    *, actor: User | None, item: ServiceItem, content: ItemContent, request: HttpRequest | None = None
) -> ServiceItem:
    """Replace the content of a draft (the code stays; the department may change)."""
    content = normalise(content)
    lookups = _Lookups.load()
    moving_to = lookups.departments.get(content.department)
    _require_manager(actor, [item.department, *([moving_to] if moving_to else [])], "item_update_draft", request)
    with transaction.atomic():
        locked = (
            ServiceItem.objects.select_for_update(of=("self",)).select_related("department__region").get(pk=item.pk)
        )
        if locked.status != Status.DRAFT:
            raise ConflictError(
                _("Only a draft can be edited; version %(version)d of %(code)s is %(status)s.")
                % {"version": locked.version, "code": locked.code, "status": locked.get_status_display()}
            )
        _still_manager(actor, [locked.department])
        if content.code != locked.code:
            raise ApplicationError(
                _("The code of an item cannot change."),
                code="code_changed",
                field_errors={"code": [_("The code of an item cannot change.")]},
            )
        _check(content, lookups)
        before = ItemContent.from_item(locked)
        _write(locked, content, lookups)
        record(
            actor=actor,
            action="catalog.item_update_draft",
            target=locked,
            detail={"code": locked.code, "version": locked.version, "fields": _changed_fields(before, content)},
            request=request,
        )
    item.refresh_from_db()
    return locked


# --- Publishing ---------------------------------------------------------------------------------


def item_publish(*, actor: User | None, item: ServiceItem, request: HttpRequest | None = None) -> ServiceItem:
    """Make a draft the published guide of its code; the version published before is superseded."""
    lookups = _Lookups.load()
    _require_manager(actor, [item.department], "item_publish", request)
    with transaction.atomic():
        versions = _lock_versions(item.code)
        current = next((v for v in versions if v.pk == item.pk), None)
        if current is None or current.status != Status.DRAFT:
            raise ConflictError(
                _("Only a draft can be published; this version is %(status)s.")
                % {"status": current.get_status_display() if current else _("gone")}
            )
        _still_manager(actor, [current.department])
        # The rules may have changed since the draft was written: check it again.
        _check(ItemContent.from_item(current), lookups)
        now = timezone.now()
        superseded = [v for v in versions if v.status == Status.PUBLISHED]
        try:
            with transaction.atomic():
                for old in superseded:
                    old.status = Status.SUPERSEDED
                    old.retired_at = now
                    old.save(update_fields=["status", "retired_at"])
                current.status = Status.PUBLISHED
                current.published_at = now
                current.save(update_fields=["status", "published_at"])
                # The rules (e.g. the fields the platform prefills) may have changed since the draft
                # was written: the published version carries what its final configuration supports.
                _store_exemptions(current)
        except IntegrityError as exc:
            raise ConflictError(
                _("Another version of %(code)s was published at the same time.") % {"code": item.code}
            ) from exc
        record(
            actor=actor,
            action="catalog.item_publish",
            target=current,
            detail={"code": current.code, "version": current.version, "superseded": [v.version for v in superseded]},
            request=request,
        )
    item.refresh_from_db()
    return current


def item_withdraw(
    *, actor: User | None, item: ServiceItem, reason: str, request: HttpRequest | None = None
) -> ServiceItem:
    """Stop offering a published item: its guide is no longer shown and new cases cannot use it."""
    reason = reason.strip()
    if not reason or len(reason) > 2000:
        raise ApplicationError(
            _("Say why the item is withdrawn (up to 2000 characters)."),
            code="reason_required",
            field_errors={"reason": [_("This is required.")]},
        )
    _require_manager(actor, [item.department], "item_withdraw", request)
    with transaction.atomic():
        locked = (
            ServiceItem.objects.select_for_update(of=("self",)).select_related("department__region").get(pk=item.pk)
        )
        if locked.status != Status.PUBLISHED:
            raise ConflictError(
                _("Only a published item can be withdrawn; this version is %(status)s.")
                % {"status": locked.get_status_display()}
            )
        _still_manager(actor, [locked.department])
        locked.status = Status.WITHDRAWN
        locked.retired_at = timezone.now()
        locked.withdraw_reason = reason
        locked.save(update_fields=["status", "retired_at", "withdraw_reason"])
        record(
            actor=actor,
            action="catalog.item_withdraw",
            target=locked,
            detail={"code": locked.code, "version": locked.version, "reason": reason},
            request=request,
        )
    item.refresh_from_db()
    return locked


def item_new_version(*, actor: User | None, item: ServiceItem, request: HttpRequest | None = None) -> ServiceItem:
    """A new draft copied from the published version (or, for a withdrawn item, its last version)."""
    lookups = _Lookups.load()
    _require_manager(actor, [item.department], "item_new_version", request)
    with transaction.atomic():
        versions = _lock_versions(item.code)
        source = next((v for v in versions if v.pk == item.pk), None)
        if source is None or source.status not in (Status.PUBLISHED, Status.WITHDRAWN):
            raise ConflictError(_("A new version is made from the published version of an item."))
        if source.status == Status.WITHDRAWN and any(
            v.version > source.version and v.status != Status.DRAFT for v in versions
        ):
            raise ConflictError(_("A new version is made from the published version of an item."))
        _still_manager(actor, [source.department])
        draft = next((v for v in versions if v.status == Status.DRAFT), None)
        if draft is not None:
            raise ConflictError(
                _("Version %(version)d of %(code)s is already a draft: edit it instead.")
                % {"version": draft.version, "code": draft.code},
                code="draft_exists",
            )
        content = ItemContent.from_item(source)
        new = ServiceItem(
            code=source.code, version=max(v.version for v in versions) + 1, status=Status.DRAFT, created_by=actor
        )
        try:
            with transaction.atomic():
                _write(new, content, lookups)
        except IntegrityError as exc:
            raise ConflictError(
                _("Another draft of %(code)s was made at the same time.") % {"code": item.code}
            ) from exc
        record(
            actor=actor,
            action="catalog.item_new_version",
            target=new,
            detail={"code": new.code, "version": new.version, "from_version": source.version},
            request=request,
        )
    return new


# --- Import -------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)  # new codes (version 1)
    changed: list[str] = field(default_factory=list)  # a draft written: new version or draft updated
    published: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {k: len(getattr(self, k)) for k in ("created", "changed", "published", "unchanged")}


# A rule that compares fields says nothing when one of them could not be read from the file.
_DEPENDS_ON: dict[str, set[str]] = {
    "promised_days": {"statutory_days"},
    "max_visits": {"online_depth"},
    "online_depth": {"channels"},
    "comprehensive_window": {"channels"},
    "single_sign_on": {"channels"},
}


def _import_errors(actor: User | None, parsed: ParsedCatalogue, lookups: _Lookups) -> list[RowError]:
    errors = list(parsed.errors)
    seen: dict[str, int] = {}
    # The department each existing code belongs to now (its latest version's).
    existing: dict[str, Department] = {}
    for code, dept in (
        ServiceItem.objects.filter(code__in=[p.content.code for p in parsed.items])
        .order_by("code", "-version")
        .values_list("code", "department__code")
    ):
        existing.setdefault(code, lookups.departments[dept])
    for p in parsed.items:
        c = p.content
        if c.code in seen:
            errors.append(
                p.error("code", _("The code %(code)s is also on row %(row)d.") % {"code": c.code, "row": seen[c.code]})
            )
            continue
        seen[c.code] = p.at.row
        for key, messages in check_content(c, departments=lookups.departments, life_events=lookups.life_events).items():
            if not ({key} | _DEPENDS_ON.get(key, set())) & p.reported:
                errors.extend(p.error(key, m) for m in messages)
        if actor is not None:
            for key, department in (
                ("code", existing.get(c.code)),
                ("department", lookups.departments.get(c.department)),
            ):
                if department is not None and not can_manage_items(actor, department):
                    errors.append(
                        p.error(
                            key,
                            _("You may not manage the items of %(department)s.") % {"department": department.name},
                        )
                    )
    return sorted(errors, key=lambda e: (e.sheet, e.row, e.column))


def catalog_import(
    *, actor: User | None, parsed: ParsedCatalogue, publish: bool, request: HttpRequest | None = None
) -> ImportResult:
    """Write a whole catalogue file, or nothing: every row is checked before the first write.

    Per item: a new code becomes version 1; an existing draft is replaced by the row; otherwise a
    row equal to the published version changes nothing, and a different row becomes a new draft.
    With ``publish``, each new or changed draft is published at once."""
    lookups = _Lookups.load()
    errors = _import_errors(actor, parsed, lookups)
    if errors:
        raise CatalogImportError(errors)
    result = ImportResult()
    with transaction.atomic():
        for p in parsed.items:
            content = normalise(p.content)
            versions = list(ServiceItem.objects.filter(code=content.code).order_by("-version"))
            draft = next((v for v in versions if v.status == Status.DRAFT), None)
            published = next((v for v in versions if v.status == Status.PUBLISHED), None)
            if not versions:
                draft = item_create_draft(actor=actor, content=content, request=request)
                result.created.append(content.code)
            elif draft is not None:
                if ItemContent.from_item(draft) != content:
                    item_update_draft(actor=actor, item=draft, content=content, request=request)
                    result.changed.append(content.code)
                elif not publish:
                    result.unchanged.append(content.code)
            elif published is not None and ItemContent.from_item(published) == content:
                result.unchanged.append(content.code)
                continue
            else:
                draft = item_new_version(actor=actor, item=published or versions[0], request=request)
                item_update_draft(actor=actor, item=draft, content=content, request=request)
                result.changed.append(content.code)
            if publish and draft is not None:
                item_publish(actor=actor, item=draft, request=request)
                result.published.append(content.code)
        if result.created or result.changed or result.published:
            record(
                actor=actor,
                action="catalog.import",
                detail={"format": parsed.format, "publish": publish, **result.as_dict()},
                request=request,
            )
    return result


# --- Self-service kiosks (the register behind indicator 6) -----------------------------------------

KIOSK_REGION_LEVELS = ("subdistrict", "community")


def _may_keep_kiosks(actor: Any) -> bool:
    from dgov.accounts.permissions import Perm, has_perm

    return has_perm(actor, Perm.INDICATORS_REPORT)


def kiosk_register(
    *,
    actor: User,
    code: str,
    name: str,
    region: Any,
    address: str,
    installed_on: Any,
    request: HttpRequest | None = None,
) -> Kiosk:
    """Add a kiosk to the register (the data officer). Every field is checked before anything is
    written; the code is unique; the place is a 街道 or a community of the district."""
    if not _may_keep_kiosks(actor):
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    code, name, address = code.strip(), name.strip(), address.strip()
    if not code or not re.fullmatch(r"[A-Za-z0-9_-]{1,32}", code):
        errors["code"] = [_("Use 1 to 32 letters, digits, hyphens or underscores.")]
    elif Kiosk.objects.filter(code=code).exists():
        errors["code"] = [_("A kiosk with this code is already registered.")]
    if not name:
        errors["name"] = [_("This field is required.")]
    if not address:
        errors["address"] = [_("This field is required.")]
    if region is None or getattr(region, "level", None) not in KIOSK_REGION_LEVELS:
        errors["region"] = [_("Choose a subdistrict or a community of the district.")]
    if installed_on is None:
        errors["installed_on"] = [_("This field is required.")]
    if errors:
        raise ApplicationError(_("Please correct the marked fields."), code="invalid_kiosk", field_errors=errors)
    try:
        with transaction.atomic():
            kiosk = Kiosk.objects.create(
                code=code, name=name[:100], region=region, address=address[:200], installed_on=installed_on
            )
            record(
                actor=actor,
                action="kiosk.register",
                target=kiosk,
                detail={"code": code, "region": region.code, "installed_on": installed_on.isoformat()},
                request=request,
            )
    except IntegrityError:
        raise ApplicationError(
            _("Please correct the marked fields."),
            code="invalid_kiosk",
            field_errors={"code": [_("A kiosk with this code is already registered.")]},
        ) from None
    return kiosk


def kiosk_retire(*, actor: User, kiosk: Kiosk, retired_on: Any, request: HttpRequest | None = None) -> Kiosk:
    """Take a kiosk out of service from a day (after its installation); it stays in the register."""
    if not _may_keep_kiosks(actor):
        raise PermissionDenied
    with transaction.atomic():
        locked = Kiosk.objects.select_for_update().get(pk=kiosk.pk)
        if locked.retired_on is not None:
            raise ConflictError(_("This kiosk is already retired."), code="kiosk_retired")
        if retired_on is None or retired_on <= locked.installed_on:
            raise ApplicationError(
                _("Please correct the marked fields."),
                code="invalid_kiosk",
                field_errors={"retired_on": [_("A kiosk is retired after the day it was installed.")]},
            )
        locked.retired_on = retired_on
        locked.save(update_fields=["retired_on"])
        record(
            actor=actor,
            action="kiosk.retire",
            target=locked,
            detail={"code": locked.code, "retired_on": retired_on.isoformat()},
            request=request,
        )
    return locked

"""This platform's exchange key, the peers it trusts, and the copies of their items."""

from __future__ import annotations

import re
import secrets
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from dgov.accounts.models import Region, User
from dgov.audit import record
from dgov.core.errors import ApplicationError
from dgov.crossregion import signing
from dgov.crossregion.models import ExchangeKey, Peer, RemoteItem
from dgov.crossregion.protocol import ITEMS_PATH
from dgov.crossregion.selectors import exchange_key_current
from dgov.crossregion.transport import Answer, Transport, TransportError, get_transport

ITEM_PAGE_SIZE = 100
MAX_ITEM_PAGES = 100


# --- The exchange key ---------------------------------------------------------------------------


def _key_new(actor: User | None, request: HttpRequest | None) -> ExchangeKey:
    key_id = f"xr-{timezone.now():%Y%m%d}-{secrets.token_hex(4)}"
    public, private_enc = signing.keypair_new(key_id)
    key = ExchangeKey.objects.create(key_id=key_id, public_key=public, private_key_enc=private_enc)
    record(actor=actor, action="crossregion.key_create", target=key, detail={"key_id": key_id}, request=request)
    return key


def exchange_key_ensure(*, actor: User | None = None, request: HttpRequest | None = None) -> ExchangeKey:
    """The current exchange key, made on first use."""
    key = exchange_key_current()
    if key is not None:
        return key
    try:
        with transaction.atomic():
            return _key_new(actor, request)
    except IntegrityError:
        # Two first uses at once: the constraint kept one current key; use it.
        key = exchange_key_current()
        if key is None:  # pragma: no cover
            raise
        return key


def exchange_key_rotate(*, actor: User | None = None, request: HttpRequest | None = None) -> ExchangeKey:
    """Retire the current key and make a new one. Peers must be given the new public key: until
    they have it, they refuse this platform's messages (which are then retried)."""
    with transaction.atomic():
        now = timezone.now()
        old = list(ExchangeKey.objects.select_for_update().filter(retired_at__isnull=True))
        ExchangeKey.objects.filter(pk__in=[k.pk for k in old]).update(retired_at=now)
        key = _key_new(actor, request)
        record(
            actor=actor,
            action="crossregion.key_rotate",
            target=key,
            detail={"retired": [k.key_id for k in old], "key_id": key.key_id},
            request=request,
        )
    return key


# --- Peers --------------------------------------------------------------------------------------


def peer_save(
    *,
    actor: User | None,
    region_code: str,
    region_name: str,
    base_url: str,
    public_key: str,
    active: bool = True,
    is_demo: bool = False,
    request: HttpRequest | None = None,
) -> Peer:
    """Register (or update) another region's platform: its region (created as a top-level region
    when this platform does not know it), its API base URL and its exchange public key."""
    region_code = region_code.strip()
    region_name = region_name.strip()
    base_url = base_url.strip().rstrip("/")
    public_key = public_key.strip().lower()
    errors: dict[str, list[str]] = {}
    if not re.fullmatch(r"\d{6}|\d{9}|\d{12}", region_code):
        errors["region_code"] = [_("A region code has 6, 9 or 12 digits.")]
    if not region_name:
        errors["region_name"] = [_("Name the region.")]
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        errors["base_url"] = [_("Give the peer's API address, e.g. https://example.gov.cn/api/v1.")]
    if not signing.public_key_valid(public_key):
        errors["public_key"] = [_("An SM2 public key is 04||x||y in 130 hex digits.")]
    if errors:
        raise ApplicationError(_("The peer platform could not be saved."), field_errors=errors)
    with transaction.atomic():
        region = Region.objects.filter(code=region_code).first()
        if region is None:
            region = Region.objects.create(
                code=region_code, name=region_name[:64], level=Region.Level.DISTRICT, path=region_code
            )
        peer = Peer.objects.select_for_update().filter(region=region).first()
        created = peer is None
        if peer is None:
            peer = Peer(region=region)
        peer.base_url = base_url
        peer.public_key = public_key
        peer.active = active
        peer.is_demo = is_demo
        peer.updated_at = timezone.now()
        peer.save()
        record(
            actor=actor,
            action="crossregion.peer_create" if created else "crossregion.peer_update",
            target=peer,
            detail={"region": region_code, "base_url": base_url, "active": active},
            request=request,
        )
    return peer


# --- The peers' items ---------------------------------------------------------------------------


class SyncError(Exception):
    """The peer's catalogue could not be read."""


def _online_form(name: str) -> bool:
    # The rule of dgov.cases.services.material_is_online_form: the application form itself,
    # named in book-title marks, is the form filled in, not a file.
    return name.startswith("《") and name.endswith("》")


def materials_from_guide(materials: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The guide's materials with what the receiving clerk must take in: ``upload`` for the
    applicant's own papers (not government data, not the form), ``required`` when unconditional."""
    rows = []
    for m in materials:
        name = str(m.get("name", ""))
        upload = m.get("source") == "applicant" and not _online_form(name)
        rows.append(
            {
                "position": int(m.get("position", 0)),
                "name": name,
                "requirement": str(m.get("requirement", "")),
                "condition": str(m.get("condition", "")),
                "source": str(m.get("source", "")),
                "notes": str(m.get("notes", "")),
                "upload": upload,
                "required": upload and m.get("requirement") == "required",
            }
        )
    return rows


def item_open_for_handover(item: dict[str, Any]) -> bool:
    """Whether the handling region takes applications for this item from another region (what its
    case_submit checks): an item its catalogue marks as handled across regions (跨域通办,
    ``cross_province``), or one open on the partner channel at online depth 3 or more; with a form,
    for individuals (the receiving window hands over individuals' applications)."""
    open_to_handover = bool(item.get("cross_province")) or (
        "partner" in (item.get("channels") or []) and int(item.get("online_depth") or 0) >= 3
    )
    return open_to_handover and bool(item.get("form_schema")) and item.get("subject") in ("person", "both")


def _get_json(transport: Transport, url: str) -> dict[str, Any]:
    try:
        answer: Answer = transport.get(url)
    except TransportError as exc:
        raise SyncError(str(exc)) from exc
    if answer.status != 200:
        raise SyncError(f"GET {url}: HTTP {answer.status}")
    return answer.json()


def _store_item(item: RemoteItem, guide: dict[str, Any], now: Any) -> None:
    item.version = int(guide.get("version") or 1)
    item.name = str(guide.get("name", ""))[:200]
    item.department_name = str(guide.get("department_name", ""))[:100]
    item.subject = str(guide.get("subject", ""))[:16]
    item.promised_days = guide.get("promised_days")
    item.form_schema = guide.get("form_schema") or {}
    item.materials = materials_from_guide(list(guide.get("materials") or []))
    item.active = True
    item.synced_at = now
    item.save()


def remote_item_refresh(
    *, actor: User | None, peer: Peer, code: str, transport: Transport | None = None
) -> RemoteItem | None:
    """Refresh (or add) the copy of one of the peer's items from GET /catalog/items/{code}; the
    copy is deactivated (and None returned) when the peer no longer offers it for handover."""
    transport = transport or get_transport()
    try:
        answer = transport.get(peer.url(f"{ITEMS_PATH}/{code}"))
    except TransportError as exc:
        raise SyncError(str(exc)) from exc
    if answer.status not in (200, 404, 410):
        raise SyncError(f"GET {ITEMS_PATH}/{code}: HTTP {answer.status}")
    guide = answer.json() if answer.status == 200 else {}
    now = timezone.now()
    with transaction.atomic():
        item = RemoteItem.objects.select_for_update().filter(peer=peer, code=code).first()
        if not guide or not item_open_for_handover(guide):
            if item is not None and item.active:
                item.active = False
                item.synced_at = now
                item.save(update_fields=["active", "synced_at"])
            result = None
        else:
            item = item or RemoteItem(peer=peer, code=code)
            _store_item(item, guide, now)
            result = item
        record(
            actor=actor,
            action="crossregion.item_refresh",
            target=peer,
            detail={"region": peer.region.code, "code": code, "offered": result is not None},
        )
    return result


def remote_items_sync(*, actor: User | None, peer: Peer, transport: Transport | None = None) -> dict[str, int]:
    """Refresh the copies of the peer's items from its public catalogue API (GET /catalog/items
    and /catalog/items/{code}): items open for handover are created or updated, the others
    deactivated. Raises SyncError when the catalogue cannot be read (nothing is changed then)."""
    transport = transport or get_transport()
    codes: list[str] = []
    for page in range(1, MAX_ITEM_PAGES + 1):
        query = urlencode({"page": page, "page_size": ITEM_PAGE_SIZE})
        doc = _get_json(transport, peer.url(f"{ITEMS_PATH}?{query}"))
        rows = doc.get("items") or []
        codes += [str(r["code"]) for r in rows if r.get("code")]
        if len(rows) < ITEM_PAGE_SIZE or int(doc.get("page", page)) < page:
            break
    guides = [_get_json(transport, peer.url(f"{ITEMS_PATH}/{code}")) for code in dict.fromkeys(codes)]
    open_items = {str(g["code"]): g for g in guides if g.get("code") and item_open_for_handover(g)}
    counts = {"created": 0, "updated": 0, "deactivated": 0}
    now = timezone.now()
    with transaction.atomic():
        existing = {i.code: i for i in RemoteItem.objects.select_for_update().filter(peer=peer)}
        for code, guide in open_items.items():
            item = existing.get(code) or RemoteItem(peer=peer, code=code)
            counts["updated" if item.pk else "created"] += 1
            _store_item(item, guide, now)
        gone = [i.pk for code, i in existing.items() if code not in open_items and i.active]
        counts["deactivated"] = RemoteItem.objects.filter(pk__in=gone).update(active=False, synced_at=now)
        record(
            actor=actor,
            action="crossregion.items_sync",
            target=peer,
            detail={"region": peer.region.code, **counts},
        )
    return counts

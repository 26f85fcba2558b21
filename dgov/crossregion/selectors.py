"""Reads of cross-region handling, each deciding who may see what.

- The regions this instance receives and handles for are ``DGOV_CROSSREGION_REGIONS``.
- Staff holding ``Perm.CROSSREGION_HANDOVER`` see the handovers of the departments their role
  covers (a department, a region and everything in it, or everywhere); anyone else gets a 404.
- Anyone may look up a handover with its receipt number and verification code; a wrong pair and
  an unknown number give the same answer, and failures are limited per client address.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q, QuerySet
from django.http import Http404

from dgov.accounts.models import Region, RoleAssignment
from dgov.accounts.permissions import RULES, Perm
from dgov.core import crypto
from dgov.crossregion.models import ExchangeKey, Handover, HandoverEvent, Peer, RemoteItem
from dgov.crossregion.numbering import receipt_number_valid

LOOKUP_FAILURES_ALLOWED = 10
LOOKUP_WINDOW_SECONDS = 600


# --- This platform's regions and key ------------------------------------------------------------


def own_region_codes() -> list[str]:
    """The region codes this instance receives and handles for (DGOV_CROSSREGION_REGIONS)."""
    codes = getattr(settings, "DGOV_CROSSREGION_REGIONS", None) or [settings.DGOV_REGION_CODE]
    return [str(c) for c in codes]


def own_regions() -> list[Region]:
    return list(Region.objects.filter(code__in=own_region_codes()).order_by("code"))


def own_region_containing(region: Region | None) -> Region | None:
    """The platform's own region that region lies in (itself or an ancestor), if any."""
    if region is None:
        return None
    for own in own_regions():
        if own.contains(region):
            return own
    return None


def exchange_key_current() -> ExchangeKey | None:
    return ExchangeKey.objects.filter(retired_at__isnull=True).first()


# --- Peers and their items ----------------------------------------------------------------------


def peers_for_handover(*, excluding: Region | None = None) -> QuerySet[Peer]:
    """Active peers, but not ``excluding`` (the clerk's own region). A peer may be another of this
    platform's own regions when one instance serves several (the messages then come back to this
    process through the same protocol)."""
    peers = Peer.objects.filter(active=True).select_related("region")
    return peers.exclude(region=excluding) if excluding is not None else peers


def peer_get(*, pk: int) -> Peer:
    try:
        return peers_for_handover().get(pk=pk)
    except Peer.DoesNotExist:
        raise Http404 from None


def peer_for_region(code: str) -> Peer | None:
    """The active peer of a region code (the sender of an inbound message)."""
    return Peer.objects.filter(region__code=code, active=True).select_related("region").first()


def remote_items_for(*, peer: Peer, query: str = "") -> QuerySet[RemoteItem]:
    items = RemoteItem.objects.filter(peer=peer, active=True)
    query = query.strip()[:50]
    if query:
        items = items.filter(Q(name__icontains=query) | Q(code__icontains=query) | Q(department_name__icontains=query))
    return items.order_by("name", "code")


def remote_item_get(*, peer: Peer, code: str) -> RemoteItem:
    try:
        return RemoteItem.objects.select_related("peer__region").get(peer=peer, code=code, active=True)
    except RemoteItem.DoesNotExist:
        raise Http404 from None


# --- Handovers ----------------------------------------------------------------------------------


def _active(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_active", False))


def handover_scope(user: Any) -> Q | None:
    """Q over Handover for the receiving departments user's handover role covers; None for none."""
    if not _active(user):
        return None
    allowed: Q | None = None
    for a in RoleAssignment.objects.filter(user=user, role__in=RULES[Perm.CROSSREGION_HANDOVER]).select_related(
        "region"
    ):
        cover = Q()
        if a.department_id is not None:
            cover &= Q(department_id=a.department_id)
        if a.region is not None:
            path = a.region.path
            cover &= Q(department__region__path=path) | Q(department__region__path__startswith=path + "/")
        allowed = cover if allowed is None else allowed | cover
    return allowed


def handover_list_for_user(*, user: Any, state: str = "", number: str = "") -> QuerySet[Handover]:
    """The handovers of the departments user covers, newest first."""
    scope = handover_scope(user)
    if scope is None:
        return Handover.objects.none()
    qs = Handover.objects.filter(scope)
    if state:
        qs = qs.filter(state=state)
    number = number.strip()
    if number:
        qs = qs.filter(Q(receipt_number__startswith=number) | Q(remote_case_number__startswith=number))
    return qs.select_related("peer__region", "department", "clerk").order_by("-created_at", "-pk")


def handover_get_for_user(*, user: Any, pk: int) -> Handover:
    """The handover for staff who cover its receiving department; 404 for everyone else."""
    scope = handover_scope(user)
    if scope is None:
        raise Http404
    try:
        return (
            Handover.objects.filter(scope)
            .select_related("peer__region", "remote_item", "department", "clerk", "receiving_region", "applicant")
            .get(pk=pk)
        )
    except Handover.DoesNotExist:
        raise Http404 from None


def handover_events(*, handover: Handover) -> QuerySet[HandoverEvent]:
    return handover.events.select_related("actor")


def _lookup_key(client: str) -> str:
    return f"crossregion:lookup-failures:{crypto.sm3_hex(client.encode())[:32]}"


def handover_lookup_public(*, number: str, code: str, client: str) -> Handover | None:
    """The handover with this receipt number and verification code, or None. Raises
    PermissionError when the client has failed too often recently (guessing must be slow)."""
    key = _lookup_key(client)
    failures = int(cache.get(key, 0))
    if failures >= LOOKUP_FAILURES_ALLOWED:
        raise PermissionError
    number = (number or "").strip().upper()
    code = (code or "").strip()
    handover = None
    if receipt_number_valid(number) and code.isdigit():
        handover = Handover.objects.filter(receipt_number=number).select_related("peer__region").first()
    if handover is None or not crypto.constant_time_equal(handover.lookup_code, code):
        cache.set(key, failures + 1, LOOKUP_WINDOW_SECONDS)
        return None
    return handover


def handover_public_events(*, handover: Handover) -> QuerySet[HandoverEvent]:
    """The history without the delivery mechanics (attempts), for the applicant."""
    return handover.events.exclude(kind=HandoverEvent.Kind.ATTEMPT_FAILED)

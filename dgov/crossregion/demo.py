"""Demo data of cross-region handling: the exchange key, 蓬江区 (440703) as a peer platform and
copies of a few of its items, so the window's cross-region page has something to offer.

The demo peer's key is a placeholder (its private half is thrown away) and its address is a
second local instance (``http://127.0.0.1:8001/api/v1``): handovers to it wait and are retried
until a real instance is registered with ``manage.py crossregion_peer``. Idempotent.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from dgov.core import crypto
from dgov.crossregion.models import Peer, RemoteItem
from dgov.crossregion.services import exchange_key_ensure, peer_save
from dgov.crossregion.services.peers import item_open_for_handover, materials_from_guide

DEMO_REGION = ("440703", "蓬江区")
DEMO_BASE_URL = "http://127.0.0.1:8001/api/v1"


def _remote_copy(item: Any) -> dict[str, Any]:
    """A local demo item as 蓬江区's platform would publish it (same basic code, its own area)."""
    return {
        "code": item.code.replace("440704", DEMO_REGION[0], 1),
        "version": 1,
        "name": item.name,
        "department_name": item.department.name.replace("江海区", DEMO_REGION[1]),
        "subject": item.subject,
        "promised_days": item.promised_days,
        "channels": list(item.channels),
        "cross_province": item.cross_province,
        "online_depth": item.online_depth,
        "form_schema": item.form_schema,
        "materials": [
            {
                "position": m.position,
                "name": m.name,
                "requirement": m.requirement,
                "condition": m.condition,
                "source": m.source,
                "notes": m.notes,
            }
            for m in item.materials.all()
        ],
    }


def load_demo_crossregion() -> dict[str, int]:
    """Create what is missing; returns how many peers and items were created."""
    from dgov.catalog.models import ServiceItem

    exchange_key_ensure()
    created = {"peers": 0, "items": 0}
    with transaction.atomic():
        peer = Peer.objects.filter(region__code=DEMO_REGION[0]).first()
        if peer is None:
            _private, public = crypto.sm2_generate_keypair()
            peer = peer_save(
                actor=None,
                region_code=DEMO_REGION[0],
                region_name=DEMO_REGION[1],
                base_url=DEMO_BASE_URL,
                public_key=public,
                is_demo=True,
            )
            created["peers"] += 1
        if not peer.is_demo:
            return created  # a real peer was registered for this region: leave its items alone
        local = ServiceItem.objects.filter(status=ServiceItem.Status.PUBLISHED, is_demo=True).select_related(
            "department"
        )
        for item in local.prefetch_related("materials"):
            guide = _remote_copy(item)
            if not item_open_for_handover(guide) or RemoteItem.objects.filter(peer=peer, code=guide["code"]).exists():
                continue
            RemoteItem.objects.create(
                peer=peer,
                code=guide["code"],
                name=guide["name"],
                department_name=guide["department_name"][:100],
                subject=guide["subject"],
                promised_days=guide["promised_days"],
                form_schema=guide["form_schema"],
                materials=materials_from_guide(guide["materials"]),
                is_demo=True,
            )
            created["items"] += 1
    return created

"""Jianghai's demo service catalogue: items shaped like the district's real ones, marked is_demo.

Loading is idempotent: an item whose code exists (in any version) is left as it is, so a second
run writes nothing and an administrator's later edits are never overwritten.
"""

from __future__ import annotations

from django.db import transaction

from dgov.accounts.models import Department
from dgov.catalog import services
from dgov.catalog.content import ItemContent
from dgov.catalog.demo_items import demo_items
from dgov.catalog.models import ServiceItem


def load_demo_catalog() -> int:
    """Create and publish the demo items that are missing; returns how many were created."""
    regions = dict(Department.objects.values_list("code", "region__code"))
    contents: list[ItemContent] = [c for c in demo_items(regions) if c.department in regions]
    existing = set(ServiceItem.objects.filter(code__in=[c.code for c in contents]).values_list("code", flat=True))
    created = 0
    with transaction.atomic():
        for content in contents:
            if content.code in existing:
                continue
            draft = services.item_create_draft(actor=None, content=content)
            services.item_publish(actor=None, item=draft)
            created += 1
    return created

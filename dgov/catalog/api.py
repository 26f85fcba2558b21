"""API endpoints of the service catalogue: the published guides, readable by anyone."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.errors import HttpError

from dgov.catalog import exemptions, selectors
from dgov.catalog.models import LifeEvent, ServiceItem

router = Router(tags=["catalog"])


class LifeEventRead(Schema):
    code: str
    name: str
    name_en: str
    audience: str


class MaterialRead(Schema):
    position: int
    name: str
    form: str
    copies: int
    requirement: str
    condition: str
    source: str
    source_ref: str
    notes: str
    government_issued: bool


class ExemptionRead(Schema):
    key: str  # material_exempt, prefill, e_seal, e_signature
    holds: bool
    reason: str


class ItemSummaryRead(Schema):
    code: str
    basic_code: str
    version: int
    name: str
    name_en: str
    department: str
    department_name: str
    kind: str
    subject: str
    life_events: list[str]
    statutory_days: int
    promised_days: int
    channels: list[str]
    online_depth: int
    max_visits: int
    comprehensive_window: bool
    high_frequency: bool
    cross_province: bool
    single_sign_on: bool
    instant_approval: bool
    # 四免, computed by the platform from the item's configuration (read-only).
    material_exempt: bool
    prefill: bool
    e_seal: bool
    e_signature: bool
    published_at: datetime | None


class ItemRead(ItemSummaryRead):
    keywords: str
    legal_basis: str
    conditions: str
    fee_charged: bool
    fee_standard: str
    fee_basis: str
    service_location: str
    service_hours: str
    enquiry_phone: str
    result_name: str
    output_licence_type: str
    form_schema: dict[str, Any]
    process_key: str
    decision_key: str
    materials: list[MaterialRead]
    exemptions: list[ExemptionRead]  # the four, with the reason each holds or not


class ItemPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[ItemSummaryRead]


class ItemFilters(Schema):
    q: str = ""
    department: str = ""
    kind: ServiceItem.Kind | None = None
    life_event: str = ""
    subject: ServiceItem.Subject | None = None
    page: int = 1
    page_size: int = 20


def _summary(item: ServiceItem) -> dict[str, Any]:
    fields = ItemSummaryRead.model_fields.keys() - {"department", "department_name", "life_events"}
    data = {name: getattr(item, name) for name in fields}
    data["department"] = item.department.code
    data["department_name"] = item.department.name
    data["life_events"] = [e.code for e in item.life_events.all()]
    return data


@router.get("/items", response=ItemPage, auth=None, summary="Search the published service items")
def items(request: HttpRequest, filters: Query[ItemFilters]) -> dict[str, Any]:
    """Published items, best match first when ``q`` is given (Chinese is segmented with jieba)."""
    page_size = min(max(filters.page_size, 1), 100)
    found = selectors.item_list_published(
        query=filters.q[:100],
        department=filters.department,
        kind=filters.kind or "",
        life_event=filters.life_event,
        subject=filters.subject or "",
    )
    paginator = Paginator(found, page_size)
    page = paginator.get_page(filters.page)
    return {
        "count": paginator.count,
        "page": page.number,
        "page_size": page_size,
        "items": [_summary(item) for item in page],
    }


@router.get("/items/{code}", response=ItemRead, auth=None, summary="The published guide of one item")
def item(request: HttpRequest, code: str) -> dict[str, Any]:
    try:
        found = selectors.item_get_published(code=code)
    except selectors.ItemWithdrawn as exc:
        raise HttpError(410, "This item has been withdrawn.") from exc
    data = _summary(found)
    for name in ItemRead.model_fields.keys() - ItemSummaryRead.model_fields.keys() - {"materials", "exemptions"}:
        data[name] = getattr(found, name)
    data["materials"] = list(found.materials.all())
    data["exemptions"] = [{"key": e.key, "holds": e.holds, "reason": e.reason} for e in exemptions.for_item(found)]
    return data


@router.get("/life-events", response=list[LifeEventRead], auth=None, summary="The life events items are grouped by")
def life_events(request: HttpRequest) -> list[LifeEvent]:
    return list(LifeEvent.objects.order_by("audience", "position", "code"))

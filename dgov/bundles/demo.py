"""The demo bundles (一件事) of `make run`: the plan's 开办企业 and four the country offers widely.

The items the demo catalogue lacks (dgov.bundles.demo_items) are created first through the
catalogue's own services, then each bundle through the bundles' services, and published.
Loading is idempotent: an item or bundle whose code exists is left as it is, so a second run
writes nothing and an administrator's later edits are never overwritten. A bundle whose items
are missing (the catalogue demo was not loaded) is skipped.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from dgov.accounts.models import Department
from dgov.bundles import services
from dgov.bundles.demo_items import bundle_items
from dgov.bundles.models import Bundle
from dgov.catalog import services as catalog
from dgov.catalog.models import ServiceItem


@dataclass(frozen=True)
class DemoBundle:
    code: str
    name: str
    name_en: str
    life_event: str
    description: str
    items: tuple[tuple[str, str], ...]  # (department code, item name)


DEMO_BUNDLES = (
    DemoBundle(
        "kaiban-qiye",
        "开办企业一件事",
        "Starting a business",
        "start_business",
        "企业设立登记、公章刻制备案、发票领用、单位社会保险登记、住房公积金单位缴存登记，一表填报、一次提交，"
        "各部门并联办理。",
        (
            ("scjg", "企业设立登记"),
            ("gaj", "公章刻制备案"),
            ("swj", "发票领用（新办纳税人）"),
            ("rsj", "单位参加社会保险登记"),
            ("gjj", "住房公积金单位缴存登记"),
        ),
    ),
    DemoBundle(
        "xinshenger-chusheng",
        "新生儿出生一件事",
        "A baby is born",
        "birth",
        "新生儿出生登记（入户）、城乡居民基本医疗保险参保登记、社会保障卡申领，一次申请。出生医学证明由电子证照库调取。",
        (
            ("gaj", "出生登记"),
            ("ybj", "城乡居民基本医疗保险参保登记"),
            ("rsj", "社会保障卡申领"),
        ),
    ),
    DemoBundle(
        "tuixiu",
        "退休一件事",
        "Retiring",
        "elderly",
        "企业职工基本养老保险待遇申领、职工医保退休人员待遇核定、住房公积金退休提取，一次办好。",
        (
            ("rsj", "企业职工基本养老保险待遇申领"),
            ("ybj", "职工基本医疗保险退休人员待遇核定"),
            ("gjj", "住房公积金提取（离休、退休）"),
        ),
    ),
    DemoBundle(
        "ershoufang-guohu",
        "二手房转移登记及水电气过户一件事",
        "Buying a resale home: registration and utilities",
        "housing",
        "不动产转移登记与供水、供电、管道燃气过户联办：不动产权属证书上传一次，各单位同步办理。",
        (
            ("zrj", "不动产转移登记（二手房买卖）"),
            ("water", "供水过户"),
            ("power", "供电过户"),
            ("gas", "管道燃气过户"),
        ),
    ),
    DemoBundle(
        "canjiren-fuwu",
        "残疾人服务一件事",
        "Services for people with disabilities",
        "disability",
        "残疾人证办理、残疾人两项补贴、城乡居民养老保险参保登记（困难群体代缴），一次申请。",
        (
            ("dpf", "残疾人证办理"),
            ("mzj", "残疾人两项补贴"),
            ("rsj", "城乡居民养老保险参保登记"),
        ),
    ),
)


def load_demo_bundle_items() -> int:
    """Create and publish the missing items the demo bundles need; returns how many were created."""
    regions = dict(Department.objects.values_list("code", "region__code"))
    contents = [c for c in bundle_items(regions) if c.department in regions]
    existing = set(ServiceItem.objects.filter(code__in=[c.code for c in contents]).values_list("code", flat=True))
    created = 0
    for content in contents:
        if content.code in existing:
            continue
        draft = catalog.item_create_draft(actor=None, content=content)
        catalog.item_publish(actor=None, item=draft)
        created += 1
    return created


def _codes(spec: DemoBundle) -> tuple[str, ...] | None:
    codes = []
    for department, name in spec.items:
        code = (
            ServiceItem.objects.filter(department__code=department, name=name, status=ServiceItem.Status.PUBLISHED)
            .values_list("code", flat=True)
            .first()
        )
        if code is None:
            return None
        codes.append(code)
    return tuple(codes)


@transaction.atomic
def load_demo_bundles() -> dict[str, int]:
    """The demo items and bundles that are missing; how many of each were created."""
    items = load_demo_bundle_items()
    made = 0
    for spec in DEMO_BUNDLES:
        if Bundle.objects.filter(code=spec.code).exists():
            continue
        codes = _codes(spec)
        if codes is None:
            continue
        bundle = services.bundle_create(
            actor=None,
            content=services.BundleContent(
                code=spec.code,
                name=spec.name,
                name_en=spec.name_en,
                life_event=spec.life_event,
                description=spec.description,
                item_codes=codes,
                is_demo=True,
            ),
        )
        services.bundle_publish(actor=None, bundle=bundle)
        made += 1
    return {"items": items, "bundles": made}

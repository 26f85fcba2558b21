"""Jianghai reference data (regions, departments) and the demo accounts.

Loading is idempotent: a second run finds everything in place and writes nothing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from dgov.accounts import services
from dgov.accounts.models import Department, Region, Role, User
from dgov.accounts.regions import region_path
from dgov.core.validation import credit_code_check_char, id_number_check_char

DATA = Path(__file__).resolve().parent / "data"


def _demo_credit_code(seed: str, kind_prefix: str = "11") -> str:
    """A syntactically valid unified social credit code for demo data (GB 32100 check char)."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    digest = hashlib.sha256(seed.encode()).digest()
    body = "".join(alphabet[b % 31] for b in digest[:9])
    first17 = f"{kind_prefix}440704{body}"
    return first17 + credit_code_check_char(first17)


def _demo_id_number(birth: str, seq: str) -> str:
    first17 = f"440704{birth}{seq}"
    return first17 + id_number_check_char(first17)


@transaction.atomic
def load_regions(*, demo: bool) -> int:
    """Create missing regions from data/regions_jianghai.json; returns how many were created.

    Outside demo mode, entries whose name or code is not confirmed (``demo: true``) are skipped.
    """
    doc = json.loads((DATA / "regions_jianghai.json").read_text(encoding="utf-8"))
    created = 0
    by_code = {r.code: r for r in Region.objects.all()}
    for row in doc["regions"]:
        if row["code"] in by_code or (row["demo"] and not demo):
            continue
        region = Region(
            code=row["code"],
            name=row["name"],
            level=row["level"],
            parent=by_code.get(row["parent"]) if row["parent"] else None,
            is_demo=row["demo"],
        )
        region.path = region_path(region)
        region.save()
        by_code[region.code] = region
        created += 1
    return created


@transaction.atomic
def load_departments(*, demo: bool) -> int:
    doc = json.loads((DATA / "departments_jianghai.json").read_text(encoding="utf-8"))
    regions = {r.code: r for r in Region.objects.all()}
    created = 0
    for row in doc["departments"]:
        if Department.objects.filter(code=row["code"]).exists():
            continue
        Department.objects.create(
            code=row["code"],
            name=row["name"],
            name_en=row["name_en"],
            kind=row["kind"],
            region=regions[row["region"]],
            credit_code=_demo_credit_code(row["code"]) if demo else None,
            is_demo=demo,
        )
        created += 1
    return created


@dataclass(frozen=True)
class DemoAccount:
    username: str
    kind: str
    real_name: str
    role: str | None = None
    department: str | None = None
    region: str | None = None  # where a citizen or enterprise agent lives
    role_department: str | None = None  # scope of the role: one department …
    role_region: str | None = None  # … or a region and everything in it
    id_birth: str = ""
    phone: str = ""
    extra: dict[str, str] = field(default_factory=dict)


DEMO_ACCOUNTS = [
    DemoAccount("citizen", "citizen", "陈伯文", region="440704004005", id_birth="19560312", phone="13800000001"),
    DemoAccount(
        "enterprise",
        "enterprise",
        "李敏",
        region="440704001003",
        id_birth="19880521",
        phone="13800000002",
        extra={"enterprise_name": "江门市江海区星辉电子科技有限公司（示例）"},
    ),
    # The comprehensive window accepts for every department of the district.
    DemoAccount(
        "clerk",
        "staff",
        "黄嘉欣",
        Role.WINDOW_CLERK,
        "zsj",
        role_region="440704",
        id_birth="19920817",
        phone="13800000003",
    ),
    DemoAccount(
        "approver",
        "staff",
        "梁志强",
        Role.APPROVER,
        "scjg",
        role_department="scjg",
        id_birth="19850109",
        phone="13800000004",
    ),
    DemoAccount(
        "operator",
        "staff",
        "吴晓燕",
        Role.HOTLINE_OPERATOR,
        "zsj",
        role_region="440704",
        id_birth="19950620",
        phone="13800000005",
    ),
    DemoAccount(
        "gridworker",
        "staff",
        "赵国华",
        Role.GRID_WORKER,
        "whjd",
        role_region="440704004000",
        id_birth="19800402",
        phone="13800000006",
    ),
    DemoAccount(
        "leader",
        "staff",
        "周建国",
        Role.LEADER,
        "gov-office",
        role_region="440704",
        id_birth="19700915",
        phone="13800000007",
    ),
    DemoAccount("admin", "staff", "林海", Role.SYSTEM_ADMIN, "zsj", id_birth="19870223", phone="13800000008"),
    DemoAccount("security", "staff", "郑安", Role.SECURITY_ADMIN, "zsj", id_birth="19890711", phone="13800000009"),
    DemoAccount("auditor", "staff", "何审", Role.AUDIT_ADMIN, "zsj", id_birth="19831130", phone="13800000010"),
    # The 12345 centre's dispatcher, and a ticket handler of 城管 (the department most tickets go to).
    DemoAccount(
        "dispatcher",
        "staff",
        "冯丽娟",
        Role.DISPATCHER,
        "zsj",
        role_region="440704",
        id_birth="19900305",
        phone="13800000011",
    ),
    DemoAccount(
        "handler",
        "staff",
        "邓伟明",
        Role.TICKET_HANDLER,
        "cgj",
        role_department="cgj",
        id_birth="19860718",
        phone="13800000012",
    ),
    # The district's data officer (indicators: reported values, targets, snapshots) and the
    # administrator of 市场监管 (its items, seals, ratings; its slice of the indicators).
    DemoAccount(
        "dataofficer",
        "staff",
        "孔晓彤",
        Role.DATA_OFFICER,
        "zsj",
        role_region="440704",
        id_birth="19910414",
        phone="13800000013",
    ),
    DemoAccount(
        "deptadmin",
        "staff",
        "区永康",
        Role.DEPT_ADMIN,
        "scjg",
        role_department="scjg",
        id_birth="19820926",
        phone="13800000014",
    ),
]


@transaction.atomic
def load_demo_accounts(password: str) -> int:
    created = 0
    for n, spec in enumerate(DEMO_ACCOUNTS, start=1):
        if User.objects.filter(username=spec.username).exists():
            continue
        department = Department.objects.get(code=spec.department) if spec.department else None
        region = Region.objects.get(code=spec.region) if spec.region else None
        extra: dict[str, Any] = dict(spec.extra)
        if spec.kind == User.Kind.ENTERPRISE:
            extra["enterprise_credit_code"] = _demo_credit_code(spec.username, kind_prefix="91")
        user = services.user_create(
            actor=None,
            username=spec.username,
            password=password,
            kind=spec.kind,
            real_name=spec.real_name,
            id_number=_demo_id_number(spec.id_birth, f"{n:03d}"),
            phone=spec.phone,
            department=department,
            region=region,
            is_demo=True,
            **extra,
        )
        if spec.role:
            services.role_grant(
                actor=None,
                user=user,
                role=spec.role,
                department=Department.objects.get(code=spec.role_department) if spec.role_department else None,
                region=Region.objects.get(code=spec.role_region) if spec.role_region else None,
            )
        created += 1
    return created


def load_all() -> dict[str, int]:
    counts = {
        "regions": load_regions(demo=settings.DGOV_DEMO),
        "departments": load_departments(demo=settings.DGOV_DEMO),
    }
    if settings.DGOV_DEMO:
        counts["accounts"] = load_demo_accounts(settings.DGOV_DEMO_PASSWORD)
    return counts

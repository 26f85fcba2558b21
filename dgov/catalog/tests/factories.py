"""Test data for the catalogue."""

from __future__ import annotations

import dataclasses

from dgov.accounts.models import Department, Role, User
from dgov.accounts.services import role_grant, user_create
from dgov.catalog.content import ItemContent, MaterialContent
from dgov.catalog.models import ServiceItem

PASSWORD = "Catalog-pass-2025!"


def make_content(**changes: object) -> ItemContent:
    """A valid item of 区市场监督管理局; change any field with keyword arguments."""
    base = ItemContent(
        code="440704000XK0019900000",
        basic_code="XK00199000",
        name="测试许可事项",
        department="scjg",
        kind=ServiceItem.Kind.LICENSING,
        subject=ServiceItem.Subject.BOTH,
        legal_basis="《中华人民共和国行政许可法》",
        conditions="符合条件的申请人。",
        statutory_days=20,
        promised_days=5,
        life_events=("operating_licence",),
        channels=(ServiceItem.Channel.ONLINE, ServiceItem.Channel.WINDOW),
        online_depth=4,
        max_visits=0,
        comprehensive_window=True,
        form_schema={
            "type": "object",
            "properties": {"org_name": {"type": "string", "title": "单位名称", "maxLength": 100}},
            "required": ["org_name"],
        },
        materials=(
            MaterialContent(name="申请书"),
            MaterialContent(name="营业执照", source="licence", source_ref="business_licence"),
        ),
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def make_staff(username: str, department: str, *, role: str = Role.DEPT_ADMIN, scoped: bool = True) -> User:
    """A member of staff of department holding role (scoped to it unless scoped=False)."""
    dept = Department.objects.get(code=department)
    user = user_create(
        actor=None,
        username=username,
        password=PASSWORD,
        kind="staff",
        department=dept,
        real_name=username,
        is_demo=True,
    )
    role_grant(actor=None, user=user, role=role, department=dept if scoped else None)
    return user

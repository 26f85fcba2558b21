"""Hotline personas and helpers: 吴晓燕 the operator takes calls, 冯丽娟 the dispatcher reviews
returns and extensions, 邓伟明 handles 城管's tickets; the outsider handles 市场监管's and must see
none of 城管's. The category tree is the shipped one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dgov.accounts.models import Department, User
from dgov.hotline import services
from dgov.hotline.models import Category, Ticket

CATEGORIES = Path(__file__).resolve().parents[1] / "data" / "categories.json"


@pytest.fixture
def hotline(jianghai: None) -> None:
    """The shipped category tree (idempotent)."""
    rows = json.loads(CATEGORIES.read_text(encoding="utf-8"))["categories"]
    services.categories_load(rows)


@pytest.fixture
def operator(jianghai: None) -> User:
    return User.objects.get(username="operator")


@pytest.fixture
def dispatcher(jianghai: None) -> User:
    return User.objects.get(username="dispatcher")


@pytest.fixture
def handler(jianghai: None) -> User:
    return User.objects.get(username="handler")


@pytest.fixture
def cgj(jianghai: None) -> Department:
    return Department.objects.get(code="cgj")


def make_handler(username: str, department_code: str) -> User:
    from dgov.accounts.services import role_grant, user_create

    department = Department.objects.get(code=department_code)
    user = user_create(
        actor=None,
        username=username,
        password="Handler-pass-2025!",
        kind="staff",
        real_name=f"{department.name}承办人",
        department=department,
    )
    role_grant(actor=None, user=user, role="ticket_handler", department=department)
    return user


@pytest.fixture
def outsider_handler(jianghai: None) -> User:
    """A ticket handler of 市场监管 (scjg)."""
    return make_handler("scjg-handler", "scjg")


def leaf(code: str) -> Category:
    return Category.objects.select_related("department").get(code=code)


def call(operator: User, **changes: Any) -> Ticket:
    """A phone call about a dark street light, registered without dispatch."""
    data = {
        "type": Ticket.Type.HELP,
        "description": "江海一路与东海路交界那几盏路灯晚上都不亮，走路很危险。",
        "caller_name": "陈伯文",
        "caller_phone": "13800000001",
        "address": "外海街道江海一路88号",
        **changes,
    }
    return services.ticket_register(actor=operator, channel=Ticket.Channel.PHONE, data=services.TicketInput(**data))

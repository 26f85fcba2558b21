"""Credit personas and helpers.

fgj_admin (冯信, administrator of 区发展和改革局) keeps fgj's listings; scjg_admin (沈监, of
区市场监督管理局) keeps scjg's and may read but not withdraw fgj's; the scjg approver and the
district's window clerk read the lists and check subjects; the citizen sees nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from dgov.accounts.demo import _demo_credit_code
from dgov.accounts.models import Department, User
from dgov.accounts.services import role_grant, user_create
from dgov.core.validation import id_number_check_char
from dgov.credit import services
from dgov.credit.models import CreditEntry


def person_id(birth: str = "19700101", seq: str = "051", region: str = "440704") -> str:
    first17 = f"{region}{birth}{seq}"
    return first17 + id_number_check_char(first17)


def wrong_check_digit(value: str) -> str:
    """The same number with another check character."""
    return value[:17] + ("0" if value[17] != "0" else "1")


ENTERPRISE_CODE = _demo_credit_code("测试失信企业", kind_prefix="91")
OTHER_CODE = _demo_credit_code("测试守信企业", kind_prefix="91")
PERSON_ID = person_id()


def today() -> dt.date:
    return timezone.localdate()


def _admin(code: str, username: str, real_name: str) -> User:
    department = Department.objects.get(code=code)
    user = user_create(
        actor=None,
        username=username,
        password=f"{username}-Pass-2025!",
        kind="staff",
        real_name=real_name,
        department=department,
    )
    role_grant(actor=None, user=user, role="dept_admin", department=department)
    return user


@pytest.fixture
def fgj(jianghai: None) -> Department:
    return Department.objects.get(code="fgj")


@pytest.fixture
def scjg(jianghai: None) -> Department:
    return Department.objects.get(code="scjg")


@pytest.fixture
def fgj_admin(jianghai: None) -> User:
    return _admin("fgj", "fgj_admin", "冯信")


@pytest.fixture
def scjg_admin(jianghai: None) -> User:
    return _admin("scjg", "scjg_admin", "沈监")


def entry_values(**overrides: Any) -> dict[str, Any]:
    """A valid black-list entry of an enterprise, in force since 30 days ago for two years."""
    start = today() - dt.timedelta(days=30)
    values: dict[str, Any] = {
        "list_kind": "black",
        "subject_kind": "enterprise",
        "subject_key": ENTERPRISE_CODE,
        "subject_name": "江海测试失信商贸有限公司",
        "measures": ["manual_review", "restrict_licensing"],
        "document_number": "（2025）粤0704执1号",
        "reason": "拒不履行生效判决",
        "valid_from": start,
        "valid_until": start + dt.timedelta(days=730),
        "authority": "江海区人民法院",
    }
    values.update(overrides)
    return values


def make_entry(actor: User | None, department: Department, **overrides: Any) -> CreditEntry:
    return services.credit_entry_create(actor=actor, department=department, **entry_values(**overrides))


@pytest.fixture
def black_entry(fgj_admin: User, fgj: Department) -> CreditEntry:
    """fgj's black-list entry of ENTERPRISE_CODE, in force."""
    return make_entry(fgj_admin, fgj)

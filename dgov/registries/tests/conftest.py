"""Registry personas: the demo records (loaded as `make run` loads them), 陈伯文 the demo citizen,
李敏's enterprise account, the window clerk of 区政务服务数据管理局 who reads for a case, and
梁桂英, a second citizen whose reads 陈伯文 must never see."""

from __future__ import annotations

from typing import Any

import pytest

from dgov.accounts.models import User
from dgov.accounts.services import user_create
from dgov.registries.demo import EXTRA_PERSONS, load_demo
from dgov.registries.models import EnterpriseRecord, PersonRecord
from dgov.registries.selectors import enterprise_get, person_get

ELDER_ID = EXTRA_PERSONS[0].id_number  # 梁桂英, 88, household in 礼乐街道


@pytest.fixture
def records(jianghai: None) -> dict[str, int]:
    """The demo registry records and the demo reads."""
    return load_demo()


@pytest.fixture
def enterprise(jianghai: None) -> User:
    return User.objects.get(username="enterprise")


@pytest.fixture
def citizen_record(records: Any, citizen: User) -> PersonRecord:
    record = person_get(citizen.id_number)
    assert record is not None
    return record


@pytest.fixture
def enterprise_record(records: Any, enterprise: User) -> EnterpriseRecord:
    record = enterprise_get(enterprise.enterprise_credit_code)
    assert record is not None
    return record


@pytest.fixture
def elder(records: Any) -> User:
    """梁桂英's own account: a second citizen with a record of her own."""
    return user_create(
        actor=None,
        username="elder",
        password="Elder-pass-2025!",
        kind="citizen",
        real_name="梁桂英",
        id_number=ELDER_ID,
    )

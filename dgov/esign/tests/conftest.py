from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from dgov.accounts.models import User
from dgov.cases.tests import conftest as cases_conftest
from dgov.cases.tests.conftest import media_in_tmp  # noqa: F401  (uploads go to a throwaway folder)
from dgov.catalog.models import ServiceItem
from dgov.notices.backends import MemoryBackend, SentMessage


@pytest.fixture
def sms(settings: Any) -> Iterator[list[SentMessage]]:
    settings.DGOV_NOTICE_BACKEND = "dgov.notices.backends.MemoryBackend"
    MemoryBackend.outbox.clear()
    yield MemoryBackend.outbox
    MemoryBackend.outbox.clear()


@pytest.fixture
def enterprise(jianghai: None) -> User:
    return User.objects.get(username="enterprise")


@pytest.fixture
def food_item(jianghai: None) -> ServiceItem:
    """食品经营许可: fully online, for individuals and enterprises, so it needs a seal or a signature."""
    item = ServiceItem.objects.get(name="食品经营许可", status=ServiceItem.Status.PUBLISHED)
    assert item.e_seal and item.e_signature
    return item


def food_data(applicant: User) -> dict[str, Any]:
    """A complete 食品经营许可 form: a citizen applies as a sole trader (个体工商户)."""
    if applicant.kind == User.Kind.CITIZEN:
        return cases_conftest.food_data(
            applicant, org_name="陈记小吃店", credit_code="914407040UH1R2MPKA", contact_phone="13800000001"
        )
    return cases_conftest.food_data(applicant)

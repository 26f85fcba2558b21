"""Catalogue personas and data: department administrators of 市场监管 (scjg) and 民政 (mzj), the
district's catalogue administrator (an unscoped department administrator), and items."""

from __future__ import annotations

import pytest

from dgov.accounts.models import User
from dgov.catalog import services
from dgov.catalog.demo import load_demo_catalog
from dgov.catalog.models import ServiceItem
from dgov.catalog.tests.factories import make_content, make_staff


@pytest.fixture
def scjg_admin(jianghai: None) -> User:
    """Department administrator of 区市场监督管理局 (is_demo: the MFA waiver applies)."""
    return make_staff("scjg_admin", "scjg")


@pytest.fixture
def mzj_admin(jianghai: None) -> User:
    """Department administrator of 区民政局: an outsider to scjg's items."""
    return make_staff("mzj_admin", "mzj")


@pytest.fixture
def catalogue_admin(jianghai: None) -> User:
    """An unscoped department administrator: the district's catalogue administrator."""
    return make_staff("catalogue_admin", "zsj", scoped=False)


@pytest.fixture(autouse=True)
def empty_catalogue(request: pytest.FixtureRequest) -> None:
    """Catalogue tests start from an empty catalogue (the test session loads the demo items)."""
    names = set(request.fixturenames)
    if "transactional_db" in names or "live_server" in names:
        request.getfixturevalue("transactional_db")
    elif names & {"db", "jianghai"} or request.node.get_closest_marker("django_db"):
        request.getfixturevalue("db")
    else:
        return
    ServiceItem.objects.all().delete()


@pytest.fixture
def demo_catalog(jianghai: None) -> int:
    return load_demo_catalog()


@pytest.fixture
def published(jianghai: None) -> ServiceItem:
    """Version 1 of the test item, published by the platform."""
    draft = services.item_create_draft(actor=None, content=make_content())
    return services.item_publish(actor=None, item=draft)

"""Fixtures shared by every app's tests: the Jianghai reference data and named personas."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from dgov.accounts.demo import load_all
from dgov.accounts.models import Department, Region, User


def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings

    # Argon2 is deliberately slow; tests that check hashing ask for it explicitly.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *settings.PASSWORD_HASHERS]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> None:
    """Load the Jianghai data once into the test database; each test then rolls back."""
    with django_db_blocker.unblock():
        load_reference_data()


@pytest.fixture
def jianghai(db: None) -> None:
    """Regions, departments and the demo accounts, loaded through the same code as `make run`.

    Idempotent: after a transactional test has flushed the database it loads them again (the
    working-day calendar is left alone: calendar tests start from an empty table). The plan's
    indicators, which a data migration loads, are loaded again the same way.
    """
    from dgov.indicators.models import Indicator
    from dgov.indicators.services import definitions_load
    from dgov.workflow.decisions import decision_definitions_load_shipped
    from dgov.workflow.services import process_definitions_load_shipped

    process_definitions_load_shipped(actor=None)
    decision_definitions_load_shipped(actor=None)
    load_all()
    if not Indicator.objects.exists():
        definitions_load()


def load_reference_data() -> None:
    """What `make run` loads: the working-day calendar, the shipped processes and decision tables,
    the demo data (accounts, base registries, catalogue)."""
    from dgov.catalog.demo import load_demo_catalog
    from dgov.core.workdays import calendar_seed_from_library
    from dgov.esign.demo import load_demo as load_demo_esign
    from dgov.registries.demo import load_demo as load_demo_registries
    from dgov.workflow.decisions import decision_definitions_load_shipped
    from dgov.workflow.services import process_definitions_load_shipped

    calendar_seed_from_library(actor=None)
    process_definitions_load_shipped(actor=None)
    decision_definitions_load_shipped(actor=None)
    load_all()
    load_demo_registries()
    load_demo_esign()
    load_demo_catalog()


@pytest.fixture
def citizen(jianghai: None) -> User:
    return User.objects.get(username="citizen")


@pytest.fixture
def approver(jianghai: None) -> User:
    """An approver in 区市场监督管理局 (scjg)."""
    return User.objects.get(username="approver")


@pytest.fixture
def clerk(jianghai: None) -> User:
    return User.objects.get(username="clerk")


@pytest.fixture
def sysadmin(jianghai: None) -> User:
    return User.objects.get(username="admin")


@pytest.fixture
def secadmin(jianghai: None) -> User:
    return User.objects.get(username="security")


@pytest.fixture
def auditor(jianghai: None) -> User:
    return User.objects.get(username="auditor")


@pytest.fixture
def outsider(jianghai: None) -> User:
    """A member of staff of another department (区民政局) with an approver role there."""
    from dgov.accounts.services import role_grant, user_create

    dept = Department.objects.get(code="mzj")
    user = user_create(
        actor=None,
        username="outsider",
        password="Outsider-pass-2025!",
        kind="staff",
        real_name="外部门",
        department=dept,
    )
    role_grant(actor=None, user=user, role="approver", department=dept)
    return user


@pytest.fixture
def district(jianghai: None) -> Region:
    return Region.objects.get(code="440704")


@pytest.fixture
def login(jianghai: None) -> Callable[[User], Any]:
    """login(user) -> a test Client signed in as user. Staff accounts created by tests are marked
    demo accounts so the same MFA waiver as the demo staff applies (the second factor has its own tests)."""
    from django.test import Client

    def _login(user: User) -> Client:
        if user.kind == User.Kind.STAFF and not user.is_demo:
            User.objects.filter(pk=user.pk).update(is_demo=True)
            user.is_demo = True
        client = Client()
        client.force_login(user)
        return client

    return _login


@pytest.fixture
def reference_data_again(transactional_db: None) -> None:
    """For transactional tests: an earlier one flushed the database, so load what the session
    fixture loaded (calendar, processes, demo accounts and catalogue) when it is missing."""
    from importlib import import_module

    from django.apps import apps

    from dgov.accounts.demo import load_all
    from dgov.catalog.demo import load_demo_catalog
    from dgov.core.models import CalendarYear
    from dgov.core.workdays import calendar_seed_from_library
    from dgov.esign.demo import load_demo as load_demo_esign
    from dgov.registries.demo import load_demo as load_demo_registries
    from dgov.workflow.decisions import decision_definitions_load_shipped
    from dgov.workflow.services import process_definitions_load_shipped

    # The flush also removed what data migrations wrote: the catalogue's life events.
    import_module("dgov.catalog.migrations.0001_service_catalogue").add_life_events(apps, None)
    if not CalendarYear.objects.exists():
        calendar_seed_from_library(actor=None)
    process_definitions_load_shipped(actor=None)
    decision_definitions_load_shipped(actor=None)
    load_all()
    load_demo_registries()
    load_demo_esign()
    load_demo_catalog()

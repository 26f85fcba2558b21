"""Ratings personas and helpers.

The enterprise (李敏, real-name: the account carries its credit code) applies for 食品经营许可 of
区市场监督管理局 (scjg) and rates the service; the district's window clerk accepts or refuses and
holds the window's tablet; 市场监管's approver works the department's rectifications; scjg_admin is
its department administrator who reviews exclusions; the leader reads everything; the outsider is
an approver of 区民政局 (mzj) who must see nothing of scjg's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from dgov.accounts.models import Department, User
from dgov.accounts.services import role_grant, user_create
from dgov.cases import services as case_services
from dgov.cases.models import Case
from dgov.cases.tests.conftest import open_task, submit
from dgov.catalog.models import ServiceItem
from dgov.ratings import services
from dgov.ratings.models import Rating, Rectification
from dgov.ratings.rules import RatingInput

GOOD = RatingInput(level=5, dimensions={"efficiency": 5}, tags=["fast", "friendly"], comment="办得很快")
BAD = RatingInput(level=2, dimensions={"efficiency": 2}, tags=["many_visits"], comment="跑了两趟")


@pytest.fixture(autouse=True)
def media_in_tmp(settings: Any, tmp_path: Any) -> None:
    """Uploaded files go to a throwaway folder."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}


@pytest.fixture
def enterprise(jianghai: None) -> User:
    return User.objects.get(username="enterprise")


@pytest.fixture
def leader(jianghai: None) -> User:
    """周建国, leader for the whole district (a region-scoped role): reads every rectification."""
    return User.objects.get(username="leader")


@pytest.fixture
def scjg(jianghai: None) -> Department:
    return Department.objects.get(code="scjg")


@pytest.fixture
def scjg_admin(scjg: Department) -> User:
    """区市场监督管理局's department administrator: works rectifications and reviews exclusions."""
    user = user_create(
        actor=None, username="scjg_admin", password="Scjg-admin-2025!", kind="staff", real_name="冯敏", department=scjg
    )
    role_grant(actor=None, user=user, role="dept_admin", department=scjg)
    return user


@pytest.fixture
def food_item(jianghai: None) -> ServiceItem:
    return ServiceItem.objects.get(name="食品经营许可", status=ServiceItem.Status.PUBLISHED)


@pytest.fixture
def ended_case(enterprise: User, food_item: ServiceItem, clerk: User) -> Callable[..., Case]:
    """ended_case(how="refused"|"concluded"|"withdrawn") -> a case of the enterprise that has ended."""

    def make(how: str = "refused", applicant: User | None = None) -> Case:
        case = submit(applicant or enterprise, food_item)
        if how == "withdrawn":
            return case_services.case_withdraw(actor=case.applicant, case=case, reason="不需要了")
        if how == "refused":
            return case_services.case_task_complete(
                actor=clerk, task=open_task(case), decision="refuse", opinion="经营场所地址不符"
            )
        approver = User.objects.get(username="approver")
        case_services.case_task_complete(actor=clerk, task=open_task(case), decision="accept", opinion="材料齐全")
        case_services.case_task_complete(actor=approver, task=open_task(case), opinion="符合条件")
        return case_services.case_task_complete(
            actor=approver, task=open_task(case), decision="approve", opinion="准予许可"
        )

    return make


@pytest.fixture
def bad_rating(ended_case: Callable[..., Case]) -> Rating:
    """A real-name 不满意 rating of a refused case: an open rectification in scjg."""
    case = ended_case()
    return services.rating_submit(actor=case.applicant, case=case, data=BAD)


@pytest.fixture
def rect(bad_rating: Rating) -> Rectification:
    return Rectification.objects.get(rating=bad_rating)


def call_back(rect: Rectification, actor: User) -> Rectification:
    return services.rectification_call_back(
        actor=actor, rectification=rect, result="电话联系本人，情况属实", verified=True
    )


def resolve(rect: Rectification, actor: User, **kwargs: Any) -> Rectification:
    values = {"resolution": "fixed_now", "note": "已在窗口张贴一次性告知清单", **kwargs}
    return services.rectification_resolve(actor=actor, rectification=rect, **values)


def report(rect: Rectification, actor: User) -> Rectification:
    return services.rectification_report_back(
        actor=actor, rectification=rect, outcome="已改进一次性告知，感谢您的评价。"
    )

"""Licences personas and helpers: the demo seals, licence types and wallets loaded through the same
code as `make run`; the enterprise applies for 食品经营许可, the district's window clerk accepts and
市场监管's approver decides, after which the platform issues the e-licence; the outsider is an approver
of 民政 who may issue nothing of 市场监管's."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dgov.accounts.models import Department, User
from dgov.accounts.services import role_grant, user_create
from dgov.cases import services as cases
from dgov.cases.models import Case
from dgov.cases.tests.conftest import FOOD_FORM, signature_for
from dgov.catalog.models import ServiceItem
from dgov.licences import services
from dgov.licences.demo import load_demo_licences
from dgov.licences.models import Licence, LicenceType, Seal, SealKey
from dgov.licences.sealimage import seal_png
from dgov.workflow.models import Task

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

FOOD_FACE = {
    "premises": "江海区东海路 28 号首层（示例）",
    "business_form": "餐饮服务经营者",
    "business_items": "热食类食品制售",
    "safety_manager": "李敏",
    "legal_representative": "李敏",
    "matter": "食品经营许可",
    "issue_date": "2026年11月27日",
}


@pytest.fixture(autouse=True)
def media_in_tmp(settings: Any, tmp_path: Any) -> None:
    """Uploaded files go to a throwaway folder."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}


# Drawing a seal picture takes about 0.13 s, most of the demo loader's time; the same department
# always gets the same picture, so the tests draw each one once.
_seal_png_once = functools.lru_cache(maxsize=None)(seal_png)


@pytest.fixture
def licences_demo(jianghai: None, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """The demo seals (one licence seal per department with a credit code), licence types and the
    enterprise's and citizen's wallets; what load_demo_licences made."""
    monkeypatch.setattr(services, "seal_png", _seal_png_once)
    return load_demo_licences()


@pytest.fixture
def enterprise(licences_demo: dict[str, int]) -> User:
    """江门市江海区星辉电子科技有限公司（示例）: the demo enterprise; holds a demo food business licence."""
    return User.objects.get(username="enterprise")


@pytest.fixture
def citizen(licences_demo: dict[str, int]) -> User:
    """The demo citizen; holds an e-copy of their resident ID card."""
    return User.objects.get(username="citizen")


@pytest.fixture
def approver(licences_demo: dict[str, int]) -> User:
    """An approver in 区市场监督管理局 (scjg), which issues food business licences."""
    return User.objects.get(username="approver")


@pytest.fixture
def clerk(licences_demo: dict[str, int]) -> User:
    return User.objects.get(username="clerk")


@pytest.fixture
def scjg(licences_demo: dict[str, int]) -> Department:
    return Department.objects.get(code="scjg")


@pytest.fixture
def food_item(licences_demo: dict[str, int]) -> ServiceItem:
    """食品经营许可 (scjg), whose approval outputs a food business licence."""
    return ServiceItem.objects.get(name="食品经营许可", status=ServiceItem.Status.PUBLISHED)


@pytest.fixture
def food_type(licences_demo: dict[str, int]) -> LicenceType:
    """食品经营许可证, issued by scjg, valid 5 years."""
    return LicenceType.objects.select_related("issuer").get(code="food_business_licence")


def dept_admin(username: str, department: Department) -> User:
    """A department administrator of department, who manages its seals. Marked a demo account, so
    a test that signs it in with force_login passes the demo MFA waiver like the demo staff."""
    user = user_create(
        actor=None,
        username=username,
        password="Dept-admin-pass-2025!",
        kind="staff",
        real_name="部门管理员",
        department=department,
        is_demo=True,
    )
    role_grant(actor=None, user=user, role="dept_admin", department=department)
    return user


@pytest.fixture
def scjg_admin(scjg: Department) -> User:
    """区市场监督管理局's department administrator, who manages its seals."""
    return dept_admin("scjg_admin", scjg)


def seal_of(department: Department) -> Seal:
    return Seal.objects.get(department=department)


def current_key(department: Department) -> SealKey:
    return SealKey.objects.get(seal__department=department, retired_at__isnull=True)


def issue_food(ltype: LicenceType, holder: User, *, actor: User | None = None, **face: str) -> Licence:
    """A food business licence for an enterprise account, issued directly (no case)."""
    return services.licence_issue(
        actor=actor,
        ltype=ltype,
        holder_kind=LicenceType.Holder.ENTERPRISE,
        holder_name=holder.enterprise_name,
        holder_id=holder.enterprise_credit_code,
        holder_user=holder,
        face={**FOOD_FACE, **face},
    )


@pytest.fixture
def food_licence(food_type: LicenceType, enterprise: User) -> Licence:
    """A freshly issued food business licence of the demo enterprise."""
    return issue_food(food_type, enterprise)


@pytest.fixture
def demo_food_licence(enterprise: User) -> Licence:
    """The food business licence the demo loader issued to the demo enterprise (scjg): its only
    one, where food_licence issues a second."""
    return Licence.objects.get(type__code="food_business_licence", holder_user=enterprise)


def _uploads(item: ServiceItem) -> dict[int, list[SimpleUploadedFile]]:
    return {
        m.pk: [SimpleUploadedFile(f"m{m.position}.pdf", PDF, content_type="application/pdf")]
        for m in item.materials.all()
        if cases.material_needs_upload(m)
    }


def _open_task(case: Case) -> Task:
    return Task.objects.get(instance_id=case.instance_id, state__in=Task.OPEN_STATES)


def food_case_submit(applicant: User, **form: Any) -> Case:
    """A 食品经营许可 application by applicant, submitted online with the PDFs it needs (a person
    signs it; an enterprise's is sealed with its e-seal)."""
    item = ServiceItem.objects.get(name="食品经营许可", status=ServiceItem.Status.PUBLISHED)
    data = {**cases.prefill_for(applicant, item.form_schema), **FOOD_FORM, **form}
    return cases.case_submit(
        actor=applicant, item=item, data=data, uploads=_uploads(item), signature=signature_for(applicant, item)
    )


def food_case_approve(case: Case) -> Case:
    """The district clerk accepts, scjg's approver reviews and approves: the case is concluded."""
    clerk = User.objects.get(username="clerk")
    approver = User.objects.get(username="approver")
    cases.case_task_complete(actor=clerk, task=_open_task(case), decision="accept", opinion="材料齐全")
    cases.case_task_complete(actor=approver, task=_open_task(case), opinion="符合条件")
    return cases.case_task_complete(actor=approver, task=_open_task(case), decision="approve", opinion="准予许可")


@pytest.fixture
def approved_food_case(licences_demo: dict[str, int], django_capture_on_commit_callbacks: Any) -> Callable[..., Case]:
    """approved_food_case(applicant=None, issue=True, **form) -> a concluded, approved 食品经营许可 case.

    With issue=True the after-commit callbacks run, as they do in production: the platform issues
    the licence (or notes on the staff timeline why it could not). With issue=False they are
    dropped, so the test can call case_issue_licence itself."""

    def make(applicant: User | None = None, *, issue: bool = True, **form: Any) -> Case:
        applicant = applicant or User.objects.get(username="enterprise")
        case = food_case_submit(applicant, **form)
        with django_capture_on_commit_callbacks(execute=issue):
            case = food_case_approve(case)
        case.refresh_from_db()
        return case

    return make


@pytest.fixture
def login(licences_demo: dict[str, int], login: Callable[[User], Any]) -> Callable[[User], Any]:
    """login(user) -> a test Client signed in as user (the root conftest's), with the demo licences
    loaded; demo staff pass the demo MFA waiver."""
    return login


@pytest.fixture
def licences_demo_committed(reference_data_again: None, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """For transactional tests (threads, each with its own connection): what the session fixture
    loaded (an earlier transactional test may have flushed it) plus the demo licences, committed."""
    monkeypatch.setattr(services, "seal_png", _seal_png_once)
    return load_demo_licences()

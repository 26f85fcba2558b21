"""容缺受理's follow-up: materials accepted to follow are listed with the case, handed in later by
the applicant on the case page, and the case is not approved while any is owed."""

from __future__ import annotations

from typing import Any

import pytest

from dgov.accounts.models import User
from dgov.cases import services
from dgov.cases.models import Case, CaseEvent
from dgov.cases.tests.conftest import pdf
from dgov.cases.tests.test_instant import item
from dgov.core.errors import ApplicationError, ConflictError
from dgov.workflow.models import Task

pytestmark = pytest.mark.django_db

PROJECT = {
    "legal_representative": "李敏",
    "project_name": "星辉电子扩产项目（示例）",
    "location": "江海区高新区（示例）",
    "industry_category": "鼓励类",
    "investment": 5000,
    "content": "新增生产线两条（示例）",
}


@pytest.fixture
def owed_case(jianghai: None) -> Case:
    from dgov.credit.demo import load_demo as load_demo_credit

    load_demo_credit()  # the demo enterprise is on the red list with 容缺受理
    enterprise = User.objects.get(username="enterprise")
    it = item("企业投资项目备案")
    case = services.case_submit(
        actor=enterprise, item=it, data={**services.prefill_for(enterprise, it.form_schema), **PROJECT}, uploads={}
    )
    case.refresh_from_db()
    assert case.owed_materials and CaseEvent.Kind.TOLERATED in case.events.values_list("kind", flat=True)
    return case


def _worker(task: Task) -> User:
    """A member of staff of the task's department holding its role (made for the test)."""
    from dgov.accounts.services import role_grant, user_create

    username = f"{task.role}-{task.department.code}"
    user = User.objects.filter(username=username).first()
    if user is None:
        user = user_create(
            actor=None,
            username=username,
            password="Staff-pass-2025!x",
            kind="staff",
            real_name="测试",
            department=task.department,
        )
        role_grant(actor=None, user=user, role=task.role, department=task.department)
    return user


def _approve_path(case: Case) -> Task:
    """Work the open steps (accept, review) up to the one that offers approve."""
    for _ in range(5):
        task = Task.objects.get(instance_id=case.instance_id, state__in=Task.OPEN_STATES)
        offered = next((f.get("options") or [] for f in task.form if f.get("id") == "decision"), [])
        if "approve" in offered:
            return task
        worker = _worker(task)
        services.case_task_complete(
            actor=worker, task=task, decision="accept" if "accept" in offered else "", opinion="同意"
        )
    raise AssertionError("no approve step")


def test_the_case_is_not_approved_while_materials_are_owed(owed_case: Case) -> None:
    task = _approve_path(owed_case)
    approver = _worker(task)
    with pytest.raises(ApplicationError) as caught:
        services.case_task_complete(actor=approver, task=task, decision="approve", opinion="准予备案")
    assert "decision" in caught.value.field_errors
    assert Task.objects.get(pk=task.pk).state in Task.OPEN_STATES


def test_the_applicant_hands_in_what_is_owed_on_the_case_page_then_it_can_be_approved(
    owed_case: Case, login: Any
) -> None:
    enterprise = owed_case.applicant
    client = login(enterprise)
    page = client.get(f"/cases/mine/{owed_case.pk}/").content.decode()
    assert "data-owed" in page
    owed = list(owed_case.owed_materials)
    # A file for a material that is not owed is refused and nothing is written.
    other = owed_case.item.materials.exclude(pk__in=owed).first()
    if other is not None:
        with pytest.raises(ApplicationError):
            services.case_owed_supply(actor=enterprise, case=owed_case, uploads={other.pk: [pdf()]})
    response = client.post(
        f"/cases/mine/{owed_case.pk}/",
        {"action": "supply", **{f"material_{pk}": pdf(f"m{pk}.pdf") for pk in owed}},
    )
    assert response.status_code == 302
    owed_case.refresh_from_db()
    assert owed_case.owed_materials == []
    assert set(owed_case.materials.values_list("item_material_id", flat=True)) >= set(owed)
    assert CaseEvent.Kind.OWED_SUPPLIED in owed_case.events.values_list("kind", flat=True)
    with pytest.raises(ConflictError):
        services.case_owed_supply(actor=enterprise, case=owed_case, uploads={owed[0]: [pdf()]})
    task = _approve_path(owed_case)
    approver = _worker(task)
    done = services.case_task_complete(actor=approver, task=task, decision="approve", opinion="准予备案")
    assert done.result == Case.Result.APPROVED


def test_only_the_applicant_hands_in(owed_case: Case) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.case_owed_supply(
            actor=User.objects.get(username="citizen"), case=owed_case, uploads={owed_case.owed_materials[0]: [pdf()]}
        )

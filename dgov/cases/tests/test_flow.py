"""The case life on the standard process: submit, accept, review, decide, conclude; and the ways off it."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from dgov.accounts.models import User
from dgov.audit.models import AuditEvent
from dgov.cases import services
from dgov.cases.models import Case, CaseEvent, CaseMaterial
from dgov.cases.tests.conftest import open_task, pdf, submit, uploadable
from dgov.catalog.models import ServiceItem
from dgov.core.errors import ApplicationError, ConflictError
from dgov.notices.models import Notice
from dgov.workflow.models import ProcessInstance, Task


def test_the_whole_life_of_an_approved_case(
    enterprise: User, clerk: User, approver: User, food_item: ServiceItem
) -> None:
    case = submit(enterprise, food_item, idempotency_key="k1")
    assert case.status == Case.Status.SUBMITTED
    assert case.number and len(case.number) == 26 and case.number.startswith("440704000000")
    assert case.due_at is not None and case.instance is not None
    assert case.item_id == food_item.pk and case.form_data["premises"].startswith("江海区")
    assert CaseMaterial.objects.filter(case=case).count() == len(uploadable(food_item))
    assert Notice.objects.filter(recipient=enterprise, subject__contains=case.number).exists()

    accept = open_task(case)
    assert (accept.spec_id, accept.role) == ("accept_step", "window_clerk")
    case = services.case_task_complete(actor=clerk, task=accept, decision="accept", opinion="材料齐全")
    assert case.status == Case.Status.ACCEPTED and case.accepted_at is not None

    review = open_task(case)
    assert review.spec_id == "review_step"
    services.case_task_complete(actor=approver, task=review, opinion="符合条件")
    decide = open_task(case)
    case = services.case_task_complete(actor=approver, task=decide, decision="approve", opinion="准予许可")
    assert case.status == Case.Status.CONCLUDED and case.result == Case.Result.APPROVED
    assert case.ended_at is not None
    assert ProcessInstance.objects.get(pk=case.instance_id).status == ProcessInstance.Status.COMPLETED
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds == ["submitted", "accepted", "reviewed", "opinion", "approved", "concluded"]
    assert case.events.get(kind="reviewed").public and not case.events.get(kind="opinion").public
    actions = set(
        AuditEvent.objects.filter(target_type="cases.case", target_id=str(case.pk)).values_list("action", flat=True)
    )
    assert {"case.submit", "case.decide", "case.step"} <= actions


def test_refusal_needs_a_reason_and_ends_the_case(enterprise: User, clerk: User, food_item: ServiceItem) -> None:
    case = submit(enterprise, food_item)
    task = open_task(case)
    with translation.override("en"), pytest.raises(ApplicationError) as err:
        services.case_task_complete(actor=clerk, task=task, decision="refuse", opinion="  ")
    assert "opinion" in err.value.field_errors
    assert Case.objects.get(pk=case.pk).status == Case.Status.SUBMITTED
    case = services.case_task_complete(actor=clerk, task=task, decision="refuse", opinion="不属于本部门职权范围")
    assert case.status == Case.Status.REFUSED and case.ended_at is not None
    assert not Task.objects.filter(instance_id=case.instance_id, state__in=Task.OPEN_STATES).exists()


def test_correction_loop_pauses_the_clock(enterprise: User, clerk: User, food_item: ServiceItem) -> None:
    case = submit(enterprise, food_item)
    material = uploadable(food_item)[0]
    case = services.case_task_complete(
        actor=clerk, task=open_task(case), decision="request_correction", opinion="图纸不清晰", materials=[material.pk]
    )
    assert case.status == Case.Status.CORRECTION and case.paused_at is not None
    assert case.correction_request == {"materials": [material.pk], "reason": "图纸不清晰"}
    task = open_task(case)
    assert task.role == "applicant"

    other = uploadable(food_item)[1]
    with pytest.raises(ApplicationError):  # only what was asked
        services.case_correct(actor=enterprise, case=case, uploads={other.pk: [pdf()]})
    with pytest.raises(ApplicationError):  # and all of it
        services.case_correct(actor=enterprise, case=case, uploads={})
    case = services.case_correct(actor=enterprise, case=case, uploads={material.pk: [pdf("new.pdf")]})
    assert case.status == Case.Status.SUBMITTED and case.paused_at is None
    assert CaseMaterial.objects.filter(case=case, item_material=material, replaced_at__isnull=False).count() == 1
    assert (
        CaseMaterial.objects.filter(case=case, item_material=material, replaced_at__isnull=True).get().original_name
        == "new.pdf"
    )
    assert open_task(case).spec_id == "accept_step"
    assert case.events.filter(kind=CaseEvent.Kind.CORRECTED).exists()


def test_idempotency_key_makes_one_case(enterprise: User, food_item: ServiceItem) -> None:
    first = submit(enterprise, food_item, idempotency_key="same")
    again = submit(enterprise, food_item, idempotency_key="same")
    assert again.pk == first.pk
    assert Case.objects.filter(applicant=enterprise).count() == 1
    with pytest.raises(ConflictError):
        services.case_submit(
            actor=enterprise,
            item=food_item,
            data={**first.form_data, "premises": "另一个地方"},
            uploads={},
            idempotency_key="same",
        )


def test_withdraw_before_acceptance_only(enterprise: User, clerk: User, food_item: ServiceItem) -> None:
    case = submit(enterprise, food_item)
    with pytest.raises(PermissionDenied):
        services.case_withdraw(actor=clerk, case=case, reason="x")
    case = services.case_withdraw(actor=enterprise, case=case, reason="信息填错，重新申请")
    assert case.status == Case.Status.WITHDRAWN
    assert ProcessInstance.objects.get(pk=case.instance_id).status == ProcessInstance.Status.CANCELLED
    with pytest.raises(ConflictError):
        services.case_withdraw(actor=enterprise, case=case, reason="again")

"""Each transition of a case, and each illegal one refused with nothing written."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from dgov.accounts.models import User
from dgov.audit.models import AuditEvent
from dgov.cases import services
from dgov.cases.models import Case, CaseEvent, CaseMaterial
from dgov.cases.tests.conftest import food_data, open_task, pdf, submit, uploadable, uploads_for
from dgov.catalog.models import ItemMaterial, ServiceItem
from dgov.core.errors import ApplicationError, ConflictError
from dgov.notices.models import Notice
from dgov.workflow.models import ProcessInstance, Task


@pytest.fixture(autouse=True)
def _english() -> Any:
    with translation.override("en"):
        yield


@pytest.fixture
def case(enterprise: User, food_item: ServiceItem) -> Case:
    return submit(enterprise, food_item)


def _written(case: Case) -> tuple[Any, ...]:
    """Everything a refused act must leave as it was."""
    row = Case.objects.get(pk=case.pk)
    return (
        row.status,
        row.result,
        row.paused_at,
        row.correction_request,
        sorted(Task.objects.filter(instance_id=case.instance_id).values_list("pk", "state")),
        CaseEvent.objects.filter(case=case).count(),
        CaseMaterial.objects.filter(case=case).count(),
        AuditEvent.objects.filter(target_type="cases.case", target_id=str(case.pk)).count(),
        Notice.objects.count(),
    )


def _accepted(case: Case, clerk: User) -> Case:
    return services.case_task_complete(actor=clerk, task=open_task(case), decision="accept", opinion="材料齐全")


def _at_decision(case: Case, clerk: User, approver: User) -> Case:
    _accepted(case, clerk)
    return services.case_task_complete(actor=approver, task=open_task(case), opinion="符合条件")


# --- Acceptance ---------------------------------------------------------------------------------


def test_accept(case: Case, clerk: User) -> None:
    case = _accepted(case, clerk)
    assert case.status == Case.Status.ACCEPTED and case.accepted_at is not None
    assert open_task(case).spec_id == "review_step"


def test_refuse_ends_the_case(case: Case, clerk: User) -> None:
    case = services.case_task_complete(actor=clerk, task=open_task(case), decision="refuse", opinion="不属于受理范围")
    assert (case.status, case.result) == (Case.Status.REFUSED, "")
    assert case.ended_at is not None and case.is_ended
    assert ProcessInstance.objects.get(pk=case.instance_id).status == ProcessInstance.Status.COMPLETED
    assert case.events.get(kind=CaseEvent.Kind.REFUSED).note == "不属于受理范围"


def test_correct_pauses_and_hands_the_step_to_the_applicant(case: Case, clerk: User, food_item: ServiceItem) -> None:
    material = uploadable(food_item)[0]
    case = services.case_task_complete(
        actor=clerk,
        task=open_task(case),
        decision="request_correction",
        opinion="图纸不清晰",
        materials=[str(material.pk)],
    )
    assert case.status == Case.Status.CORRECTION and case.is_paused
    assert case.correction_request == {"materials": [material.pk], "reason": "图纸不清晰"}
    task = open_task(case)
    assert (task.spec_id, task.role) == ("correction_step", "applicant")


@pytest.mark.parametrize("decision", ["refuse", "request_correction"])
@pytest.mark.parametrize("opinion", ["", "   "])
def test_refuse_and_correct_need_a_reason(
    case: Case, clerk: User, food_item: ServiceItem, decision: str, opinion: str
) -> None:
    before = _written(case)
    materials = [uploadable(food_item)[0].pk] if decision == "request_correction" else []
    with pytest.raises(ApplicationError) as err:
        services.case_task_complete(
            actor=clerk, task=open_task(case), decision=decision, opinion=opinion, materials=materials
        )
    assert err.value.code == "invalid_decision"
    assert err.value.field_errors["opinion"] == ["Give the reason; the applicant will read it."]
    assert _written(case) == before


def test_an_opinion_has_a_length_limit(case: Case, clerk: User) -> None:
    before = _written(case)
    with pytest.raises(ApplicationError) as err:
        services.case_task_complete(actor=clerk, task=open_task(case), decision="accept", opinion="长" * 2001)
    assert "opinion" in err.value.field_errors
    assert _written(case) == before


def test_correction_must_name_materials_the_applicant_uploads_for_this_item(
    case: Case, clerk: User, food_item: ServiceItem, card_item: ServiceItem
) -> None:
    task = open_task(case)
    before = _written(case)
    licence = food_item.materials.get(source=ItemMaterial.Source.LICENCE, position=2)  # 营业执照: the registry's
    foreign = card_item.materials.filter(source=ItemMaterial.Source.APPLICANT).first()
    assert foreign is not None
    for materials, message in (
        ([], "Choose the materials to be corrected."),
        ([licence.pk], "Choose materials of this item that the applicant uploads."),
        ([foreign.pk], "Choose materials of this item that the applicant uploads."),
        ([999999], "Choose materials of this item that the applicant uploads."),
    ):
        with pytest.raises(ApplicationError) as err:
            services.case_task_complete(
                actor=clerk, task=task, decision="request_correction", opinion="请补正", materials=materials
            )
        assert err.value.field_errors["materials"] == [message], materials
    with pytest.raises(ApplicationError) as err:
        services.case_task_complete(actor=clerk, task=task, decision="accept", materials=[uploadable(food_item)[0].pk])
    assert err.value.field_errors["materials"] == ["Materials are chosen only when asking for correction."]
    assert _written(case) == before


@pytest.mark.parametrize("decision", ["approve", "reject", "conclude", ""])
def test_acceptance_offers_only_its_own_decisions(case: Case, clerk: User, decision: str) -> None:
    before = _written(case)
    with pytest.raises(ApplicationError) as err:
        services.case_task_complete(actor=clerk, task=open_task(case), decision=decision, opinion="理由")
    assert "decision" in err.value.field_errors
    assert _written(case) == before


# --- The decision ---------------------------------------------------------------------------------


def test_approve_concludes(case: Case, clerk: User, approver: User) -> None:
    case = _at_decision(case, clerk, approver)
    case = services.case_task_complete(actor=approver, task=open_task(case), decision="approve")
    assert (case.status, case.result) == (Case.Status.CONCLUDED, Case.Result.APPROVED)
    assert case.status_label == "Concluded（Approved）"
    assert not Task.objects.filter(instance_id=case.instance_id, state__in=Task.OPEN_STATES).exists()


def test_reject_needs_a_reason_and_concludes(case: Case, clerk: User, approver: User) -> None:
    case = _at_decision(case, clerk, approver)
    before = _written(case)
    with pytest.raises(ApplicationError) as err:
        services.case_task_complete(actor=approver, task=open_task(case), decision="reject")
    assert "opinion" in err.value.field_errors
    assert _written(case) == before
    case = services.case_task_complete(
        actor=approver, task=open_task(case), decision="reject", opinion="场所不符合要求"
    )
    assert (case.status, case.result) == (Case.Status.CONCLUDED, Case.Result.REJECTED)
    assert case.events.get(kind=CaseEvent.Kind.REJECTED).note == "场所不符合要求"


@pytest.mark.parametrize("decision", ["refuse", "approve", "reject"])
def test_the_review_step_takes_no_decision(case: Case, clerk: User, approver: User, decision: str) -> None:
    """A decision sent with a step that offers none must not change the case (it used to refuse it)."""
    _accepted(case, clerk)
    before = _written(case)
    with pytest.raises(ApplicationError) as err:
        services.case_task_complete(actor=approver, task=open_task(case), decision=decision, opinion="审查意见")
    assert err.value.field_errors["decision"] == ["This step takes no decision."]
    assert _written(case) == before
    assert open_task(case).spec_id == "review_step"


@pytest.mark.parametrize("decision", ["accept", "refuse", "request_correction"])
def test_the_decision_step_offers_only_approve_or_reject(
    case: Case, clerk: User, approver: User, decision: str
) -> None:
    case = _at_decision(case, clerk, approver)
    before = _written(case)
    with pytest.raises(ApplicationError) as err:
        services.case_task_complete(actor=approver, task=open_task(case), decision=decision, opinion="理由")
    assert "decision" in err.value.field_errors
    assert _written(case) == before


# --- Corrections -------------------------------------------------------------------------------------


def test_only_the_asked_materials_are_handed_in_again(
    case: Case, clerk: User, enterprise: User, food_item: ServiceItem
) -> None:
    asked, other = uploadable(food_item)[:2]
    case = services.case_task_complete(
        actor=clerk, task=open_task(case), decision="request_correction", opinion="不清晰", materials=[asked.pk]
    )
    before = _written(case)
    for uploads in ({other.pk: [pdf()]}, {asked.pk: [pdf()], other.pk: [pdf()]}, {}):
        with pytest.raises(ApplicationError) as err:
            services.case_correct(actor=enterprise, case=case, uploads=uploads)
        assert err.value.code == "invalid_correction"
    assert _written(case) == before
    case = services.case_correct(actor=enterprise, case=case, uploads={asked.pk: [pdf("清晰.pdf")]}, note="已重新扫描")
    assert case.status == Case.Status.SUBMITTED and case.correction_request["materials"] == [asked.pk]


def test_nobody_else_corrects_an_online_case(case: Case, clerk: User, citizen: User, food_item: ServiceItem) -> None:
    from django.core.exceptions import PermissionDenied

    asked = uploadable(food_item)[0]
    case = services.case_task_complete(
        actor=clerk, task=open_task(case), decision="request_correction", opinion="不清晰", materials=[asked.pk]
    )
    for actor in (citizen, clerk):  # the clerk may only for a case entered at the window
        with pytest.raises(PermissionDenied):
            services.case_correct(actor=actor, case=case, uploads={asked.pk: [pdf()]})
    assert Case.objects.get(pk=case.pk).status == Case.Status.CORRECTION


def test_a_case_not_waiting_for_corrections_takes_none(case: Case, enterprise: User, food_item: ServiceItem) -> None:
    before = _written(case)
    with pytest.raises(ConflictError) as err:
        services.case_correct(actor=enterprise, case=case, uploads={uploadable(food_item)[0].pk: [pdf()]})
    assert err.value.code == "not_correcting"
    assert _written(case) == before


# --- Withdrawal ---------------------------------------------------------------------------------------


def test_withdraw_during_correction(case: Case, clerk: User, enterprise: User, food_item: ServiceItem) -> None:
    case = services.case_task_complete(
        actor=clerk,
        task=open_task(case),
        decision="request_correction",
        opinion="不清晰",
        materials=[uploadable(food_item)[0].pk],
    )
    case = services.case_withdraw(actor=enterprise, case=case, reason="不再经营")
    assert case.status == Case.Status.WITHDRAWN and case.paused_at is None and case.ended_at is not None
    assert not Task.objects.filter(instance_id=case.instance_id, state__in=Task.OPEN_STATES).exists()


def test_withdraw_needs_a_reason(case: Case, enterprise: User) -> None:
    before = _written(case)
    with pytest.raises(ApplicationError) as err:
        services.case_withdraw(actor=enterprise, case=case, reason="  ")
    assert err.value.code == "reason_required" and "reason" in err.value.field_errors
    assert _written(case) == before


def test_no_withdrawal_after_acceptance(case: Case, clerk: User, enterprise: User) -> None:
    case = _accepted(case, clerk)
    before = _written(case)
    with pytest.raises(ConflictError) as err:
        services.case_withdraw(actor=enterprise, case=case, reason="不想办了")
    assert err.value.code == "not_withdrawable"
    assert _written(case) == before


def test_a_withdrawn_cases_task_cannot_be_completed(case: Case, clerk: User, enterprise: User) -> None:
    task = open_task(case)
    services.case_withdraw(actor=enterprise, case=case, reason="填错了")
    with pytest.raises(ConflictError):
        services.case_task_complete(actor=clerk, task=task, decision="accept")
    assert Case.objects.get(pk=case.pk).status == Case.Status.WITHDRAWN


# --- Drafts and ended cases ------------------------------------------------------------------------


def test_a_submitted_draft_cannot_be_submitted_again(enterprise: User, food_item: ServiceItem) -> None:
    draft = services.case_draft_save(actor=enterprise, item=food_item, data={"premises": "江海区五邑路1号"})
    assert draft.status == Case.Status.DRAFT and draft.number is None
    case = services.case_submit(
        actor=enterprise, item=food_item, data=food_data(enterprise), uploads=uploads_for(food_item), draft=draft
    )
    assert case.pk == draft.pk and case.status == Case.Status.SUBMITTED
    stale = Case.objects.get(pk=draft.pk)
    stale.status = Case.Status.DRAFT  # a second tab still holding the draft
    with pytest.raises(ConflictError) as err:
        services.case_submit(
            actor=enterprise, item=food_item, data=food_data(enterprise), uploads=uploads_for(food_item), draft=stale
        )
    assert err.value.code == "draft_gone"
    submitted = Case.objects.get(pk=draft.pk)
    with pytest.raises(ConflictError):
        services.case_submit(
            actor=enterprise,
            item=food_item,
            data=food_data(enterprise),
            uploads=uploads_for(food_item),
            draft=submitted,
        )
    assert Case.objects.filter(applicant=enterprise).count() == 1


def test_someone_elses_draft_cannot_be_submitted(
    enterprise: User, citizen: User, food_item: ServiceItem, citizen_food_data: dict[str, Any]
) -> None:
    draft = services.case_draft_save(actor=enterprise, item=food_item, data={})
    with pytest.raises(ConflictError):
        services.case_submit(
            actor=citizen, item=food_item, data=citizen_food_data, uploads=uploads_for(food_item), draft=draft
        )
    assert Case.objects.get(pk=draft.pk).status == Case.Status.DRAFT
    assert not Case.objects.filter(applicant=citizen).exists()


def test_nothing_more_happens_to_a_concluded_case(
    case: Case, clerk: User, approver: User, enterprise: User, food_item: ServiceItem
) -> None:
    case = _at_decision(case, clerk, approver)
    decide = open_task(case)
    case = services.case_task_complete(actor=approver, task=decide, decision="approve")
    before = _written(case)
    with pytest.raises(ConflictError):
        services.case_task_complete(actor=approver, task=decide, decision="reject", opinion="改主意了")
    with pytest.raises(ConflictError):
        services.case_withdraw(actor=enterprise, case=case, reason="撤回")
    with pytest.raises(ConflictError):
        services.case_correct(actor=enterprise, case=case, uploads={uploadable(food_item)[0].pk: [pdf()]})
    assert _written(case) == before
    assert (Case.objects.get(pk=case.pk).status, Case.objects.get(pk=case.pk).result) == (
        Case.Status.CONCLUDED,
        Case.Result.APPROVED,
    )


def test_nothing_more_happens_to_a_refused_case(case: Case, clerk: User, enterprise: User) -> None:
    task = open_task(case)
    case = services.case_task_complete(actor=clerk, task=task, decision="refuse", opinion="不属于本部门")
    before = _written(case)
    with pytest.raises(ConflictError):
        services.case_task_complete(actor=clerk, task=task, decision="accept")
    with pytest.raises(ConflictError):
        services.case_withdraw(actor=enterprise, case=case, reason="撤回")
    assert _written(case) == before


def test_drafts_are_only_the_applicants_to_change(enterprise: User, citizen: User, food_item: ServiceItem) -> None:
    from django.core.exceptions import PermissionDenied

    draft = services.case_draft_save(actor=enterprise, item=food_item, data={}, uploads=uploads_for(food_item))
    material = draft.materials.first()
    assert material is not None
    with pytest.raises(PermissionDenied):
        services.case_material_remove(actor=citizen, material=material)
    with pytest.raises(PermissionDenied):
        services.case_draft_delete(actor=citizen, case=draft)
    services.case_draft_delete(actor=enterprise, case=draft)
    assert not Case.objects.filter(pk=draft.pk).exists()

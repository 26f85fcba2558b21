"""Who may do what to a task, what is refused, and what each person's queue shows."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from dgov.audit.models import AuditEvent
from dgov.core.errors import ApplicationError, ConflictError
from dgov.workflow.models import ProcessInstance, Task
from dgov.workflow.selectors import can_work_on, task_get_for_user, task_list_for_user
from dgov.workflow.services import (
    process_cancel,
    process_definition_publish,
    process_definition_upload,
    process_start,
    task_claim,
    task_complete,
    task_release,
)
from dgov.workflow.sla import task_due_at
from dgov.workflow.tests.conftest import bpmn, linear, open_task, user_task


def _snapshot(instance):
    instance.refresh_from_db()
    tasks = list(Task.objects.filter(instance=instance).order_by("pk").values())
    return instance.version, instance.status, instance.state, tasks, AuditEvent.objects.count()


# --- Refused transitions: nothing changes --------------------------------------------------


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({}, {"decision": ["This field is required."]}),
        ({"decision": ""}, {"decision": ["This field is required."]}),
        ({"decision": "approve"}, {"decision": ["Choose one of: accept, refuse, request_correction."]}),
    ],
)
def test_bad_form_data_is_refused_and_nothing_changes(case, clerk, data, errors):
    before = _snapshot(case)
    with pytest.raises(ApplicationError) as exc:
        task_complete(actor=clerk, task=open_task(case, "accept_step"), data=data)
    assert (exc.value.code, exc.value.field_errors) == ("invalid_data", errors)
    assert exc.value.message == "The data for 受理 Accept is incomplete or invalid."
    assert _snapshot(case) == before


@pytest.mark.parametrize("data", [{"_private": 1}, {"x": object()}, {"x": float("nan")}, ["decision"]])
def test_data_must_be_plain_named_json(case, clerk, data):
    before = _snapshot(case)
    with pytest.raises(ApplicationError) as exc:
        task_complete(actor=clerk, task=open_task(case, "accept_step"), data=data)
    assert exc.value.code == "invalid_data"
    assert _snapshot(case) == before


def test_a_completed_task_cannot_be_completed_again(case, clerk):
    accept = open_task(case, "accept_step")
    task_complete(actor=clerk, task=accept, data={"decision": "accept"})
    before = _snapshot(case)
    # The caller's copy still says "ready": the service re-reads the row under the instance lock.
    assert accept.state == Task.State.READY
    with pytest.raises(ConflictError) as exc:
        task_complete(actor=clerk, task=accept, data={"decision": "refuse"})
    assert (exc.value.code, exc.value.message) == ("task_closed", "This task was already completed by 黄嘉欣.")
    assert _snapshot(case) == before


def test_tasks_of_a_cancelled_process_cannot_be_worked_on(case, clerk, citizen):
    accept = open_task(case, "accept_step")
    cancelled = process_cancel(actor=citizen, instance=case, reason="申请人撤回")
    assert (cancelled.status, cancelled.cancel_reason) == (ProcessInstance.Status.CANCELLED, "申请人撤回")
    accept.refresh_from_db()
    assert accept.state == Task.State.CANCELLED
    with pytest.raises(ConflictError) as exc:
        task_complete(actor=clerk, task=accept, data={"decision": "accept"})
    assert exc.value.message == "This task was cancelled: the process no longer waits for it."
    with pytest.raises(ConflictError):
        task_claim(actor=clerk, task=accept)
    with pytest.raises(ConflictError):
        process_cancel(actor=citizen, instance=case, reason="again")
    assert AuditEvent.objects.filter(action="workflow.process_cancel", target_id=str(case.pk)).count() == 1


def test_cancel_needs_a_reason(case, citizen):
    with pytest.raises(ApplicationError) as exc:
        process_cancel(actor=citizen, instance=case, reason="  ")
    assert exc.value.code == "reason_required"


@pytest.mark.parametrize("who", ["outsider", "approver", "citizen"])
def test_without_the_role_in_the_department_is_permission_denied(case, request, who):
    """outsider: approver of another department; approver: the wrong role; citizen: no staff role."""
    user = request.getfixturevalue(who)
    accept = open_task(case, "accept_step")
    assert not can_work_on(user, accept)
    before = _snapshot(case)
    with pytest.raises(PermissionDenied):
        task_complete(actor=user, task=accept, data={"decision": "accept"})
    with pytest.raises(PermissionDenied):
        task_claim(actor=user, task=accept)
    # Only the refusals themselves are recorded.
    assert _snapshot(case)[:4] == before[:4]
    denied = AuditEvent.objects.filter(action="access.denied", target_id=str(accept.pk)).order_by("seq")
    assert [e.summary["action"] for e in denied] == ["workflow.task_complete", "workflow.task_claim"]


def test_outsider_cannot_take_the_approvers_task(case, clerk, approver, outsider):
    task_complete(actor=clerk, task=open_task(case, "accept_step"), data={"decision": "accept"})
    review = open_task(case, "review_step")
    assert can_work_on(approver, review) and not can_work_on(outsider, review)
    with pytest.raises(PermissionDenied):
        task_complete(actor=outsider, task=review, data={})


def test_applicant_tasks_belong_to_the_applicant_only(case, clerk, citizen, standard, scjg):
    task_complete(actor=clerk, task=open_task(case, "accept_step"), data={"decision": "request_correction"})
    correction = open_task(case, "correction_step")
    assert can_work_on(citizen, correction)
    assert not can_work_on(clerk, correction)
    with pytest.raises(PermissionDenied):
        task_complete(actor=clerk, task=correction, data={})
    # Another person's process: not this citizen's correction.
    other = process_start(
        actor=None, definition_key="standard_case", subject_type="t", subject_id="2", department=scjg, data={}
    )
    task_complete(actor=clerk, task=open_task(other, "accept_step"), data={"decision": "request_correction"})
    assert not can_work_on(citizen, open_task(other, "correction_step"))


# --- Claims ---------------------------------------------------------------------------------


def test_claimed_by_one_clerk_another_cannot_complete(case, clerk, scjg):
    from dgov.accounts.services import role_grant, user_create

    colleague = user_create(
        actor=None, username="colleague", password="Colleague-pass-2025!", kind="staff", department=scjg
    )
    role_grant(actor=None, user=colleague, role="window_clerk", department=scjg)
    accept = open_task(case, "accept_step")
    assert can_work_on(colleague, accept)

    claimed = task_claim(actor=clerk, task=accept)
    assert (claimed.state, claimed.assignee, claimed.claimed_at is not None) == ("claimed", clerk, True)
    assert task_claim(actor=clerk, task=accept).state == "claimed"  # claiming again is a no-op
    with pytest.raises(ConflictError) as exc:
        task_claim(actor=colleague, task=accept)
    assert (exc.value.code, exc.value.message) == ("claimed", "This task has been claimed by 黄嘉欣.")
    with pytest.raises(ConflictError) as exc:
        task_complete(actor=colleague, task=accept, data={"decision": "accept"})
    assert exc.value.code == "claimed"
    with pytest.raises(PermissionDenied):
        task_release(actor=colleague, task=accept)

    released = task_release(actor=clerk, task=accept)
    assert (released.state, released.assignee, released.claimed_at) == ("ready", None, None)
    with pytest.raises(ConflictError):
        task_release(actor=clerk, task=accept)
    instance = task_complete(actor=colleague, task=accept, data={"decision": "accept"})
    accept.refresh_from_db()
    assert (accept.state, accept.completed_by, accept.assignee) == ("completed", colleague, colleague)
    assert open_task(instance, "review_step").state == "ready"
    actions = list(
        AuditEvent.objects.filter(target_type="workflow.task", target_id=str(accept.pk), action__startswith="workflow.")
        .order_by("seq")
        .values_list("action", "actor_label")
    )
    assert actions == [
        ("workflow.task_claim", "clerk"),
        ("workflow.task_release", "clerk"),
        ("workflow.task_complete", "colleague"),
    ]


# --- Queues ---------------------------------------------------------------------------------


def test_queues_show_each_person_their_work(case, clerk, approver, outsider, citizen, django_assert_num_queries):
    accept = open_task(case, "accept_step")
    assert list(task_list_for_user(user=clerk)) == [accept]
    assert list(task_list_for_user(user=approver)) == []
    assert list(task_list_for_user(user=outsider)) == []
    assert list(task_list_for_user(user=citizen)) == []

    task_complete(actor=clerk, task=accept, data={"decision": "request_correction"})
    correction = open_task(case, "correction_step")
    assert list(task_list_for_user(user=citizen)) == [correction]
    assert list(task_list_for_user(user=clerk)) == []
    assert list(task_list_for_user(user=clerk, state="completed")) == [accept]
    task_complete(actor=citizen, task=correction, data={})
    task_complete(actor=clerk, task=open_task(case, "accept_step"), data={"decision": "accept"})

    review = open_task(case, "review_step")
    with django_assert_num_queries(2):  # the role assignments, then the queue with its relations
        queue = list(task_list_for_user(user=approver))
        assert [(t.spec_id, t.instance.definition.key, t.department.code) for t in queue] == [
            ("review_step", "standard_case", "scjg")
        ]
    # Queue and check agree.
    for user in (clerk, approver, outsider, citizen):
        assert (review in task_list_for_user(user=user)) == can_work_on(user, review)
    assert task_get_for_user(user=approver, pk=review.pk) == review
    with pytest.raises(Http404):
        task_get_for_user(user=outsider, pk=review.pk)


def test_a_claimed_task_leaves_the_others_queues(case, clerk, scjg):
    from dgov.accounts.services import role_grant, user_create

    colleague = user_create(
        actor=None, username="colleague2", password="Colleague-pass-2025!", kind="staff", department=scjg
    )
    role_grant(actor=None, user=colleague, role="window_clerk", department=scjg)
    accept = open_task(case, "accept_step")
    assert list(task_list_for_user(user=colleague)) == [accept]
    task_claim(actor=clerk, task=accept)
    assert list(task_list_for_user(user=colleague)) == []
    assert list(task_list_for_user(user=clerk)) == [accept]


# --- Time limits and start data --------------------------------------------------------------


def test_days_may_come_from_the_start_data(db, scjg):
    xml = bpmn(linear(user_task("review_step", days="review_days"), user_task("decide_step", days="decide_days")))
    definition = process_definition_upload(actor=None, key="p", name="", bpmn_xml=xml)
    process_definition_publish(actor=None, definition=definition)
    instance = process_start(
        actor=None, definition_key="p", subject_type="t", subject_id="1", department=scjg, data={"review_days": 7}
    )
    review = open_task(instance, "review_step")
    assert review.due_at == task_due_at(start=review.created_at, days=7)


def test_one_running_instance_per_subject(case, scjg):
    with pytest.raises(ConflictError) as exc:
        process_start(
            actor=None,
            definition_key="standard_case",
            subject_type="tests.case",
            subject_id=1,
            department=scjg,
            data={},
        )
    assert exc.value.code == "already_running"
    assert ProcessInstance.objects.filter(subject_type="tests.case", subject_id="1").count() == 1


def test_start_data_reaches_the_gateways(db, scjg):
    """A process whose first gateway is decided by the start data alone completes without a human step."""
    from dgov.workflow.tests.conftest import flow

    body = (
        '<bpmn:startEvent id="start" /><bpmn:exclusiveGateway id="g" default="f_manual" />'
        + user_task("manual_step")
        + '<bpmn:endEvent id="auto" /><bpmn:endEvent id="end" />'
        + flow("f0", "start", "g")
        + flow("f_auto", "g", "auto", 'score >= 90 and category in ["a", "b"]')
        + flow("f_manual", "g", "manual_step")
        + flow("f_end", "manual_step", "end")
    )
    definition = process_definition_upload(actor=None, key="fast", name="", bpmn_xml=bpmn(body, process_id="fast"))
    process_definition_publish(actor=None, definition=definition)
    fast = process_start(
        actor=None,
        definition_key="fast",
        subject_type="t",
        subject_id="1",
        department=scjg,
        data={"score": 95, "category": "a"},
    )
    assert (fast.status, fast.outcome, fast.tasks.count()) == ("completed", "auto", 0)
    slow = process_start(
        actor=None, definition_key="fast", subject_type="t", subject_id="2", department=scjg, data={"score": 95}
    )
    assert (slow.status, open_task(slow, "manual_step").role) == ("running", "approver")


def test_parallel_branches_are_separate_tasks_and_the_join_waits(db, scjg, clerk, approver):
    from dgov.workflow.tests.conftest import flow

    body = (
        '<bpmn:startEvent id="start" /><bpmn:parallelGateway id="split" /><bpmn:parallelGateway id="join" />'
        + user_task("check_a", role="approver")
        + user_task("check_b", role="window_clerk", days="2")
        + '<bpmn:endEvent id="end" />'
        + flow("f0", "start", "split")
        + flow("f1", "split", "check_a")
        + flow("f2", "split", "check_b")
        + flow("f3", "check_a", "join")
        + flow("f4", "check_b", "join")
        + flow("f5", "join", "end")
    )
    definition = process_definition_upload(actor=None, key="both", name="", bpmn_xml=bpmn(body, process_id="both"))
    process_definition_publish(actor=None, definition=definition)
    instance = process_start(
        actor=None, definition_key="both", subject_type="t", subject_id="1", department=scjg, data={}
    )
    assert sorted(Task.objects.filter(instance=instance).values_list("spec_id", "role")) == [
        ("check_a", "approver"),
        ("check_b", "window_clerk"),
    ]
    instance = task_complete(actor=clerk, task=open_task(instance, "check_b"), data={})
    assert instance.status == "running" and open_task(instance, "check_a").state == "ready"
    instance = task_complete(actor=approver, task=open_task(instance, "check_a"), data={})
    assert (instance.status, instance.outcome) == ("completed", "end")

"""Every path of the shipped standard case process, through the services, with the audit trail."""

from __future__ import annotations

from dgov.audit.models import AuditEvent
from dgov.workflow.models import ProcessInstance, Task
from dgov.workflow.services import task_claim, task_complete
from dgov.workflow.sla import task_due_at
from dgov.workflow.tests.conftest import open_task


def _steps(instance):
    return list(Task.objects.filter(instance=instance).order_by("created_at", "pk").values_list("spec_id", "state"))


def test_start_waits_for_acceptance_by_a_window_clerk(case, scjg):
    assert case.status == ProcessInstance.Status.RUNNING
    assert case.definition.key == "standard_case" and case.definition.version == 1
    task = open_task(case, "accept_step")
    assert (task.role, task.department, task.state, task.assignee) == ("window_clerk", scjg, "ready", None)
    assert task.name == "受理 Accept"
    assert task.due_at == task_due_at(start=task.created_at, days=5)
    assert [f["id"] for f in task.form] == ["decision", "opinion"]
    assert task.form[0]["options"] == ["accept", "refuse", "request_correction"] and task.form[0]["required"] is True
    assert _steps(case) == [("accept_step", "ready")]


def test_accept_review_approve_conclude(case, clerk, approver):
    instance = task_complete(actor=clerk, task=open_task(case, "accept_step"), data={"decision": "accept"})
    review = open_task(instance, "review_step")
    assert (review.role, review.due_at) == ("approver", task_due_at(start=review.created_at, days=10))

    task_claim(actor=approver, task=review)
    instance = task_complete(actor=approver, task=review, data={"opinion": "材料齐全"})
    decide = open_task(instance, "decide_step")
    assert decide.role == "approver"

    instance = task_complete(actor=approver, task=decide, data={"decision": "approve", "opinion": "准予许可"})
    assert instance.status == ProcessInstance.Status.COMPLETED
    assert instance.outcome == "concluded"
    assert instance.completed_at is not None
    assert _steps(instance) == [
        ("accept_step", "completed"),
        ("review_step", "completed"),
        ("decide_step", "completed"),
    ]
    done = Task.objects.get(instance=instance, spec_id="decide_step")
    assert (done.completed_by, done.assignee, done.result) == (
        approver,
        approver,
        {"decision": "approve", "opinion": "准予许可"},
    )
    assert not Task.objects.filter(instance=instance, state__in=Task.OPEN_STATES).exists()


def test_refuse_ends_the_process(case, clerk):
    instance = task_complete(actor=clerk, task=open_task(case, "accept_step"), data={"decision": "refuse"})
    assert (instance.status, instance.outcome) == (ProcessInstance.Status.COMPLETED, "refused")
    assert _steps(instance) == [("accept_step", "completed")]


def test_reject_concludes(case, clerk, approver):
    task_complete(actor=clerk, task=open_task(case, "accept_step"), data={"decision": "accept"})
    task_complete(actor=approver, task=open_task(case, "review_step"), data={})
    instance = task_complete(actor=approver, task=open_task(case, "decide_step"), data={"decision": "reject"})
    assert (instance.status, instance.outcome) == (ProcessInstance.Status.COMPLETED, "concluded")
    assert Task.objects.get(instance=instance, spec_id="decide_step").result == {"decision": "reject"}


def test_correction_loop_twice_then_accept(case, clerk, citizen, approver):
    for round_ in (1, 2):
        task_complete(actor=clerk, task=open_task(case, "accept_step"), data={"decision": "request_correction"})
        correction = open_task(case, "correction_step")
        assert (correction.role, correction.due_at) == ("applicant", None)
        task_complete(actor=citizen, task=correction, data={"materials": [f"补正材料{round_}.pdf"]})
    instance = task_complete(actor=clerk, task=open_task(case, "accept_step"), data={"decision": "accept"})
    assert open_task(instance, "review_step").role == "approver"
    assert _steps(instance) == [
        ("accept_step", "completed"),
        ("correction_step", "completed"),
        ("accept_step", "completed"),
        ("correction_step", "completed"),
        ("accept_step", "completed"),
        ("review_step", "ready"),
    ]
    # Each pass through a step is its own engine task.
    assert Task.objects.filter(instance=instance).values("spiff_task_id").distinct().count() == 6


def test_every_step_is_in_the_audit_trail(case, clerk, approver, citizen):
    before = AuditEvent.objects.count()
    accept = open_task(case, "accept_step")
    task_complete(actor=clerk, task=accept, data={"decision": "accept"})
    review = open_task(case, "review_step")
    task_claim(actor=approver, task=review)
    task_complete(actor=approver, task=review, data={})
    decide = open_task(case, "decide_step")
    task_complete(actor=approver, task=decide, data={"decision": "approve"})

    events = list(AuditEvent.objects.order_by("seq")[before:])
    assert [(e.action, e.actor_label, e.target_type, e.target_id) for e in events] == [
        ("workflow.task_complete", "clerk", "workflow.task", str(accept.pk)),
        ("workflow.task_claim", "approver", "workflow.task", str(review.pk)),
        ("workflow.task_complete", "approver", "workflow.task", str(review.pk)),
        ("workflow.task_complete", "approver", "workflow.task", str(decide.pk)),
        ("workflow.process_complete", "approver", "workflow.processinstance", str(case.pk)),
    ]
    assert events[0].summary == {"instance": case.pk, "step": "accept_step", "data": {"decision": "accept"}}
    start = AuditEvent.objects.get(action="workflow.process_start", target_id=str(case.pk))
    assert start.actor_label == "citizen"
    assert start.summary["subject"] == "tests.case:1" and start.summary["version"] == 1

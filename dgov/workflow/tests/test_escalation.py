"""Deadline flags and the escalation sweep, across the 2025 National Day holiday.

2025 国庆节+中秋节: off Wed 1 – Wed 8 October; make-up working days Sun 28 September and Sat 11
October. A review step of 3 working days that becomes ready on Sun 28 September (a working day)
counts Mon 29 (1), Tue 30 (2), then after the holiday Thu 9 October (3): due 2025-10-09 23:59:59.
"""

from __future__ import annotations

from datetime import date, datetime, time
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from dgov.accounts.models import RoleAssignment
from dgov.accounts.services import role_grant, user_create
from dgov.audit.models import AuditEvent
from dgov.core.workdays import calendar_seed_from_library
from dgov.notices.backends import MemoryBackend
from dgov.notices.models import Notice
from dgov.workflow import escalation
from dgov.workflow.escalation import SUPERVISE_AFTER_WORKING_DAYS, task_link, tasks_escalate_overdue
from dgov.workflow.models import Task, TaskEscalation
from dgov.workflow.services import (
    process_cancel,
    process_definition_publish,
    process_definition_upload,
    process_start,
    task_claim,
    task_complete,
)
from dgov.workflow.sla import deadline_state, due_soon_cutoff
from dgov.workflow.tasks import sweep_deadlines
from dgov.workflow.tests.conftest import bpmn, linear, open_task, user_task

BJ = ZoneInfo("Asia/Shanghai")
DUE = datetime.combine(date(2025, 10, 9), time.max, tzinfo=BJ)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BJ)


@pytest.fixture(autouse=True)
def _english_notices(settings):
    """Notices are written in the platform's language; English here, so the texts below hold."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def calendar_2025(db):
    """The 2025 calendar as `make run` seeds it (again, in case a transactional test flushed it)."""
    calendar_seed_from_library(actor=None, years=[2025])


@pytest.fixture
def review_process(jianghai, calendar_2025):
    definition = process_definition_upload(
        actor=None,
        key="escalation_test",
        name="Escalation test",
        bpmn_xml=bpmn(linear(user_task("review", role="approver", days="3")), process_id="escalation_test"),
    )
    return process_definition_publish(actor=None, definition=definition)


@pytest.fixture
def start(review_process, scjg, citizen, time_machine):
    """Start a review (3 working days) in scjg at a moment; returns its open task."""

    def _start(when: str = "2025-09-28 09:00", subject_id: str = "1") -> Task:
        time_machine.move_to(at(when), tick=False)
        instance = process_start(
            actor=citizen,
            definition_key="escalation_test",
            subject_type="tests.case",
            subject_id=subject_id,
            department=scjg,
            data={},
            applicant=citizen,
        )
        return open_task(instance, "review")

    return _start


@pytest.fixture
def sweep_at(time_machine):
    def _sweep(when: str) -> escalation.EscalationReport:
        time_machine.move_to(at(when), tick=False)
        return tasks_escalate_overdue()

    return _sweep


def _notices(kind: str) -> list[tuple[str, str]]:
    return sorted(Notice.objects.filter(kind=kind).values_list("recipient__username", "url"))


def _audit(action: str, task: Task) -> int:
    return AuditEvent.objects.filter(action=action, target_type="workflow.task", target_id=str(task.pk)).count()


# --- Flags -------------------------------------------------------------------------------------------


def test_a_task_due_before_the_holiday_runs_on_past_it(start):
    task = start("2025-09-28 09:00")
    assert task.due_at == DUE


@pytest.mark.parametrize(
    ("now", "state"),
    [
        ("2025-09-28 09:00", "on_time"),
        ("2025-09-29 17:00", "on_time"),  # next working day is Tue 30 September
        ("2025-09-30 10:00", "due_soon"),  # next working day is Thu 9 October, the due day
        ("2025-10-01 10:00", "due_soon"),  # the holiday: not overdue
        ("2025-10-08 23:59", "due_soon"),
        ("2025-10-09 23:59", "due_soon"),
        ("2025-10-10 00:00", "overdue"),
    ],
)
def test_deadline_flags_follow_the_working_day_calendar(calendar_2025, now, state):
    assert deadline_state(DUE, now=at(now)) == state


def test_due_soon_means_by_the_end_of_the_next_working_day(calendar_2025):
    friday = at("2025-09-19 15:00")
    assert due_soon_cutoff(friday) == datetime.combine(date(2025, 9, 22), time.max, tzinfo=BJ)
    assert deadline_state(None, now=friday) == "none"


def test_the_task_property_flags_open_tasks_only(start, clerk, approver, time_machine):
    task = start("2025-09-28 09:00")
    time_machine.move_to(at("2025-10-10 09:00"), tick=False)
    assert task.deadline_state == "overdue"
    task_complete(actor=approver, task=task, data={})
    task.refresh_from_db()
    assert task.deadline_state == "none"


# --- The ladder -------------------------------------------------------------------------------------


def test_reminder_after_the_holiday_then_supervision_then_nothing_more(start, sweep_at, outsider, settings):
    task = start("2025-09-28 09:00")
    link = task_link(task)
    assert link.startswith("/") and link.endswith(f"/{task.pk}/")

    # Overdue by the calendar of weekdays, but not by the working-day calendar.
    for moment in ("2025-10-01 09:00", "2025-10-06 09:00", "2025-10-09 23:00"):
        report = sweep_at(moment)
        assert (report.reminded, report.supervised) == (0, 0)
    assert not TaskEscalation.objects.exists()

    report = sweep_at("2025-10-10 08:00")
    assert (report.reminded, report.supervised, report.notices) == (1, 0, 1)
    assert report.escalated == [(task.pk, "reminder", 1)]
    # Unclaimed: everyone with the role in scjg; the approver of 民政局 (outsider) gets nothing.
    assert _notices("reminder") == [("approver", link)]
    assert _audit("workflow.task_remind", task) == 1
    reminder = TaskEscalation.objects.get(task=task, level="reminder")
    assert (reminder.due_at, list(reminder.recipients.values_list("username", flat=True))) == (DUE, ["approver"])

    # Again, the same day: nothing new.
    report = sweep_at("2025-10-10 08:15")
    assert (report.reminded, report.supervised, report.notices) == (0, 0, 0)

    # Sat 11 October is a make-up working day: the second working day after the due day, not yet past.
    assert SUPERVISE_AFTER_WORKING_DAYS == 2
    report = sweep_at("2025-10-11 23:00")
    assert (report.reminded, report.supervised) == (0, 0)

    report = sweep_at("2025-10-12 09:00")
    assert (report.reminded, report.supervised, report.notices) == (0, 1, 1)
    # The district's leader covers every department of the district.
    assert _notices("supervision") == [("leader", link)]
    assert _audit("workflow.task_supervise", task) == 1
    supervision = Notice.objects.get(kind="supervision")
    assert supervision.subject == "Supervision: review is overdue"
    assert supervision.body == (
        "The task “review” of District Administration for Market Regulation was due by the end of 2025-10-09 "
        "and is still open 2 working days later. Please see that it is handled. Nobody has claimed it yet."
    )
    reminder_notice = Notice.objects.get(kind="reminder")
    assert reminder_notice.subject == "Overdue: review"

    for moment in ("2025-10-12 09:15", "2025-10-20 09:00"):
        report = sweep_at(moment)
        assert (report.reminded, report.supervised, report.notices) == (0, 0, 0)
    assert TaskEscalation.objects.filter(task=task).count() == 2
    assert Notice.objects.count() == 2
    assert not Notice.objects.filter(recipient=outsider).exists()


def test_a_late_first_sweep_reminds_and_supervises_at_once(start, sweep_at):
    task = start("2025-09-28 09:00")
    report = sweep_at("2025-10-20 09:00")
    assert (report.reminded, report.supervised) == (1, 1)
    assert sorted(TaskEscalation.objects.filter(task=task).values_list("level", flat=True)) == [
        "reminder",
        "supervision",
    ]


def test_a_claimed_task_reminds_its_claimant_only(start, sweep_at, scjg, approver):
    colleague = user_create(
        actor=None, username="colleague", password="Colleague-pass-2025!", kind="staff", department=scjg
    )
    role_grant(actor=None, user=colleague, role="approver", department=scjg)
    unclaimed, claimed = start(subject_id="1"), start(subject_id="2")
    task_claim(actor=colleague, task=claimed)

    sweep_at("2025-10-10 08:00")
    assert sorted(Notice.objects.filter(kind="reminder").values_list("recipient__username", "url")) == sorted(
        [("approver", task_link(unclaimed)), ("colleague", task_link(unclaimed)), ("colleague", task_link(claimed))]
    )

    sweep_at("2025-10-12 09:00")
    supervision = Notice.objects.get(kind="supervision", url=task_link(claimed))
    assert supervision.recipient.username == "leader"
    assert supervision.body.endswith(" It is claimed by colleague.")


def test_without_a_leader_the_department_administrators_supervise(start, sweep_at, scjg):
    RoleAssignment.objects.filter(role="leader").delete()
    head = user_create(actor=None, username="scjg_head", password="Scjg-head-pass-2025!", kind="staff", department=scjg)
    role_grant(actor=None, user=head, role="dept_admin", department=scjg)
    task = start()
    sweep_at("2025-10-12 09:00")
    # Every administrator of the department: the demo's deptadmin (市场监管) and the one made here.
    assert _notices("supervision") == [("deptadmin", task_link(task)), ("scjg_head", task_link(task))]
    assert "administrators" in TaskEscalation.objects.get(task=task, level="supervision").note


def test_nobody_to_notify_is_recorded_not_skipped(start, sweep_at):
    RoleAssignment.objects.filter(role="approver").delete()
    task = start()
    report = sweep_at("2025-10-10 08:00")
    assert (report.reminded, report.notices, report.unnotified) == (1, 0, 1)
    reminder = TaskEscalation.objects.get(task=task, level="reminder")
    assert reminder.recipients.count() == 0 and reminder.note
    assert _audit("workflow.task_remind", task) == 1


def test_closed_tasks_are_never_escalated(start, sweep_at, approver, citizen):
    done, cancelled = start(subject_id="1"), start(subject_id="2")
    task_complete(actor=approver, task=done, data={})
    process_cancel(actor=citizen, instance=cancelled.instance, reason="申请人撤回")
    report = sweep_at("2025-10-20 09:00")
    assert (report.reminded, report.supervised) == (0, 0)
    assert not TaskEscalation.objects.exists()
    assert not Notice.objects.exists()
    assert not AuditEvent.objects.filter(action__in=["workflow.task_remind", "workflow.task_supervise"]).exists()


def test_a_lost_race_escalates_once(start, sweep_at, monkeypatch):
    """Another sweep reminded the task between this one's read and write: the unique row stops it."""
    task = start()
    sweep_at("2025-10-10 08:00")
    # Pretend this sweep read the candidates before the first one committed.
    monkeypatch.setattr(escalation._Sweep, "_candidates", lambda self, level: iter([task.pk]))
    report = sweep_at("2025-10-10 08:01")
    assert (report.reminded, report.supervised, report.skipped) == (0, 0, 2)
    assert TaskEscalation.objects.filter(task=task).count() == 1
    assert Notice.objects.count() == 1
    assert _audit("workflow.task_remind", task) == 1


def test_applicant_steps_are_reminded_but_not_supervised(
    jianghai, calendar_2025, scjg, citizen, sweep_at, time_machine
):
    definition = process_definition_upload(
        actor=None,
        key="applicant_step",
        name="Applicant step",
        bpmn_xml=bpmn(linear(user_task("sign", role="applicant", days="1")), process_id="applicant_step"),
    )
    process_definition_publish(actor=None, definition=definition)
    time_machine.move_to(at("2025-09-29 09:00"), tick=False)
    instance = process_start(
        actor=citizen,
        definition_key="applicant_step",
        subject_type="tests.case",
        subject_id="9",
        department=scjg,
        data={},
        applicant=citizen,
    )
    task = open_task(instance, "sign")
    report = sweep_at("2025-10-20 09:00")
    assert (report.reminded, report.supervised) == (1, 0)
    assert _notices("reminder") == [("citizen", task_link(task))]


def test_reminders_go_by_sms_after_commit_with_the_number_masked(
    start, sweep_at, settings, django_capture_on_commit_callbacks
):
    settings.DGOV_NOTICE_BACKEND = "dgov.notices.backends.MemoryBackend"
    MemoryBackend.outbox.clear()
    start()
    with django_capture_on_commit_callbacks(execute=True):
        sweep_at("2025-10-10 08:00")
    assert [(m.channel, m.address) for m in MemoryBackend.outbox] == [("sms", "13800000004")]
    notice = Notice.objects.get(kind="reminder")
    assert list(notice.deliveries.values_list("status", "address")) == [("sent", "138****0004")]
    MemoryBackend.outbox.clear()


# --- Entry points -----------------------------------------------------------------------------------


def test_the_command_and_the_celery_task_run_the_sweep(start, time_machine):
    task = start()
    time_machine.move_to(at("2025-10-10 08:00"), tick=False)
    out = StringIO()
    call_command("sweep_deadlines", stdout=out)
    assert f"task {task.pk}: reminder, 1 notified" in out.getvalue()
    assert "reminded 1, supervised 0" in out.getvalue()

    time_machine.move_to(at("2025-10-12 09:00"), tick=False)
    assert sweep_deadlines.delay().get() == {
        "reminded": 0,
        "supervised": 1,
        "notices": 1,
        "unnotified": 0,
        "skipped": 0,
        "more": False,
    }


def test_the_beat_schedule_runs_the_sweep_every_quarter_hour():
    from config.celery import app

    entry = app.conf.beat_schedule["workflow-sweep-deadlines"]
    assert entry["task"] == sweep_deadlines.name
    assert entry["schedule"].minute == {0, 15, 30, 45}
    assert str(app.conf.timezone) == "Asia/Shanghai"

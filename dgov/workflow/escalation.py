"""The escalation ladder for overdue tasks, run by a periodic sweep (``sweep_deadlines``, Celery beat).

1. Reminder (提醒): once a task is overdue, its assignee is told; an unclaimed task's notice goes to
   everyone who may work on it (holders of its role whose scope covers its department, or the
   applicant for an applicant's step).
2. Supervision (督办): when the task is still open ``SUPERVISE_AFTER_WORKING_DAYS`` working days
   after its due time, the department's leaders (Role.LEADER covering the department; failing
   that, its department administrators) are told. Applicants' own steps are not supervised: 督办
   is oversight of the government's work, not of the citizen's.

Each step writes a TaskEscalation (unique per task and level), an audit event and the notices in
one transaction per task. The unique row is the lock: a sweep run twice, or two at once, escalate
each task once per level, the loser of a race rolling back its whole step. Task rows are read, not
locked, so the sweep never holds a row a person's step waits for (a task completed in the very
moment of its reminder gets one needless notice, nothing worse).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dgov.accounts.models import Department, Role, RoleAssignment, User
from dgov.accounts.permissions import in_scope
from dgov.audit import record
from dgov.core.workdays import CALENDAR_TZ, WorkdayCalendar, calendar_load, local_date
from dgov.notices.models import Notice
from dgov.notices.services import notice_send
from dgov.workflow.dialect import APPLICANT
from dgov.workflow.models import Task, TaskEscalation

SUPERVISE_AFTER_WORKING_DAYS = 2
BATCH_SIZE = 100
# Escalations per level per run: a backlog (a sweep switched on late) drains over a few runs
# instead of one long transaction-heavy run; the report says when work is left.
MAX_PER_RUN = 1000
CHANNELS = ("site", "sms")  # the notices of an escalation: in-site and SMS

Level = TaskEscalation.Level
_AUDIT_ACTION = {Level.REMINDER: "workflow.task_remind", Level.SUPERVISION: "workflow.task_supervise"}


@dataclass
class EscalationReport:
    """What a sweep did: counts, and one (task id, level, people notified) per escalation."""

    reminded: int = 0
    supervised: int = 0
    notices: int = 0
    # Escalated with nobody to notify (e.g. no one holds the role): the row and audit event say so.
    unnotified: int = 0
    # Closed meanwhile, or escalated by another sweep first.
    skipped: int = 0
    # Stopped at MAX_PER_RUN: the next run continues.
    more: bool = False
    escalated: list[tuple[int, str, int]] = field(default_factory=list)

    def as_dict(self) -> dict[str, int | bool]:
        return {
            "reminded": self.reminded,
            "supervised": self.supervised,
            "notices": self.notices,
            "unnotified": self.unnotified,
            "skipped": self.skipped,
            "more": self.more,
        }


def task_link(task: Task) -> str:
    """The site path a notice about a task leads to (the case layer's task page when it exists)."""
    try:
        # A URL name, not an import: the case layer sits above the kernel.
        return reverse("cases:task", args=[task.pk])
    except NoReverseMatch:
        return f"/workflow/tasks/{task.pk}/"


def supervision_due(due_at: datetime, *, calendar: WorkdayCalendar | None = None) -> datetime:
    """The moment after which a still-open task is supervised: the end of the
    SUPERVISE_AFTER_WORKING_DAYS-th working day after its due day."""
    return (calendar or calendar_load()).add_working_days(due_at, SUPERVISE_AFTER_WORKING_DAYS)


def tasks_escalate_overdue(*, now: datetime | None = None) -> EscalationReport:
    """Remind and supervise the open tasks past their due time; safe to run again or concurrently."""
    now = now or timezone.now()
    calendar = calendar_load()
    report = EscalationReport()
    sweep = _Sweep(now=now, calendar=calendar, report=report)
    # Notices are stored text: write them in the platform's language, whoever runs the sweep.
    with translation.override(settings.LANGUAGE_CODE):
        sweep.run(Level.REMINDER)
        sweep.run(Level.SUPERVISION)
    return report


class _Sweep:
    def __init__(self, *, now: datetime, calendar: WorkdayCalendar, report: EscalationReport) -> None:
        self.now = now
        self.calendar = calendar
        self.report = report
        self._holders: dict[tuple[str, int], list[User]] = {}

    # --- Which tasks ---------------------------------------------------------------------------

    def _candidates(self, level: str) -> Iterator[int]:
        """Ids of open tasks due for this level and not yet escalated to it, in batches by id."""
        qs = Task.objects.filter(state__in=Task.OPEN_STATES, due_at__lt=self.now).exclude(escalations__level=level)
        if level == Level.SUPERVISION:
            # A cheap bound in SQL (N working days are at least N calendar days), the exact one below.
            first_day = local_date(self.now) - timedelta(days=SUPERVISE_AFTER_WORKING_DAYS)
            qs = qs.exclude(role=APPLICANT).filter(due_at__lt=datetime.combine(first_day, time.min, CALENDAR_TZ))
        last = 0
        while True:
            batch = list(qs.filter(pk__gt=last).order_by("pk").values_list("pk", "role", "due_at")[:BATCH_SIZE])
            if not batch:
                return
            for pk, role, due_at in batch:
                if self._is_due(level, role, due_at):
                    yield pk
            last = batch[-1][0]

    def _is_due(self, level: str, role: str, due_at: datetime | None) -> bool:
        if due_at is None or self.now <= due_at:
            return False
        if level == Level.SUPERVISION and role == APPLICANT:
            return False
        return level == Level.REMINDER or self.now > supervision_due(due_at, calendar=self.calendar)

    def run(self, level: str) -> None:
        done = 0
        for pk in self._candidates(level):
            if done >= MAX_PER_RUN:
                self.report.more = True
                return
            if self._escalate(pk, level):
                done += 1

    # --- Who is told ---------------------------------------------------------------------------

    def _role_holders(self, role: str, department: Department) -> list[User]:
        key = (role, department.pk)
        if key not in self._holders:
            assignments = RoleAssignment.objects.filter(role=role, user__is_active=True).select_related(
                "user", "department__region", "region"
            )
            users = {a.user_id: a.user for a in assignments if in_scope(a, department, None)}
            self._holders[key] = sorted(users.values(), key=lambda u: u.pk)
        return self._holders[key]

    def _recipients(self, task: Task, level: str) -> tuple[list[User], str]:
        if level == Level.REMINDER:
            if task.assignee is not None:
                return [task.assignee] if task.assignee.is_active else [], _("Sent to the person who claimed it.")
            if task.role == APPLICANT:
                applicant = task.instance.applicant
                return [applicant] if applicant is not None and applicant.is_active else [], _("Sent to the applicant.")
            return self._role_holders(task.role, task.department), _(
                "Unclaimed: sent to everyone who holds its role in its department."
            )
        leaders = self._role_holders(Role.LEADER, task.department)
        if leaders:
            return leaders, _("Sent to the department's leaders.")
        return self._role_holders(Role.DEPT_ADMIN, task.department), _(
            "The department has no leader on the platform: sent to its department administrators."
        )

    # --- One step ------------------------------------------------------------------------------

    def _escalate(self, pk: int, level: str) -> bool:
        """Escalate one task in its own transaction; False when it was closed or escalated meanwhile."""
        try:
            with transaction.atomic():
                task = (
                    Task.objects.select_related("instance__applicant", "department__region", "assignee")
                    .filter(pk=pk, state__in=Task.OPEN_STATES)
                    .first()
                )
                if task is None or task.due_at is None or not self._is_due(level, task.role, task.due_at):
                    self.report.skipped += 1
                    return False
                recipients, how = self._recipients(task, level)
                note = how if recipients else _("Nobody could be notified: no active account holds the role.")
                # The first write: a second sweep stops here, before any notice is written.
                escalation = TaskEscalation.objects.create(
                    task=task, level=level, due_at=task.due_at, created_at=self.now, note=note
                )
                escalation.recipients.set(recipients)
                kind, subject, body = _message(task, level)
                url = task_link(task)
                for user in recipients:
                    notice_send(recipient=user, subject=subject, body=body, url=url, kind=kind, channels=CHANNELS)
                record(
                    actor=None,
                    action=_AUDIT_ACTION[Level(level)],
                    target=task,
                    detail={
                        "instance": task.instance_id,
                        "step": task.spec_id,
                        "department": task.department.code,
                        "due_at": task.due_at.isoformat(),
                        "recipients": [u.pk for u in recipients],
                    },
                )
        except IntegrityError:
            self.report.skipped += 1
            return False
        report = self.report
        if level == Level.REMINDER:
            report.reminded += 1
        else:
            report.supervised += 1
        report.notices += len(recipients)
        report.unnotified += not recipients
        report.escalated.append((task.pk, str(level), len(recipients)))
        return True


def _message(task: Task, level: str) -> tuple[str, str, str]:
    """The notice's kind, subject and text for one escalation of a task."""
    values = {
        "task": task.name,
        "department": task.department.label,
        "due": local_date(task.due_at).isoformat() if task.due_at else "",
        "days": SUPERVISE_AFTER_WORKING_DAYS,
    }
    if level == Level.REMINDER:
        kind = Notice.Kind.REMINDER
        subject = _("Overdue: %(task)s") % values
        body = (
            _(
                "The task “%(task)s” of %(department)s was due by the end of %(due)s and is still open. "
                "Please handle it as soon as you can."
            )
            % values
        )
    else:
        kind = Notice.Kind.SUPERVISION
        subject = _("Supervision: %(task)s is overdue") % values
        body = (
            _(
                "The task “%(task)s” of %(department)s was due by the end of %(due)s and is still open "
                "%(days)d working days later. Please see that it is handled."
            )
            % values
        )
        if task.assignee is not None:
            body += " " + _("It is claimed by %(name)s.") % {"name": task.assignee.display_name}
        else:
            body += " " + _("Nobody has claimed it yet.")
    return kind, subject, body

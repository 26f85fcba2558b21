"""The escalation ladder for late tickets (催办、督办、通报), run by a periodic sweep.

For each clock a ticket can miss — signing for it (``sign``: still awaiting sign-for after
``sign_due_at``) and the reply (``reply``: with a department after ``due_at``) — three rungs:

1. reminder (催办): at once, the department's ticket handlers;
2. supervision (督办): ``SUPERVISE_AFTER_WORKING_DAYS`` working days after the deadline (as the
   workflow kernel's ladder, dgov.workflow.escalation), the department's leaders and
   administrators, for the reply clock;
3. report (通报): ``REPORT_AFTER_WORKING_DAYS`` working days after the deadline, the district's
   leaders and the hotline's dispatchers, for the reply clock.

The sweep is set-based, so it stays cheap over a million open tickets. Each ticket records how far
up the ladder its current deadlines have gone (``sign_rung``, ``reply_rung``; set back to 0 when a
deadline moves: dispatch, extension, reopening). For each rung one range scan of a partial index
(open tickets below the top rung, by deadline) finds the late tickets below it; in batches, a
conditional UPDATE raises their rung (only rows still below it, skipping rows a person's step
holds locked: the next run takes them), and the escalation rows and timeline lines of exactly those tickets are written
in bulk; each department's people get one notice per rung and run with the count, not one per
ticket. The conditional UPDATE is the lock: a sweep run twice, or two at once, escalate each
ticket once per rung and deadline; the unique (ticket, level, stage, deadline) row backs it up.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dgov.accounts.models import Department, Role, RoleAssignment, User
from dgov.accounts.permissions import in_scope
from dgov.audit import record
from dgov.core.workdays import CALENDAR_TZ, WorkdayCalendar, calendar_load, local_date
from dgov.hotline.models import Ticket, TicketEscalation, TicketEvent
from dgov.hotline.services.common import dispatchers, handlers_of, notify
from dgov.notices.models import Notice

SUPERVISE_AFTER_WORKING_DAYS = 2
REPORT_AFTER_WORKING_DAYS = 5
BATCH = 2000

Level = TicketEscalation.Level
_EVENT: dict[str, str] = {
    Level.REMINDER: TicketEvent.Kind.REMINDED,
    Level.SUPERVISION: TicketEvent.Kind.SUPERVISED,
    Level.REPORT: TicketEvent.Kind.REPORTED,
}


@dataclass
class SweepReport:
    """What a sweep did: escalations per rung and clock, notices sent."""

    counts: Counter[str] = field(default_factory=Counter)
    notices: int = 0

    def as_dict(self) -> dict[str, int]:
        return {**dict(self.counts), "notices": self.notices}


def late_by_cutoff(now: datetime, days: int, *, calendar: WorkdayCalendar) -> datetime:
    """The instant before which a deadline must lie to be more than ``days`` working days past at
    now: deadlines on day D are late by then when the end of the days-th working day after D is
    before now."""
    day = local_date(now)
    while calendar.add_working_days(datetime.combine(day, time(12), CALENDAR_TZ), days) >= now:
        day -= timedelta(days=1)
    return datetime.combine(day + timedelta(days=1), time.min, CALENDAR_TZ)


RUNG: dict[str, int] = {Level.REMINDER: 1, Level.SUPERVISION: 2, Level.REPORT: 3}


def _rungs(now: datetime, calendar: WorkdayCalendar) -> Iterator[tuple[str, str, Q, str, str]]:
    """(level, stage, late filter, deadline field, rung field) for each rung, lowest first."""
    with_department = Q(status__in=Ticket.WITH_DEPARTMENT)
    yield Level.REMINDER, "sign", Q(status=Ticket.Status.DISPATCHED, sign_due_at__lt=now), "sign_due_at", "sign_rung"
    yield Level.REMINDER, "reply", with_department & Q(due_at__lt=now), "due_at", "reply_rung"
    supervise = late_by_cutoff(now, SUPERVISE_AFTER_WORKING_DAYS, calendar=calendar)
    yield Level.SUPERVISION, "reply", with_department & Q(due_at__lt=supervise), "due_at", "reply_rung"
    report = late_by_cutoff(now, REPORT_AFTER_WORKING_DAYS, calendar=calendar)
    yield Level.REPORT, "reply", with_department & Q(due_at__lt=report), "due_at", "reply_rung"


def _recipients(level: str, department: Department) -> list[User]:
    if level == Level.REMINDER:
        return handlers_of(department)
    if level == Level.SUPERVISION:
        assignments = RoleAssignment.objects.filter(
            role__in=(Role.LEADER, Role.DEPT_ADMIN), user__is_active=True
        ).select_related("user", "department__region", "region")
        found = {a.user_id: a.user for a in assignments if in_scope(a, department, None)}
        return sorted(found.values(), key=lambda u: u.pk)
    district_leaders = RoleAssignment.objects.filter(
        role=Role.LEADER, department__isnull=True, user__is_active=True
    ).select_related("user")
    people = {a.user_id: a.user for a in district_leaders}
    people.update({u.pk: u for u in dispatchers()})
    return sorted(people.values(), key=lambda u: u.pk)


def tickets_escalate_overdue(*, now: datetime | None = None) -> SweepReport:
    """Take the next rung of the ladder for every late ticket; safe to run again or concurrently."""
    now = now or timezone.now()
    calendar = calendar_load()
    report = SweepReport()
    with translation.override(settings.LANGUAGE_CODE):
        for level, stage, late, deadline_field, rung_field in _rungs(now, calendar):
            # Equality for the first rung, so the partial indexes' conditions are implied.
            below = late & (Q(**{rung_field: 0}) if RUNG[level] == 1 else Q(**{f"{rung_field}__lt": RUNG[level]}))
            per_department: Counter[int] = Counter()
            # All ids at once (a range scan of a partial index; few in the steady state), then
            # batches: an ORDER BY pk … LIMIT would tempt the planner into walking the primary key.
            ids = list(Ticket.objects.filter(below).order_by().values_list("pk", flat=True))
            ids.sort()
            for start in range(0, len(ids), BATCH):
                batch = ids[start : start + BATCH]
                per_department.update(_write(batch, below, level, stage, deadline_field, rung_field, now))
            if per_department:
                report.counts[f"{level}_{stage}"] += sum(per_department.values())
                report.notices += _tell(level, stage, per_department, now)
    return report


def _write(
    ids: list[int], below: Q, level: str, stage: str, deadline_field: str, rung_field: str, now: datetime
) -> Counter[int]:
    """Escalate the batch's tickets that are still below the rung (locked now, not held by a
    person's step): raise their rung, write their escalation rows and timeline lines. Returns
    the tickets escalated per department."""
    with transaction.atomic():
        rows = list(
            Ticket.objects.filter(below, pk__in=ids)
            .select_for_update(of=("self",), skip_locked=True)
            .values_list("pk", "department_id", deadline_field)
        )
        if not rows:
            return Counter()
        Ticket.objects.filter(pk__in=[r[0] for r in rows]).update(**{rung_field: RUNG[level]})
        TicketEscalation.objects.bulk_create(
            [
                TicketEscalation(ticket_id=pk, level=level, stage=stage, due_at=due, department_id=dept, created_at=now)
                for pk, dept, due in rows
            ],
            ignore_conflicts=True,
        )
        note = _("Sign-for overdue") if stage == "sign" else _("Reply overdue")
        TicketEvent.objects.bulk_create(
            [
                TicketEvent(ticket_id=pk, kind=_EVENT[level], department_id=dept, note=note, at=now)
                for pk, dept, _due in rows
            ]
        )
    return Counter(dept for _pk, dept, _due in rows)


def _tell(level: str, stage: str, per_department: Counter[int], now: datetime) -> int:
    sent = 0
    labels: dict[str, str] = {
        Level.REMINDER: _("Reminder"),
        Level.SUPERVISION: _("Supervision (督办)"),
        Level.REPORT: _("Report (通报)"),
    }
    for department in Department.objects.filter(pk__in=per_department):
        count = per_department[department.pk]
        url = reverse("hotline:queue") + f"?department={department.pk}&deadline=overdue"
        what = _("not signed for in time") if stage == "sign" else _("not replied in time")
        with transaction.atomic():
            sent += notify(
                _recipients(level, department),
                _("%(level)s: %(count)d tickets of %(department)s %(what)s")
                % {"level": labels[level], "count": count, "department": department.name, "what": what},
                _("Open the list to see them."),
                url=url,
                kind=Notice.Kind.SUPERVISION if level != Level.REMINDER else Notice.Kind.REMINDER,
            )
            record(
                actor=None,
                action=f"hotline.ticket_{level}",
                target=department,
                detail={"stage": stage, "tickets": count, "at": now.isoformat()},
            )
    return sent

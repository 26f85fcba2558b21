"""The escalation ladder for late tickets, with time frozen."""

from __future__ import annotations

from datetime import datetime

import pytest
import time_machine

from dgov.audit.models import AuditEvent
from dgov.core.workdays import CALENDAR_TZ, calendar_load
from dgov.hotline import services
from dgov.hotline.models import Ticket, TicketEscalation, TicketEvent
from dgov.hotline.services.sweep import late_by_cutoff
from dgov.hotline.tests.conftest import call, leaf
from dgov.notices.models import Notice

pytestmark = pytest.mark.django_db
MONDAY = datetime(2026, 3, 9, 10, 0, tzinfo=CALENDAR_TZ)


def at(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=CALENDAR_TZ)


@pytest.fixture
def late_ticket(hotline, operator, cgj):
    with time_machine.travel(MONDAY, tick=False):
        ticket = call(operator)
        services.ticket_dispatch(actor=operator, ticket=ticket, category=leaf("110202"), department=cgj)
    return ticket


def levels(ticket: Ticket) -> list[tuple[str, str]]:
    return sorted(ticket.escalations.values_list("level", "stage"))


def test_nothing_before_the_deadline(late_ticket):
    report = services.tickets_escalate_overdue(now=at(3, 10, 20))
    assert report.counts == {} and not TicketEscalation.objects.exists()


def test_the_ladder(late_ticket, handler, dispatcher):
    # Sign-for was due Tuesday 10 March: a reminder on Wednesday.
    report = services.tickets_escalate_overdue(now=at(3, 11))
    assert report.counts == {"reminder_sign": 1}
    assert levels(late_ticket) == [("reminder", "sign")]
    assert Notice.objects.filter(recipient=handler, kind=Notice.Kind.REMINDER).count() == 1
    # Run again: nothing more.
    assert services.tickets_escalate_overdue(now=at(3, 11, 11)).counts == {}
    # Reply was due Monday 16 March: reminder on the 17th; supervision once two more working days
    # have passed (after Wednesday 18th); report after five (after Monday 23rd).
    assert services.tickets_escalate_overdue(now=at(3, 17)).counts == {"reminder_reply": 1}
    assert services.tickets_escalate_overdue(now=at(3, 18, 23)).counts == {}
    assert services.tickets_escalate_overdue(now=at(3, 19)).counts == {"supervision_reply": 1}
    assert services.tickets_escalate_overdue(now=at(3, 23, 22)).counts == {}
    assert services.tickets_escalate_overdue(now=at(3, 24)).counts == {"report_reply": 1}
    assert Notice.objects.filter(recipient=dispatcher, kind=Notice.Kind.SUPERVISION).exists()
    kinds = set(late_ticket.events.values_list("kind", flat=True))
    assert {TicketEvent.Kind.REMINDED, TicketEvent.Kind.SUPERVISED, TicketEvent.Kind.REPORTED} <= kinds
    assert AuditEvent.objects.filter(action="hotline.ticket_report").exists()


def test_signed_ticket_has_no_sign_reminder_and_extension_moves_the_clock(late_ticket, handler, dispatcher):
    with time_machine.travel(MONDAY, tick=False):
        services.ticket_sign(actor=handler, ticket=late_ticket)
        extension = services.extension_request(actor=handler, ticket=late_ticket, days=5, reason="等材料")
        services.extension_decide(actor=dispatcher, extension=extension, approve=True)
    assert services.tickets_escalate_overdue(now=at(3, 17)).counts == {}
    # New deadline Monday 23rd: reminded on the 24th.
    assert services.tickets_escalate_overdue(now=at(3, 24)).counts == {"reminder_reply": 1}


def test_replied_ticket_is_not_escalated(late_ticket, handler):
    with time_machine.travel(MONDAY, tick=False):
        services.ticket_sign(actor=handler, ticket=late_ticket)
        services.ticket_reply(actor=handler, ticket=late_ticket, reply="已修复")
    assert services.tickets_escalate_overdue(now=at(4, 1)).counts == {}


def test_one_notice_per_department_for_many_tickets(hotline, operator, handler, cgj):
    with time_machine.travel(MONDAY, tick=False):
        for n in range(5):
            ticket = call(operator, description=f"第{n}号路灯不亮", address=f"江海一路{n}号")
            services.ticket_dispatch(actor=operator, ticket=ticket, category=leaf("110202"), department=cgj)
    report = services.tickets_escalate_overdue(now=at(3, 11))
    assert report.counts == {"reminder_sign": 5}
    assert Notice.objects.filter(recipient=handler, kind=Notice.Kind.REMINDER).count() == 1


def test_late_by_cutoff_skips_weekends():
    calendar = calendar_load()
    # Wednesday 18 March 10:00, two working days: deadlines before Monday 16 March 00:00 are late.
    cutoff = late_by_cutoff(at(3, 18), 2, calendar=calendar)
    assert cutoff == datetime(2026, 3, 16, 0, 0, tzinfo=CALENDAR_TZ)

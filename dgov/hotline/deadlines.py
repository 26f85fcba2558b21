"""Ticket time limits on the Chinese working-day clock.

Both limits count from dispatch (派单): signing for the ticket (签收) and replying (答复). A limit
of N working days ends at the end (23:59:59 Beijing time) of the N-th working day after the
dispatch date; 0 means the end of the dispatch day itself, holiday or not (an urgent ticket is
handled the same day). Defaults, per type and urgency, editable as TimeLimit rows:

=========== ======= ======================= ========
type        urgency sign for (working days) reply
=========== ======= ======================= ========
咨询 consult  normal  1                       3
求助 help     normal  1                       5
投诉 complaint normal 1                       13
举报 report   normal  1                       13
建议 suggestion normal 1                      10
表扬 praise   normal  1                       5
any         urgent  0                       0
=========== ======= ======================= ========

The 13 working days for complaints and reports follow the common 12345 practice of "15 calendar
days" for 投诉/举报; consultations get 3 working days, help 5, suggestions 10. An approved
extension (延期) moves the reply deadline by its working days, counted from the old deadline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from dgov.core.workdays import WorkdayCalendar, add_working_days
from dgov.hotline.models import Ticket, TimeLimit

T = Ticket.Type
DEFAULT_LIMITS: dict[tuple[str, str], tuple[int, int]] = {
    (T.CONSULT, "normal"): (1, 3),
    (T.HELP, "normal"): (1, 5),
    (T.COMPLAINT, "normal"): (1, 13),
    (T.REPORT, "normal"): (1, 13),
    (T.SUGGESTION, "normal"): (1, 10),
    (T.PRAISE, "normal"): (1, 5),
    **{(t, "urgent"): (0, 0) for t in T.values},
}
MAX_EXTENSION_DAYS = 30


@dataclass(frozen=True)
class Limits:
    sign_days: int
    reply_days: int


def limits_for(*, type: str, urgency: str) -> Limits:
    """The time limits of a type and urgency: the TimeLimit row, else the default."""
    row = TimeLimit.objects.filter(type=type, urgency=urgency).values_list("sign_days", "reply_days").first()
    sign, reply = row if row else DEFAULT_LIMITS[(type, urgency)]
    return Limits(sign_days=sign, reply_days=reply)


def due_times(
    *,
    type: str,
    urgency: str,
    dispatched_at: datetime,
    calendar: WorkdayCalendar | None = None,
) -> tuple[datetime, datetime]:
    """(sign for by, reply by) for a ticket dispatched at dispatched_at."""
    limits = limits_for(type=type, urgency=urgency)
    return (
        add_working_days(dispatched_at, limits.sign_days, calendar=calendar),
        add_working_days(dispatched_at, limits.reply_days, calendar=calendar),
    )

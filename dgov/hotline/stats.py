"""Statistics of the 12345 hotline: volumes, timeliness, first-contact resolution, satisfaction and
hotspots, for a period, as the reading user may see them; and the same figures as a workbook.

Scope: hotline staff and leaders whose role covers the hotline's area see every ticket; a
department-scoped role (ticket handlers, department administrators) sees the tickets its
department leads (Ticket.department) and the ratings counted under it; anyone else sees nothing.

The period is a range of Beijing-time dates, both ends included; a ticket belongs to it by its
registration time, a rating by the time it was given. Figures are plain data (dicts, lists, ints,
Decimals): the page, the charts and the workbook show the same numbers.

- On-time sign-for: among tickets with a sign-for deadline, signed at or before it, out of those
  signed plus those still waiting to be signed for past the deadline (counted late).
- On-time reply: among tickets with a reply deadline, replied at or before it, out of those
  replied plus the open ones past the deadline (counted late). Tickets merged into another are
  left out of both: the ticket they joined is counted.
- First-contact resolution (一次办结率): enquiries closed on the call from the knowledge base, out
  of all closed enquiries.
- Satisfaction (好差评): ratings of tickets not excluded as malicious; good = levels 3–5; score =
  10 × good ÷ counted, as dgov.ratings.selectors.score_of.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from io import BytesIO
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Avg, Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from dgov.accounts.models import Department, Region
from dgov.accounts.permissions import Perm, departments_for
from dgov.core.spreadsheets import append_row, sheet_title
from dgov.core.workdays import CALENDAR_TZ
from dgov.hotline.models import Category, Ticket
from dgov.hotline.places import subdistrict_of
from dgov.hotline.selectors import sees_all_tickets
from dgov.ratings.models import GOOD_LEVELS, Rating
from dgov.ratings.selectors import score_of

HOTSPOTS_MAX = 10

Row = dict[str, Any]


# --- Period and scope --------------------------------------------------------------------------------


def month_to_date(today: date | None = None) -> tuple[date, date]:
    """The default period: the first of this month to today (Beijing time)."""
    today = today or timezone.localdate(timezone.now(), CALENDAR_TZ)
    return today.replace(day=1), today


def week_to_date(today: date | None = None) -> tuple[date, date]:
    """This week: Monday to today (Beijing time)."""
    today = today or timezone.localdate(timezone.now(), CALENDAR_TZ)
    return today - timedelta(days=today.weekday()), today


def bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, the day after end 00:00) in Beijing time."""
    return (
        datetime.combine(start, time.min, tzinfo=CALENDAR_TZ),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=CALENDAR_TZ),
    )


def scope_departments(user: Any) -> list[int] | None:
    """None: every ticket; else the ids of the departments whose tickets user sees (maybe none).
    Kept on the user object for the request, as dgov.accounts.permissions keeps the roles: a page
    asks for a dozen figures."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached: tuple[list[int] | None] | None = getattr(user, "_hotline_stats_scope", None)
    if cached is None:
        cached = (None if sees_all_tickets(user) else departments_for(user, Perm.HOTLINE_VIEW),)
        user._hotline_stats_scope = cached
    return cached[0]


def scope_label(user: Any) -> str:
    ids = scope_departments(user)
    if ids is None:
        return _("All tickets of the hotline")
    names = [d.label for d in Department.objects.filter(pk__in=ids).order_by("code")]
    return "、".join(names) if names else _("No department")


def _tickets(user: Any, start: date, end: date) -> QuerySet[Ticket]:
    since, until = bounds(start, end)
    qs = Ticket.objects.filter(created_at__gte=since, created_at__lt=until)
    ids = scope_departments(user)
    return qs if ids is None else qs.filter(department_id__in=ids)


def _percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(100 * part) / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _rows(counts: dict[str, int], labels: dict[str, str]) -> list[Row]:
    """Rows of key, label, count and share of the total, largest first."""
    total = sum(counts.values())
    rows: list[Row] = [
        {"key": key, "label": labels.get(key, key), "count": n, "share": _percent(n, total)}
        for key, n in counts.items()
        if n
    ]
    rows.sort(key=lambda r: (-r["count"], r["key"] == "", r["key"]))
    return rows


# --- Volumes -----------------------------------------------------------------------------------------


def total(user: Any, start: date, end: date) -> int:
    return _tickets(user, start, end).count()


def by_category_top(user: Any, start: date, end: date) -> list[Row]:
    """Tickets per top-level category (the first two digits of the code); unclassified apart."""
    counts: dict[str, int] = {}
    for code, n in _tickets(user, start, end).values_list("category__code").annotate(n=Count("pk")).order_by():
        key = f"{code[:2]}0000" if code else ""
        counts[key] = counts.get(key, 0) + n
    labels = {c.code: c.label for c in Category.objects.filter(level=1, code__in=counts)}
    labels[""] = _("Not classified yet")
    return _rows(counts, labels)


def by_category_leaf(user: Any, start: date, end: date) -> list[Row]:
    """Tickets per category of the last level; unclassified apart."""
    counts = {
        code or "": n
        for code, n in _tickets(user, start, end).values_list("category__code").annotate(n=Count("pk")).order_by()
    }
    labels = {c.code: c.label for c in Category.objects.filter(code__in=counts)}
    labels[""] = _("Not classified yet")
    return _rows(counts, labels)


def by_department(user: Any, start: date, end: date) -> list[Row]:
    """Tickets per lead department; those not dispatched (or answered on the call) apart."""
    counts = {
        code or "": n
        for code, n in _tickets(user, start, end).values_list("department__code").annotate(n=Count("pk")).order_by()
    }
    labels = {d.code: d.label for d in Department.objects.filter(code__in=counts)}
    labels[""] = _("No department yet")
    return _rows(counts, labels)


def by_subdistrict(user: Any, start: date, end: date) -> list[Row]:
    """Tickets per subdistrict (街道) of the place; a community counts under its subdistrict."""
    per_region = dict(_tickets(user, start, end).values_list("region").annotate(n=Count("pk")).order_by())
    regions = Region.objects.filter(pk__in=[pk for pk in per_region if pk is not None]).select_related("parent")
    counts: dict[str, int] = {}
    labels = {"": _("Place unknown")}
    for region in regions:
        subdistrict = subdistrict_of(region)
        key = subdistrict.code if subdistrict is not None else ""
        if subdistrict is not None:
            labels[key] = subdistrict.name
        counts[key] = counts.get(key, 0) + per_region[region.pk]
    if per_region.get(None):
        counts[""] = counts.get("", 0) + per_region[None]
    return _rows(counts, labels)


def by_channel(user: Any, start: date, end: date) -> list[Row]:
    counts = dict(_tickets(user, start, end).values_list("channel").annotate(n=Count("pk")).order_by())
    return _rows(counts, {str(k): str(v) for k, v in Ticket.Channel.choices})


def by_type(user: Any, start: date, end: date) -> list[Row]:
    counts = dict(_tickets(user, start, end).values_list("type").annotate(n=Count("pk")).order_by())
    return _rows(counts, {str(k): str(v) for k, v in Ticket.Type.choices})


# --- Timeliness and resolution -------------------------------------------------------------------------


def _rate(on_time: int, late: int, **extra: int) -> Row:
    return {
        "on_time": on_time,
        "late": late,
        "total": on_time + late,
        "rate": _percent(on_time, on_time + late),
        **extra,
    }


def sign_timeliness(user: Any, start: date, end: date, *, now: datetime | None = None) -> Row:
    """On-time sign-for: signed by sign_due_at, out of those signed and those unsigned past it."""
    now = now or timezone.now()
    qs = _tickets(user, start, end).exclude(status=Ticket.Status.MERGED).filter(sign_due_at__isnull=False)
    waiting = Q(signed_at__isnull=True, status=Ticket.Status.DISPATCHED)
    got = qs.aggregate(
        on_time=Count("pk", filter=Q(signed_at__isnull=False, signed_at__lte=F("sign_due_at"))),
        late_signed=Count("pk", filter=Q(signed_at__isnull=False, signed_at__gt=F("sign_due_at"))),
        late_waiting=Count("pk", filter=waiting & Q(sign_due_at__lt=now)),
        pending=Count("pk", filter=waiting & Q(sign_due_at__gte=now)),
    )
    return _rate(
        got["on_time"],
        got["late_signed"] + got["late_waiting"],
        late_done=got["late_signed"],
        late_open=got["late_waiting"],
        pending=got["pending"],
    )


def reply_timeliness(user: Any, start: date, end: date, *, now: datetime | None = None) -> Row:
    """On-time reply: replied by due_at, out of those replied and the open ones past it."""
    now = now or timezone.now()
    qs = _tickets(user, start, end).exclude(status=Ticket.Status.MERGED).filter(due_at__isnull=False)
    still_open = Q(replied_at__isnull=True, status__in=Ticket.OPEN_STATUSES)
    got = qs.aggregate(
        on_time=Count("pk", filter=Q(replied_at__isnull=False, replied_at__lte=F("due_at"))),
        late_replied=Count("pk", filter=Q(replied_at__isnull=False, replied_at__gt=F("due_at"))),
        late_open=Count("pk", filter=still_open & Q(due_at__lt=now)),
        pending=Count("pk", filter=still_open & Q(due_at__gte=now)),
    )
    return _rate(
        got["on_time"],
        got["late_replied"] + got["late_open"],
        late_done=got["late_replied"],
        late_open=got["late_open"],
        pending=got["pending"],
    )


def first_contact(user: Any, start: date, end: date) -> Row:
    """一次办结率: closed enquiries answered on the call, out of all closed enquiries."""
    got = (
        _tickets(user, start, end)
        .filter(type=Ticket.Type.CONSULT, status=Ticket.Status.CLOSED)
        .aggregate(
            closed=Count("pk"),
            first=Count("pk", filter=Q(resolution=Ticket.Resolution.FIRST_CONTACT)),
        )
    )
    return {"resolved": got["first"], "closed": got["closed"], "rate": _percent(got["first"], got["closed"])}


# --- Satisfaction and hotspots ------------------------------------------------------------------------------


def satisfaction(user: Any, start: date, end: date) -> Row:
    """Ratings of tickets given in the period (not excluded): count, good, share, score, mean level."""
    since, until = bounds(start, end)
    qs = Rating.objects.filter(
        rated_type=ContentType.objects.get_for_model(Ticket),
        excluded_at__isnull=True,
        created_at__gte=since,
        created_at__lt=until,
    )
    ids = scope_departments(user)
    if ids is not None:
        qs = qs.filter(department_id__in=ids)
    got = qs.aggregate(count=Count("pk"), good=Count("pk", filter=Q(level__in=GOOD_LEVELS)), mean=Avg("level"))
    count, good = int(got["count"]), int(got["good"])
    mean = got["mean"]
    return {
        "count": count,
        "good": good,
        "bad": count - good,
        "share": _percent(good, count),
        "score": score_of(good, count),
        "mean": Decimal(str(mean)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) if mean is not None else None,
    }


def _place_label(region: Region) -> str:
    subdistrict = subdistrict_of(region)
    if subdistrict is not None and subdistrict.pk != region.pk:
        return f"{subdistrict.name} · {region.name}"
    return region.name


def hotspots(user: Any, start: date, end: date, *, limit: int = HOTSPOTS_MAX) -> list[Row]:
    """The places (community or subdistrict) and categories with the most tickets, most first."""
    top = list(
        _tickets(user, start, end)
        .filter(region__isnull=False, category__isnull=False)
        .values("region", "category")
        .annotate(n=Count("pk"))
        .order_by("-n", "region__code", "category__code")[:limit]
    )
    regions = Region.objects.select_related("parent").in_bulk([r["region"] for r in top])
    categories = Category.objects.in_bulk([r["category"] for r in top])
    return [
        {
            "place": _place_label(regions[r["region"]]),
            "place_code": regions[r["region"]].code,
            "category": categories[r["category"]].label,
            "category_code": categories[r["category"]].code,
            "count": r["n"],
        }
        for r in top
    ]


def tickets_per_category(user: Any) -> dict[str, int]:
    """All-time tickets user may count per category code, each class and top class holding the sum
    of its leaves (the category tree's counts)."""
    ids = scope_departments(user)
    qs = Ticket.objects.filter(category__isnull=False)
    if ids is not None:
        qs = qs.filter(department_id__in=ids)
    counts: dict[str, int] = {}
    for code, n in qs.values_list("category__code").annotate(n=Count("pk")).order_by():
        for key in {code, f"{code[:4]}00", f"{code[:2]}0000"}:
            counts[key] = counts.get(key, 0) + n
    return counts


# --- Everything for the page and the workbook -----------------------------------------------------------


def report(user: Any, start: date, end: date, *, now: datetime | None = None) -> dict[str, Any]:
    """Every figure of the statistics page for the period, and this week's hotspots."""
    now = now or timezone.now()
    week_start, week_end = week_to_date(timezone.localdate(now, CALENDAR_TZ))
    return {
        "start": start,
        "end": end,
        "scope": scope_label(user),
        "total": total(user, start, end),
        "category_top": by_category_top(user, start, end),
        "category_leaf": by_category_leaf(user, start, end),
        "department": by_department(user, start, end),
        "subdistrict": by_subdistrict(user, start, end),
        "channel": by_channel(user, start, end),
        "type": by_type(user, start, end),
        "sign": sign_timeliness(user, start, end, now=now),
        "reply": reply_timeliness(user, start, end, now=now),
        "first_contact": first_contact(user, start, end),
        "satisfaction": satisfaction(user, start, end),
        "week_start": week_start,
        "week_end": week_end,
        "hotspots": hotspots(user, week_start, week_end),
    }


BREAKDOWNS = ("category_top", "category_leaf", "department", "subdistrict", "channel", "type")


def breakdown_titles() -> dict[str, str]:
    """The heading of each breakdown, in the current language (the page and the sheet names)."""
    return {
        "category_top": _("By category (top level)"),
        "category_leaf": _("By category (last level)"),
        "department": _("By department"),
        "subdistrict": _("By subdistrict"),
        "channel": _("By channel"),
        "type": _("By type"),
    }


def sheet_titles() -> list[str]:
    """The workbook's sheets, in order."""
    titles = breakdown_titles()
    return [
        sheet_title(_("Summary")),
        *(sheet_title(titles[name]) for name in BREAKDOWNS),
        sheet_title(_("Hotspots this week")),
    ]


def workbook(data: dict[str, Any]) -> bytes:
    """The report as an XLSX workbook: a summary sheet, one sheet per breakdown, the hotspots."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    names = iter(sheet_titles())
    summary = book.active
    assert summary is not None
    summary.title = next(names)
    sign, reply, fcr, sat = data["sign"], data["reply"], data["first_contact"], data["satisfaction"]
    lines: list[tuple[str, Any]] = [
        (_("From"), data["start"].isoformat()),
        (_("To"), data["end"].isoformat()),
        (_("Scope"), data["scope"]),
        (_("Tickets registered"), data["total"]),
        (_("Signed for on time (%)"), sign["rate"]),
        (_("Signed for on time"), sign["on_time"]),
        (_("Signed for late or overdue"), sign["late"]),
        (_("Replied on time (%)"), reply["rate"]),
        (_("Replied on time"), reply["on_time"]),
        (_("Replied late or overdue"), reply["late"]),
        (_("First-contact resolution (%)"), fcr["rate"]),
        (_("Enquiries resolved on the call"), fcr["resolved"]),
        (_("Enquiries closed"), fcr["closed"]),
        (_("Ratings"), sat["count"]),
        (_("Good ratings (levels 3–5)"), sat["good"]),
        (_("Good ratings (%)"), sat["share"]),
        (_("Satisfaction score (of 10)"), sat["score"]),
        (_("Mean level (1–5)"), sat["mean"]),
    ]
    for label, value in lines:
        append_row(summary, [label, value])
    summary.column_dimensions["A"].width = 34
    header = [_("Code"), _("Name"), _("Tickets"), _("Share (%)")]
    for name in BREAKDOWNS:
        sheet = book.create_sheet(next(names))
        append_row(sheet, header)
        for row in data[name]:
            append_row(sheet, [row["key"] or None, row["label"], row["count"], row["share"]])
        sheet.column_dimensions["B"].width = 30
        for cell in sheet[1]:
            cell.font = Font(bold=True)
    sheet = book.create_sheet(next(names))
    append_row(sheet, [_("Place"), _("Category"), _("Tickets")])
    for spot in data["hotspots"]:
        append_row(sheet, [spot["place"], spot["category"], spot["count"]])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    out = BytesIO()
    book.save(out)
    return out.getvalue()

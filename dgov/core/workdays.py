"""Chinese working days (工作日): deadlines, elapsed time, and the services that load the calendar.

Counting follows 《行政许可法》第八十二条 (time limits are in working days, statutory holidays
excluded) and 《民法典》第二百零一条 (the day of the event is not counted; counting starts the next
day): a deadline of N working days after a moment ``start`` ends at the end of the Nth working day
after start's date in Beijing time, returned as 23:59:59.999999 Asia/Shanghai of that day. So
``due.date()`` is the last day a case may be handled on, ``now > due`` means overdue, and the time
shown is "23:59" of the right day rather than "00:00" of the day after. N = 0 gives the end of start's own day.

A working day is Monday–Friday unless the platform's calendar (dgov.core.models, exceptions only)
says otherwise. A year with no CalendarYear row is counted Monday–Friday, recorded as a CalendarGap
that the admin index shows until the year's notice is loaded, and logged; computing never raises
for it.

Cost: each computation reads the list of loaded years and their revisions (one query, ~25 rows);
a year's days are read again only when its revision changed (a second query), otherwise they come
from a per-process cache. Every service that writes the calendar sets a new revision, so edits
are seen at once by every process. A computation that reaches an uncovered year adds one UPDATE
of its CalendarGap (in a savepoint; a failure there is logged, not raised). For many computations
at once, load one :class:`WorkdayCalendar` with :func:`calendar_load` and pass it as ``calendar=``.

Import format (:func:`calendar_import_csv`), UTF-8 (GB18030 accepted by the admin page) CSV with
three columns ``date,type,name``; an optional header row, blank lines and lines starting with ``#``
are ignored::

    date,type,name
    2027-01-01..2027-01-03,holiday,元旦
    2027-02-06..2027-02-13,holiday,春节
    2027-02-20,workday,调休上班

``date`` is YYYY-MM-DD (YYYY/M/D as Excel writes it is accepted) or, for holidays, a range
``start..end``; ``type`` is ``holiday`` (放假) or ``workday`` (上班). A workday must be a Saturday or
Sunday; a holiday may fall on a weekend (notices list whole ranges). Every date lies in the year
imported and appears once. Any wrong row refuses the whole file, nothing written.
"""

from __future__ import annotations

import csv
import functools
import io
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from importlib import metadata
from typing import Any
from zoneinfo import ZoneInfo

import chinese_calendar
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from dgov.audit import record
from dgov.core.errors import ApplicationError, ConflictError
from dgov.core.models import CalendarDay, CalendarGap, CalendarYear, new_revision

logger = logging.getLogger(__name__)

# The calendar is Beijing time whatever the server's TIME_ZONE.
CALENDAR_TZ = ZoneInfo("Asia/Shanghai")
MIN_YEAR, MAX_YEAR = 2000, 2100
MAX_HOLIDAY_RANGE_DAYS = 31  # the longest real one is about 10 days; more is a typing mistake

_LIBRARY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}
_TYPES = {"holiday": False, "放假": False, "workday": True, "上班": True}
_DATE = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})")


# --- Computing -----------------------------------------------------------------------------------


class WorkdayCalendar:
    """A snapshot of the calendar; days in years it does not cover count Monday–Friday."""

    def __init__(self, years: Mapping[int, Mapping[date, bool]]) -> None:
        self._years = years
        self._gaps_noted: set[int] = set()

    def covers(self, year: int) -> bool:
        return year in self._years

    def is_workday(self, d: date) -> bool:
        days = self._years.get(d.year)
        if days is None:
            if d.year not in self._gaps_noted:
                self._gaps_noted.add(d.year)
                _gap_note(d.year)
            return d.weekday() < 5
        return days.get(d, d.weekday() < 5)

    def next_workday(self, d: date) -> date:
        d += timedelta(days=1)
        while not self.is_workday(d):
            d += timedelta(days=1)
        return d

    def add_working_days(self, start: datetime, days: int) -> datetime:
        if days < 0:
            raise ValueError("days must not be negative")
        d = local_date(start)
        for _n in range(days):
            d = self.next_workday(d)
        return datetime.combine(d, time.max, tzinfo=CALENDAR_TZ)

    def working_days_between(self, start: datetime, end: datetime) -> int:
        d, last = local_date(start), local_date(end)
        count = 0
        while d < last:
            d += timedelta(days=1)
            count += self.is_workday(d)
        return count


# year -> (revision, {date: is_workday}). Entries are replaced whole, never mutated, so threads
# sharing the dict see either the old or the new year.
_year_cache: dict[int, tuple[str, dict[date, bool]]] = {}


def calendar_load() -> WorkdayCalendar:
    """The current calendar: one query when nothing changed since the last load, two otherwise."""
    revisions = dict(CalendarYear.objects.values_list("year", "revision"))
    years: dict[int, Mapping[date, bool]] = {}
    stale = []
    for year, revision in revisions.items():
        cached = _year_cache.get(year)
        if cached is not None and cached[0] == revision:
            years[year] = cached[1]
        else:
            stale.append(year)
    if stale:
        fresh: dict[int, dict[date, bool]] = {year: {} for year in stale}
        rows = CalendarDay.objects.filter(year__year__in=stale).values_list("year__year", "date", "is_workday")
        for year, day, workday in rows:
            fresh[year][day] = workday
        for year, days in fresh.items():
            # Read after the revision: a concurrent edit leaves new days under the old revision,
            # which the next load sees as stale and reads again.
            _year_cache[year] = (revisions[year], days)
            years[year] = days
    return WorkdayCalendar(years)


def local_date(moment: datetime) -> date:
    """The Beijing-time date of an aware datetime; ValueError for a naive one."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("working-day computations need a timezone-aware datetime")
    return moment.astimezone(CALENDAR_TZ).date()


def is_workday(d: date, *, calendar: WorkdayCalendar | None = None) -> bool:
    """Whether d is a working day (法定工作日) on the Chinese calendar."""
    return (calendar if calendar is not None else calendar_load()).is_workday(d)


def next_workday(d: date, *, calendar: WorkdayCalendar | None = None) -> date:
    """The first working day after d."""
    return (calendar if calendar is not None else calendar_load()).next_workday(d)


def add_working_days(start: datetime, days: int, *, calendar: WorkdayCalendar | None = None) -> datetime:
    """The deadline: 23:59:59.999999 Beijing time of the ``days``-th working day after start's date."""
    return (calendar if calendar is not None else calendar_load()).add_working_days(start, days)


def working_days_between(start: datetime, end: datetime, *, calendar: WorkdayCalendar | None = None) -> int:
    """Working days elapsed: those after start's date up to and including end's date (0 if none).

    For a pause: ``add_working_days(resume, n - working_days_between(start, pause))`` continues the
    count, and equals ``add_working_days(start, n)`` when the pause takes no time.
    """
    return (calendar if calendar is not None else calendar_load()).working_days_between(start, end)


def _gap_note(year: int) -> None:
    """Record that a computation needed ``year`` and had no calendar for it; never raises."""
    try:
        with transaction.atomic():  # a savepoint: a failure here leaves the caller's transaction usable
            opened = _gap_upsert(year)
    except DatabaseError:
        logger.exception("Could not record the working-day calendar gap of %s.", year)
        opened = True
    if opened:
        logger.warning(
            "No working-day calendar for %s: deadlines reaching it count Monday to Friday until the "
            "year's State Council holiday notice is imported (admin: Calendar years).",
            year,
        )


def _gap_upsert(year: int) -> bool:
    """Count one more use of the gap (reopening it if its year was removed); True when opened now."""
    now = timezone.now()
    if CalendarGap.objects.filter(year=year).update(last_needed_at=now, times=F("times") + 1, resolved_at=None):
        return False
    try:
        with transaction.atomic():
            gap = CalendarGap.objects.create(year=year, first_needed_at=now, last_needed_at=now, times=1)
    except IntegrityError:  # another process opened it first
        CalendarGap.objects.filter(year=year).update(last_needed_at=now, times=F("times") + 1)
        return False
    record(actor=None, action="calendar.gap_open", target=gap, detail={"year": year})
    return True


def calendar_gaps_open() -> list[CalendarGap]:
    """Years that deadlines have reached and that still have no calendar, for the admin warning."""
    return list(
        CalendarGap.objects.filter(resolved_at__isnull=True).exclude(year__in=CalendarYear.objects.values("year"))
    )


def calendar_year_sources() -> dict[int, str]:
    """Each loaded year and where its calendar came from (CalendarYear.Source)."""
    return dict(CalendarYear.objects.values_list("year", "source"))


# --- Loading -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    where: str  # the field_errors key: "row:3" (file line), "holidays:0", "workdays:1"
    day: date
    is_workday: bool
    name: str


def _label(where: str) -> str:
    kind, _sep, index = where.partition(":")
    return _("row %(number)s") % {"number": index} if kind == "row" else f"{kind}[{index}]"


def _add(errors: dict[str, list[str]], key: str, message: str) -> None:
    if message not in errors.setdefault(key, []):
        errors[key].append(message)


def _expand(
    errors: dict[str, list[str]], *, where: str, year: int, name: Any, start: date, end: date, workday: bool
) -> list[_Entry]:
    """The days of one notice line, or none with the line's errors added."""
    name = str(name or "").strip()
    if not name:
        _add(errors, where, _("Give the name, e.g. 春节 or 调休上班."))
    elif len(name) > 50:
        _add(errors, where, _("The name is longer than 50 characters."))
    if end < start:
        _add(errors, where, _("The range ends before it starts."))
    elif (end - start).days >= MAX_HOLIDAY_RANGE_DAYS:
        _add(
            errors,
            where,
            _("A holiday longer than %(days)s days is surely a mistake.") % {"days": MAX_HOLIDAY_RANGE_DAYS},
        )
    for outside in sorted({start, end}):
        if outside.year != year:
            _add(errors, where, _("%(date)s is not in %(year)s.") % {"date": outside.isoformat(), "year": year})
    if errors.get(where):
        return []
    return [_Entry(where, start + timedelta(days=i), workday, name) for i in range((end - start).days + 1)]


def _check_entries(errors: dict[str, list[str]], entries: Sequence[_Entry]) -> None:
    seen: dict[date, str] = {}
    for entry in entries:
        if entry.is_workday and entry.day.weekday() < 5:
            _add(
                errors,
                entry.where,
                _("%(date)s is a weekday, a working day already: a make-up working day is a Saturday or Sunday.")
                % {"date": entry.day.isoformat()},
            )
        if entry.day in seen:
            _add(
                errors,
                entry.where,
                _("%(date)s is also given in %(other)s.")
                % {"date": entry.day.isoformat(), "other": _label(seen[entry.day])},
            )
        else:
            seen[entry.day] = entry.where


def _check_notice(errors: dict[str, list[str]], *, year: Any, notice: str, key: str, entries: Sequence[_Entry]) -> None:
    if not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:
        _add(errors, "year", _("Give a year between %(min)s and %(max)s.") % {"min": MIN_YEAR, "max": MAX_YEAR})
    if not notice.strip():
        _add(errors, "notice", _("Give the notice's reference, e.g. 国办发明电〔2025〕7号."))
    elif len(notice) > 200:
        _add(errors, "notice", _("The notice reference is longer than 200 characters."))
    if not errors and not any(not e.is_workday for e in entries):
        _add(errors, key, _("A holiday notice names at least one holiday."))


def _actor_user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) and getattr(actor, "pk", None) else None


def _replace_year(
    *,
    actor: Any,
    year: int,
    source: str,
    notice: str,
    entries: Sequence[_Entry],
    action: str,
    request: HttpRequest | None,
    locked: CalendarYear | None = None,
) -> CalendarYear:
    """Write a year and its days in place of what was there; the caller holds the transaction."""
    now = timezone.now()
    cy = locked or CalendarYear.objects.select_for_update().filter(year=year).first()
    replaced = 0
    if cy is None:
        try:
            with transaction.atomic():
                cy = CalendarYear.objects.create(
                    year=year, source=source, notice=notice, loaded_at=now, loaded_by=_actor_user(actor)
                )
        except IntegrityError:
            raise ConflictError(_("The calendar of %(year)s was loaded by someone else just now.") % {"year": year})
    else:
        replaced = CalendarDay.objects.filter(year=cy).delete()[0]
        cy.source, cy.notice, cy.loaded_at, cy.loaded_by = source, notice, now, _actor_user(actor)
        cy.revision = new_revision()
        cy.save()
    CalendarDay.objects.bulk_create(
        CalendarDay(year=cy, date=e.day, is_workday=e.is_workday, name=e.name)
        for e in sorted(entries, key=lambda e: e.day)
    )
    resolved = CalendarGap.objects.filter(year=year, resolved_at__isnull=True).update(resolved_at=now)
    detail = {
        "year": year,
        "source": source,
        "notice": notice,
        "holidays": sorted(e.day.isoformat() for e in entries if not e.is_workday),
        "workdays": sorted(e.day.isoformat() for e in entries if e.is_workday),
        "replaced_days": replaced,
        "gap_resolved": bool(resolved),
    }
    record(actor=actor, action=action, target=cy, detail=detail, request=request)
    return cy


def _refuse(errors: dict[str, list[str]]) -> ApplicationError:
    return ApplicationError(
        _("The holiday notice was not imported; nothing was changed. Correct the marked rows and try again."),
        code="calendar_import_invalid",
        field_errors=errors,
    )


@transaction.atomic
def calendar_import_notice(
    *,
    actor: Any,
    year: int,
    notice: str,
    holidays: Sequence[tuple[str, date, date]],
    workdays: Sequence[tuple[str, date]],
    request: HttpRequest | None = None,
) -> CalendarYear:
    """Load a year from its State Council notice: (name, first day, last day) holidays and
    (name, day) make-up workdays. Replaces the year's days; all or nothing."""
    errors: dict[str, list[str]] = {}
    entries: list[_Entry] = []
    for i, (name, start, end) in enumerate(holidays):
        entries += _expand(errors, where=f"holidays:{i}", year=year, name=name, start=start, end=end, workday=False)
    for i, (name, day) in enumerate(workdays):
        entries += _expand(errors, where=f"workdays:{i}", year=year, name=name, start=day, end=day, workday=True)
    return _import_checked(
        actor=actor, year=year, notice=notice, key="holidays", entries=entries, errors=errors, request=request
    )


def _parse_date(text: str) -> date | None:
    match = _DATE.fullmatch(text.strip())
    if not match:
        return None
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def _parse_csv(errors: dict[str, list[str]], *, year: int, text: str) -> list[_Entry]:
    entries: list[_Entry] = []
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    first = True
    for row in reader:
        cells = [cell.strip() for cell in row]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if first and cells[0].lower() == "date":
            first = False
            continue
        first = False
        where = f"row:{reader.line_num}"
        if len(cells) != 3:
            _add(errors, where, _("A row has three columns: date, type, name."))
            continue
        date_text, type_text, name = cells
        workday = _TYPES.get(type_text.lower())
        if workday is None:
            _add(
                errors, where, _("The type is holiday (放假) or workday (上班), not “%(type)s”.") % {"type": type_text}
            )
        first_text, dots, last_text = date_text.partition("..")
        start, end = _parse_date(first_text), _parse_date(last_text if dots else first_text)
        if start is None or end is None:
            _add(
                errors,
                where,
                _("“%(date)s” is not a date like 2027-02-06 or a range like 2027-02-06..2027-02-13.")
                % {"date": date_text},
            )
        elif dots and workday:
            _add(errors, where, _("A make-up working day is one date, not a range."))
        if workday is not None and start is not None and end is not None and not errors.get(where):
            entries += _expand(errors, where=where, year=year, name=name, start=start, end=end, workday=workday)
    return entries


@transaction.atomic
def calendar_import_csv(
    *, actor: Any, year: int, notice: str, text: str, request: HttpRequest | None = None
) -> CalendarYear:
    """Load a year from a ``date,type,name`` CSV (see the module docstring); all or nothing."""
    errors: dict[str, list[str]] = {}
    entries = _parse_csv(errors, year=year, text=text)
    return _import_checked(
        actor=actor, year=year, notice=notice, key="text", entries=entries, errors=errors, request=request
    )


@functools.cache
def library_years() -> tuple[int, ...]:
    """The years chinesecalendar knows, found by asking it (it raises NotImplementedError outside)."""
    covered = []
    for year in range(MIN_YEAR, MAX_YEAR + 1):
        try:
            chinese_calendar.is_workday(date(year, 1, 1))
        except NotImplementedError:
            continue
        covered.append(year)
    return tuple(covered)


def library_label() -> str:
    return f"chinesecalendar {metadata.version('chinesecalendar')}"


def _library_entries(year: int) -> list[_Entry]:
    entries = [
        _Entry("library", day, False, _LIBRARY_NAMES.get(name, name))
        for day, name in chinese_calendar.holidays.items()
        if day.year == year
    ]
    entries += [
        _Entry("library", day, True, f"调休上班（{_LIBRARY_NAMES.get(name, name)}）")
        for day, name in chinese_calendar.workdays.items()
        if day.year == year
    ]
    return sorted(entries, key=lambda e: e.day)


@transaction.atomic
def calendar_seed_from_library(*, actor: Any, years: Sequence[int] | None = None) -> list[int]:
    """Fill the calendar from chinesecalendar for the years it covers (or those given); returns the
    years written. Years it does not cover, years already equal to it, and years an administrator
    imported or edited are left alone, so running it again writes nothing."""
    available = set(library_years())
    wanted = sorted(available if years is None else set(years) & available)
    existing = {cy.year: cy for cy in CalendarYear.objects.select_for_update().filter(year__in=wanted).order_by("year")}
    current: dict[int, set[tuple[date, bool, str]]] = {}
    rows = CalendarDay.objects.filter(year__year__in=list(existing)).values_list(
        "year__year", "date", "is_workday", "name"
    )
    for year, day, workday, name in rows:
        current.setdefault(year, set()).add((day, workday, name))
    label = library_label()
    seeded = []
    for year in wanted:
        cy = existing.get(year)
        if cy is not None and cy.source != CalendarYear.Source.SEEDED:
            continue
        entries = _library_entries(year)
        if (
            cy is not None
            and cy.notice == label
            and current.get(year, set()) == {(e.day, e.is_workday, e.name) for e in entries}
        ):
            continue
        _replace_year(
            actor=actor,
            year=year,
            source=CalendarYear.Source.SEEDED,
            notice=label,
            entries=entries,
            action="calendar.seed",
            request=None,
            locked=cy,
        )
        seeded.append(year)
    return seeded


def calendar_day_check(*, day: date, is_workday: bool, name: str) -> None:
    """The rules of a single edited day; ApplicationError with field errors when one is broken."""
    errors: dict[str, list[str]] = {}
    if not CalendarYear.objects.filter(year=day.year).exists():
        _add(errors, "date", _("%(year)s has no calendar yet: import its holiday notice first.") % {"year": day.year})
    if is_workday and day.weekday() < 5:
        _add(errors, "is_workday", _("A weekday is a working day already: delete the day's row instead."))
    if not name.strip():
        _add(errors, "name", _("Give the name, e.g. 春节 or 调休上班."))
    if errors:
        raise ApplicationError(_("The calendar day was not saved."), code="calendar_day_invalid", field_errors=errors)


def _touch_year(year: int) -> CalendarYear:
    cy = CalendarYear.objects.select_for_update().get(year=year)
    cy.source, cy.revision = CalendarYear.Source.MANUAL, new_revision()
    cy.save(update_fields=["source", "revision"])
    return cy


@transaction.atomic
def calendar_day_set(
    *, actor: Any, day: date, is_workday: bool, name: str, request: HttpRequest | None = None
) -> CalendarDay:
    """Make one day a holiday or a make-up workday; the year becomes "manual" (seeding keeps off it)."""
    calendar_day_check(day=day, is_workday=is_workday, name=name)
    cy = _touch_year(day.year)
    before = CalendarDay.objects.filter(date=day).values("is_workday", "name").first()
    obj, _created = CalendarDay.objects.update_or_create(
        date=day, defaults={"year": cy, "is_workday": is_workday, "name": name.strip()}
    )
    detail = {"date": day.isoformat(), "is_workday": is_workday, "name": obj.name, "before": before}
    record(actor=actor, action="calendar.day_set", target=obj, detail=detail, request=request)
    return obj


@transaction.atomic
def calendar_day_remove(*, actor: Any, day: date, request: HttpRequest | None = None) -> None:
    """Remove a day's row: it follows the Monday–Friday rule again."""
    obj = CalendarDay.objects.filter(date=day).first()
    if obj is None:
        raise ApplicationError(_("%(date)s has no row in the calendar.") % {"date": day.isoformat()}, code="not_found")
    _touch_year(day.year)
    detail = {"date": day.isoformat(), "is_workday": obj.is_workday, "name": obj.name}
    record(actor=actor, action="calendar.day_remove", target=obj, detail=detail, request=request)
    obj.delete()


def _import_checked(
    *,
    actor: Any,
    year: int,
    notice: str,
    key: str,
    entries: list[_Entry],
    errors: dict[str, list[str]],
    request: HttpRequest | None,
) -> CalendarYear:
    """The common end of both imports: check the whole notice, then replace the year or refuse."""
    _check_entries(errors, entries)
    _check_notice(errors, year=year, notice=notice, key=key, entries=entries)
    if errors:
        raise _refuse(errors)
    return _replace_year(
        actor=actor,
        year=year,
        source=CalendarYear.Source.IMPORTED,
        notice=notice.strip(),
        entries=entries,
        action="calendar.import",
        request=request,
    )

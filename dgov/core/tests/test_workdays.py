"""The Chinese working-day calendar: deadlines across holidays and make-up working days, pauses,
years with no calendar, loading a State Council notice, and the admin pages."""

from datetime import date, datetime, time, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import DatabaseError
from django.utils import translation

from dgov.audit.models import AuditEvent
from dgov.core import workdays
from dgov.core.errors import ApplicationError
from dgov.core.models import CalendarDay, CalendarGap, CalendarYear
from dgov.core.workdays import (
    add_working_days,
    calendar_day_set,
    calendar_import_csv,
    calendar_import_notice,
    calendar_load,
    calendar_seed_from_library,
    is_workday,
    library_years,
    next_workday,
    working_days_between,
)

BJ = ZoneInfo("Asia/Shanghai")
PASSWORD = "jianghai-demo-2025"


def at(text: str) -> datetime:
    """A Beijing-time moment from 'YYYY-MM-DD HH:MM'."""
    return datetime.fromisoformat(text).replace(tzinfo=BJ)


def end_of(day: str) -> datetime:
    return datetime.combine(date.fromisoformat(day), time.max, tzinfo=BJ)


def login(client, username: str) -> None:
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302


@pytest.fixture(autouse=True)
def empty_calendar(db):
    """Each test starts from an empty calendar (the session's reference data seeds every year)."""
    CalendarDay.objects.all().delete()
    CalendarYear.objects.all().delete()
    CalendarGap.objects.all().delete()


@pytest.fixture
def seeded(empty_calendar):
    """2025 and 2026 from chinesecalendar, as `seed_calendar` loads them."""
    assert calendar_seed_from_library(actor=None, years=[2025, 2026]) == [2025, 2026]


# A notice made up for the tests (the real 2027 notice is not in chinesecalendar 1.11):
# 元旦 Fri 1 – Sun 3 January; 春节 Sat 6 – Sun 14 February; make-up working day Sat 20 February.
NOTICE_2027_CSV = """\ufeffdate,type,name
# 国务院办公厅关于2027年部分节假日安排的通知 (test copy)
2027-01-01..2027-01-03,holiday,元旦

2027/2/6..2027/2/14,放假,春节
2027-02-20,workday,调休上班
"""


# --- Deadlines across holidays -------------------------------------------------------------------

# 2025 春节: off Tue 28 Jan – Tue 4 Feb; make-up working days Sun 26 Jan and Sat 8 Feb.
SPRING_FESTIVAL_2025 = [
    # Fri 24 Jan + 3: Sat 25 off, Sun 26 make-up (1), Mon 27 (2), 28 Jan–4 Feb off, Wed 5 Feb (3).
    ("2025-01-24 10:00", 3, "2025-02-05"),
    # Mon 27 Jan + 1: the whole holiday is skipped, Wed 5 Feb (1).
    ("2025-01-27 16:30", 1, "2025-02-05"),
    # Mon 27 Jan + 5: Wed 5 (1), Thu 6 (2), Fri 7 (3), Sat 8 make-up (4), Sun 9 off, Mon 10 (5).
    ("2025-01-27 16:30", 5, "2025-02-10"),
    # Accepted online on Sat 25 Jan (a day off) + 1: the make-up Sunday 26 Jan is day 1.
    ("2025-01-25 21:00", 1, "2025-01-26"),
    # Accepted during the holiday, Sat 1 Feb + 4: Wed 5 (1), Thu 6 (2), Fri 7 (3), Sat 8 (4).
    ("2025-02-01 11:00", 4, "2025-02-08"),
    # 即办: 0 days ends the same day, even a day off.
    ("2025-01-29 09:00", 0, "2025-01-29"),
]

# 2025 国庆节 + 中秋节: off Wed 1 – Wed 8 Oct; make-up working days Sun 28 Sep and Sat 11 Oct.
NATIONAL_DAY_2025 = [
    # Fri 26 Sep + 5: Sat 27 off, Sun 28 make-up (1), Mon 29 (2), Tue 30 (3), 1–8 Oct off, Thu 9 (4), Fri 10 (5).
    ("2025-09-26 09:30", 5, "2025-10-10"),
    # Fri 26 Sep + 6: ... Fri 10 (5), Sat 11 Oct make-up (6).
    ("2025-09-26 09:30", 6, "2025-10-11"),
    # Tue 30 Sep + 3: Thu 9 (1), Fri 10 (2), Sat 11 (3).
    ("2025-09-30 17:59", 3, "2025-10-11"),
    # Mon 15 Sep + 20 (the 行政许可法 art. 42 limit): 16–19 (4), 22–26 (9), Sun 28 (10), 29–30 (12),
    # Oct 9–10 (14), Sat 11 (15), 13–17 (20).
    ("2025-09-15 10:00", 20, "2025-10-17"),
]

# 2026 as chinesecalendar 1.11 has it. 春节: off Sun 15 – Mon 23 Feb, make-up Sat 14 and Sat 28 Feb.
# 国庆节: off Thu 1 – Wed 7 Oct, 中秋节 Fri 25 – Sun 27 Sep; make-up Sun 20 Sep and Sat 10 Oct.
HOLIDAYS_2026 = [
    # Thu 12 Feb + 3: Fri 13 (1), Sat 14 make-up (2), 15–23 off, Tue 24 (3).
    ("2026-02-12 15:00", 3, "2026-02-24"),
    # Mon 23 Feb (last holiday day) + 5: Tue 24 (1) … Fri 27 (4), Sat 28 make-up (5).
    ("2026-02-23 10:00", 5, "2026-02-28"),
    # Fri 18 Sep + 1: Sat 19 off, Sun 20 make-up (1).
    ("2026-09-18 16:00", 1, "2026-09-20"),
    # Wed 30 Sep + 4: 1–7 Oct off, Thu 8 (1), Fri 9 (2), Sat 10 make-up (3), Sun 11 off, Mon 12 (4).
    ("2026-09-30 11:00", 4, "2026-10-12"),
]


@pytest.mark.parametrize(("start", "days", "due"), SPRING_FESTIVAL_2025 + NATIONAL_DAY_2025 + HOLIDAYS_2026)
def test_deadline_counts_holidays_and_make_up_working_days(seeded, start, days, due):
    assert add_working_days(at(start), days) == end_of(due)


def test_deadline_is_the_end_of_the_day_in_beijing_time(seeded):
    # 2025-01-26 16:30 UTC is Mon 27 Jan 00:30 in Beijing: the count starts on 28 Jan, so day 1 is
    # Wed 5 Feb (reading the UTC date, Sun 26, would wrongly give Mon 27 Jan).
    due = add_working_days(datetime(2025, 1, 26, 16, 30, tzinfo=ZoneInfo("UTC")), 1)
    assert due == end_of("2025-02-05")
    assert due.tzinfo == BJ and due.isoformat() == "2025-02-05T23:59:59.999999+08:00"
    assert at("2025-02-05 23:59") < due < at("2025-02-06 00:00")
    with pytest.raises(ValueError):
        add_working_days(datetime(2025, 1, 27, 9, 0), 1)  # naive: which day is it?
    with pytest.raises(ValueError):
        add_working_days(at("2025-01-27 09:00"), -1)


def test_single_days_and_next_workday(seeded):
    assert not is_workday(date(2025, 1, 28))  # 除夕, a Tuesday
    assert is_workday(date(2025, 1, 26))  # make-up Sunday
    assert is_workday(date(2025, 10, 11))  # make-up Saturday
    assert not is_workday(date(2025, 10, 12))  # an ordinary Sunday
    assert next_workday(date(2025, 9, 30)) == date(2025, 10, 9)
    assert next_workday(date(2026, 2, 13)) == date(2026, 2, 14)


def test_seeded_calendar_agrees_with_chinesecalendar_on_every_day(seeded):
    calendar = calendar_load()
    day = date(2025, 1, 1)
    while day.year < 2027:
        assert calendar.is_workday(day) == chinese_calendar.is_workday(day), day
        day += timedelta(days=1)
    assert CalendarDay.objects.get(date=date(2025, 1, 26)).name == "调休上班（春节）"
    assert CalendarDay.objects.get(date=date(2025, 10, 1)).name == "国庆节"


def test_pause_for_correction_over_national_day_continues_the_count(seeded):
    accepted = at("2025-09-19 10:00")  # Fri, 10 working days
    # Without a pause: 22–26 Sep (5), Sun 28 (6), 29–30 (8), Oct 9–10 (10).
    assert add_working_days(accepted, 10) == end_of("2025-10-10")
    # Paused for correction (补正) on Fri 26 Sep: 22, 23, 24, 25, 26 have elapsed.
    paused = at("2025-09-26 15:00")
    elapsed = working_days_between(accepted, paused)
    assert elapsed == 5
    # The applicant corrects during the holiday; the case resumes on Thu 9 Oct. The working days of
    # the pause (Sun 28 Sep, 29, 30, Thu 9 Oct) do not count.
    resumed = at("2025-10-09 09:00")
    assert working_days_between(paused, resumed) == 4
    # The remaining 5 continue the day after: Fri 10 (1), Sat 11 make-up (2), 13 (3), 14 (4), 15 (5).
    assert add_working_days(resumed, 10 - elapsed) == end_of("2025-10-15")
    assert working_days_between(resumed, paused) == 0  # never negative


def test_a_pause_that_takes_no_time_changes_no_deadline(seeded):
    calendar = calendar_load()
    start = at("2025-01-15 10:00")
    for offset in range(30):
        accepted = start + timedelta(days=offset)
        for days in (1, 3, 5, 10):
            due = calendar.add_working_days(accepted, days)
            paused = accepted
            while paused <= due:
                elapsed = calendar.working_days_between(accepted, paused)
                assert calendar.add_working_days(paused, days - elapsed) == due, (accepted, days, paused)
                paused += timedelta(days=1)


def test_a_computation_costs_one_query_and_sees_edits_at_once(seeded, sysadmin, django_assert_num_queries):
    start = at("2025-09-26 09:30")
    with django_assert_num_queries(2):  # the years' revisions, then the changed years' days
        assert add_working_days(start, 5) == end_of("2025-10-10")
    with django_assert_num_queries(1):  # cached: only the revisions
        assert add_working_days(start, 5) == end_of("2025-10-10")
    # A correction by the administrator: Thu 9 Oct becomes a day off.
    calendar_day_set(actor=sysadmin, day=date(2025, 10, 9), is_workday=False, name="国庆节（更正）")
    with django_assert_num_queries(2):
        assert add_working_days(start, 5) == end_of("2025-10-11")


# --- A year with no calendar ---------------------------------------------------------------------


def test_a_year_with_no_calendar_counts_weekdays_and_is_recorded(seeded, time_machine, caplog):
    time_machine.move_to("2026-12-28 10:00:00+08:00", tick=False)
    assert not CalendarGap.objects.exists()
    # Mon 28 Dec 2026 + 5: 29 (1), 30 (2), 31 (3), Fri 1 Jan 2027 counted as a weekday (4), Mon 4 (5).
    assert add_working_days(at("2026-12-28 10:00"), 5) == end_of("2027-01-04")
    gap = CalendarGap.objects.get()
    assert (gap.year, gap.times, gap.first_needed_at, gap.resolved_at) == (2027, 1, at("2026-12-28 10:00"), None)
    assert "No working-day calendar for 2027" in caplog.text
    assert AuditEvent.objects.filter(action="calendar.gap_open", target_id=str(gap.pk)).count() == 1

    time_machine.move_to("2026-12-29 08:00:00+08:00", tick=False)
    assert working_days_between(at("2026-12-28 10:00"), at("2027-01-08 10:00")) == 9
    gap.refresh_from_db()
    assert (gap.times, gap.last_needed_at) == (2, at("2026-12-29 08:00"))
    # A deadline inside covered years leaves the gap alone.
    add_working_days(at("2026-12-01 10:00"), 5)
    assert CalendarGap.objects.get().times == 2


def test_a_failing_gap_record_does_not_break_the_deadline(seeded, monkeypatch, caplog):
    def broken(year):
        raise DatabaseError("read-only connection")

    monkeypatch.setattr(workdays, "_gap_upsert", broken)
    assert add_working_days(at("2026-12-28 10:00"), 5) == end_of("2027-01-04")
    assert "Could not record the working-day calendar gap of 2027" in caplog.text
    assert CalendarYear.objects.count() == 2  # the connection still works


def test_the_admin_index_warns_system_administrators(seeded, sysadmin, client):
    login(client, "admin")
    assert b"calendar-gap-warning" not in client.get("/admin/").content
    add_working_days(at("2026-12-28 10:00"), 5)
    page = client.get("/admin/").content.decode()
    assert 'id="calendar-gap-warning"' in page and "2027" in page
    assert "/admin/core/calendaryear/import/?year=2027" in page


def test_importing_the_notice_resolves_the_gap_and_moves_the_deadline(seeded, sysadmin, client, time_machine):
    time_machine.move_to("2026-12-01 10:00:00+08:00", tick=False)
    start = at("2026-12-28 10:00")
    assert add_working_days(start, 5) == end_of("2027-01-04")
    year = calendar_import_notice(
        actor=sysadmin,
        year=2027,
        notice="国办发明电〔2026〕X号 (test)",
        holidays=[("元旦", date(2027, 1, 1), date(2027, 1, 3)), ("春节", date(2027, 2, 6), date(2027, 2, 14))],
        workdays=[("调休上班", date(2027, 2, 20))],
    )
    assert (year.source, year.loaded_by, year.days.count()) == (CalendarYear.Source.IMPORTED, sysadmin, 13)
    assert CalendarGap.objects.get(year=2027).resolved_at == at("2026-12-01 10:00")
    # 29 (1), 30 (2), 31 (3), 1–3 Jan 元旦 off, Mon 4 (4), Tue 5 (5).
    assert add_working_days(start, 5) == end_of("2027-01-05")
    # Fri 5 Feb 2027 + 2: 6–14 off, Mon 15 (1), Tue 16 (2); + 6: … Fri 19 (5), Sat 20 make-up (6).
    assert add_working_days(at("2027-02-05 10:00"), 2) == end_of("2027-02-16")
    assert add_working_days(at("2027-02-05 10:00"), 6) == end_of("2027-02-20")
    event = AuditEvent.objects.filter(action="calendar.import").latest("seq")
    assert event.actor_label == "admin" and event.summary["gap_resolved"] is True
    assert event.summary["workdays"] == ["2027-02-20"]
    login(client, "admin")
    assert b"calendar-gap-warning" not in client.get("/admin/").content


# --- Importing a notice --------------------------------------------------------------------------


def test_csv_import_reads_ranges_aliases_comments_and_excel_dates(db):
    year = calendar_import_csv(actor=None, year=2027, notice="国办发明电〔2026〕X号", text=NOTICE_2027_CSV)
    days = {d.date: (d.is_workday, d.name) for d in year.days.all()}
    assert len(days) == 13
    assert days[date(2027, 2, 10)] == (False, "春节")
    assert days[date(2027, 2, 20)] == (True, "调休上班")
    assert year.source == CalendarYear.Source.IMPORTED


GOOD_ROWS = "date,type,name\n2027-01-01..2027-01-03,holiday,元旦\n"


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ("2027-02-30,holiday,春节", "is not a date"),
        ("2027.02.06,holiday,春节", "is not a date"),
        ("2027-02-06,rest,春节", "The type is holiday"),
        ("2026-12-31,holiday,元旦", "2026-12-31 is not in 2027"),
        ("2027-12-31..2028-01-02,holiday,元旦", "2028-01-02 is not in 2027"),
        ("2027-02-08,workday,调休上班", "is a weekday"),
        ("2027-01-02,workday,调休上班", "also given in row 2"),
        ("2027-02-13..2027-02-06,holiday,春节", "ends before it starts"),
        ("2027-02-01..2027-03-15,holiday,春节", "surely a mistake"),
        ("2027-02-20..2027-02-21,workday,调休上班", "one date, not a range"),
        ("2027-02-06,holiday,", "Give the name"),
        ("2027-02-06,holiday", "three columns"),
    ],
)
def test_each_bad_row_is_reported_and_nothing_is_written(db, row, problem):
    before = AuditEvent.objects.count()
    with translation.override("en"), pytest.raises(ApplicationError) as exc:
        calendar_import_csv(actor=None, year=2027, notice="国办发明电〔2026〕X号", text=GOOD_ROWS + row + "\n")
    assert exc.value.code == "calendar_import_invalid"
    assert list(exc.value.field_errors) == ["row:3"]
    assert problem in exc.value.field_errors["row:3"][0]
    assert not CalendarYear.objects.exists() and not CalendarDay.objects.exists()
    assert AuditEvent.objects.count() == before


def test_a_bad_file_leaves_the_loaded_year_as_it_was(db):
    calendar_import_csv(actor=None, year=2027, notice="first", text=NOTICE_2027_CSV)
    revision = CalendarYear.objects.get().revision
    bad = NOTICE_2027_CSV + "2027-13-01,holiday,x\n2027-03-01,workday,调休上班\n"
    with pytest.raises(ApplicationError) as exc:
        calendar_import_csv(actor=None, year=2027, notice="second", text=bad)
    assert sorted(exc.value.field_errors) == ["row:7", "row:8"]
    year = CalendarYear.objects.get()
    assert (year.notice, year.revision, year.days.count()) == ("first", revision, 13)


def test_whole_notice_errors(db):
    with pytest.raises(ApplicationError) as exc:
        calendar_import_csv(actor=None, year=2027, notice=" ", text="date,type,name\n")
    assert sorted(exc.value.field_errors) == ["notice"]
    with pytest.raises(ApplicationError) as exc:
        calendar_import_csv(actor=None, year=2027, notice="n", text="2027-02-20,workday,调休上班\n")
    assert sorted(exc.value.field_errors) == ["text"]  # no holiday at all
    with pytest.raises(ApplicationError) as exc:
        calendar_import_notice(
            actor=None,
            year=2027,
            notice="n",
            holidays=[("元旦", date(2027, 1, 1), date(2027, 1, 3)), ("", date(2027, 2, 6), date(2027, 2, 6))],
            workdays=[("调休上班", date(2027, 1, 1)), ("调休上班", date(2027, 2, 8))],
        )
    assert sorted(exc.value.field_errors) == ["holidays:1", "workdays:0", "workdays:1"]
    assert not CalendarYear.objects.exists()


# --- Seeding -------------------------------------------------------------------------------------


def test_seeding_is_idempotent_and_keeps_what_administrators_loaded(db):
    years = library_years()
    assert years[0] <= 2025 and years[-1] == 2026 and 2027 not in years  # chinesecalendar 1.11
    notice_2026 = "2026-01-01..2026-01-03,holiday,元旦\n2026-01-04,workday,调休上班\n"
    calendar_import_csv(actor=None, year=2026, notice="国办发明电〔2025〕7号", text=notice_2026)
    imported = CalendarYear.objects.get(year=2026).revision
    seeded = calendar_seed_from_library(actor=None)
    assert seeded == [y for y in years if y != 2026]
    assert CalendarYear.objects.get(year=2026).revision == imported
    events = AuditEvent.objects.count()
    revisions = dict(CalendarYear.objects.values_list("year", "revision"))
    assert calendar_seed_from_library(actor=None) == []
    assert dict(CalendarYear.objects.values_list("year", "revision")) == revisions
    assert AuditEvent.objects.count() == events
    assert calendar_seed_from_library(actor=None, years=[2027]) == []


def test_seeding_keeps_a_year_edited_by_hand(seeded, sysadmin):
    calendar_day_set(actor=sysadmin, day=date(2025, 10, 9), is_workday=False, name="国庆节（更正）")
    assert CalendarYear.objects.get(year=2025).source == CalendarYear.Source.MANUAL
    assert calendar_seed_from_library(actor=None, years=[2025, 2026]) == []
    assert not CalendarDay.objects.get(date=date(2025, 10, 9)).is_workday


def test_seed_calendar_command_reports_seeded_and_skipped_years(db):
    out = StringIO()
    call_command("seed_calendar", "2024", "2025", "2027", stdout=out)
    assert "Seeded: 2024-2025" in out.getvalue()
    assert "2027 (not in chinesecalendar" in out.getvalue()
    out = StringIO()
    call_command("seed_calendar", "2024", "2025", stdout=out)
    assert "Seeded: none" in out.getvalue() and "2024-2025 (unchanged)" in out.getvalue()


def test_single_day_edits_keep_the_rules(seeded, sysadmin):
    with pytest.raises(ApplicationError) as exc:
        calendar_day_set(actor=sysadmin, day=date(2025, 3, 3), is_workday=True, name="调休上班")
    assert list(exc.value.field_errors) == ["is_workday"]  # a Monday is a working day already
    with pytest.raises(ApplicationError) as exc:
        calendar_day_set(actor=sysadmin, day=date(2027, 3, 6), is_workday=True, name="调休上班")
    assert list(exc.value.field_errors) == ["date"]  # 2027 is not loaded
    day = calendar_day_set(actor=sysadmin, day=date(2025, 3, 8), is_workday=True, name="调休上班")
    assert is_workday(date(2025, 3, 8))
    event = AuditEvent.objects.filter(action="calendar.day_set").latest("seq")
    assert event.target_id == str(day.pk) and event.summary["before"] is None


# --- Admin pages ---------------------------------------------------------------------------------


def test_only_system_administrators_reach_the_import_page(citizen, client):
    response = client.get("/admin/core/calendaryear/import/")
    assert response.status_code == 302 and response.url.startswith("/admin/login/")
    login(client, "citizen")
    response = client.post("/admin/core/calendaryear/import/", {"year": 2027, "notice": "x", "text": NOTICE_2027_CSV})
    assert response.status_code == 302 and response.url.startswith("/admin/login/")
    assert not CalendarYear.objects.exists()


def test_admin_import_shows_row_errors_then_imports(sysadmin, client):
    login(client, "admin")
    assert client.get("/admin/core/calendaryear/import/?year=2027").status_code == 200
    bad = NOTICE_2027_CSV + "2027-02-08,workday,调休上班\n"
    response = client.post("/admin/core/calendaryear/import/", {"year": 2027, "notice": "国办", "text": bad})
    assert response.status_code == 200
    assert response.context["row_errors"][0][0] == 7
    assert 'id="calendar-row-errors"' in response.content.decode()
    assert not CalendarYear.objects.exists()
    upload = SimpleUploadedFile("2027.csv", NOTICE_2027_CSV.encode("gb18030"), content_type="text/csv")
    response = client.post("/admin/core/calendaryear/import/", {"year": 2027, "notice": "国办", "file": upload})
    year = CalendarYear.objects.get(year=2027)
    assert response.status_code == 302 and response.url == f"/admin/core/calendaryear/{year.pk}/change/"
    assert year.days.count() == 13 and year.loaded_by == sysadmin
    assert AuditEvent.objects.filter(action="calendar.import", source_ip="127.0.0.1").exists()
    for url in [
        "/admin/core/calendaryear/",
        f"/admin/core/calendaryear/{year.pk}/change/",
        "/admin/core/calendarday/?year__id__exact=" + str(year.pk),
        "/admin/core/calendargap/",
    ]:
        assert client.get(url).status_code == 200, url


def test_admin_day_edit_goes_through_the_service(seeded, sysadmin, client):
    login(client, "admin")
    refused = client.post(
        "/admin/core/calendarday/add/", {"date": "2025-03-03", "is_workday": "on", "name": "调休上班"}
    )
    assert refused.status_code == 200 and refused.context["adminform"].form.errors
    response = client.post(
        "/admin/core/calendarday/add/", {"date": "2025-03-08", "is_workday": "on", "name": "调休上班"}
    )
    assert response.status_code == 302
    assert CalendarDay.objects.get(date=date(2025, 3, 8)).is_workday
    assert CalendarYear.objects.get(year=2025).source == CalendarYear.Source.MANUAL
    assert AuditEvent.objects.filter(action="calendar.day_set").count() == 1
    assert not AuditEvent.objects.filter(action="admin.add").exists()
    day = CalendarDay.objects.get(date=date(2025, 3, 8))
    client.post(f"/admin/core/calendarday/{day.pk}/delete/", {"post": "yes"})
    assert not CalendarDay.objects.filter(date=date(2025, 3, 8)).exists()
    assert not is_workday(date(2025, 3, 8))
    assert AuditEvent.objects.filter(action="calendar.day_remove").count() == 1

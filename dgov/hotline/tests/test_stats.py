"""Hotline statistics against a hand-built month: every figure is worked out by hand in the
comments and checked for the whole hotline and for 城管's slice; the page, its permissions and the
workbook."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from dgov.accounts.models import Department, Region, User
from dgov.core.workdays import CALENDAR_TZ
from dgov.hotline import stats
from dgov.hotline.models import Category, Ticket
from dgov.hotline.tests.conftest import make_handler
from dgov.ratings.models import Rating

pytestmark = pytest.mark.django_db

S, R, T, C = Ticket.Status, Ticket.Resolution, Ticket.Type, Ticket.Channel
START, END = date(2026, 3, 1), date(2026, 3, 31)
# A Friday: the week of the hotspots runs from Monday 16 to Friday 20 March.
NOW = datetime(2026, 3, 20, 12, 0, tzinfo=CALENDAR_TZ)
QL, WH, XH, JN = (
    "440704004005",
    "440704004000",
    "440704005201",
    "440704001000",
)  # 清兰社区 (外海), 外海, 新华村 (礼乐), 江南


def at(day: int, hour: int = 10, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=CALENDAR_TZ)


def due(day: int, month: int = 3) -> datetime:
    """End of the day, as deadlines are."""
    return datetime(2026, month, day, 23, 59, 59, tzinfo=CALENDAR_TZ)


# n, created, type, channel, category, department, place, status, resolution, sign due, signed, reply due, replied
ROWS = [
    (1, at(2), T.CONSULT, C.PHONE, "110202", "cgj", QL, S.CLOSED, R.CALLBACK, due(3), at(3, 9), due(5), at(4)),
    (2, at(2), T.COMPLAINT, C.SITE, "110202", "cgj", WH, S.REPLIED, R.NONE, due(2), at(4), due(10), at(12)),
    (3, at(9), T.HELP, C.MOBILE, "110101", "cgj", XH, S.DISPATCHED, R.NONE, due(10), None, due(16), None),
    (4, at(5), T.CONSULT, C.PHONE, "160101", "scjg", None, S.CLOSED, R.FIRST_CONTACT, None, None, None, at(5)),
    (5, at(6), T.CONSULT, C.PHONE, "160101", "scjg", JN, S.CLOSED, R.CALLBACK, due(9), at(6, 15), due(11), at(10)),
    (6, at(10), T.REPORT, C.BOARD, None, None, JN, S.REGISTERED, R.NONE, None, None, None, None),
    # February: outside the period.
    (7, at(20, month=2), T.HELP, C.PHONE, "110202", "cgj", QL, S.CLOSED, R.CALLBACK, None, None, None, None),
    # Merged into another ticket: counted in the volumes, left out of the timeliness.
    (8, at(11), T.HELP, C.PHONE, "110202", "cgj", QL, S.MERGED, R.NONE, due(12), None, due(18), None),
    (9, at(17), T.SUGGESTION, C.SITE, "110101", "cgj", QL, S.DISPATCHED, R.NONE, due(25), None, due(31), None),
    (10, at(18), T.HELP, C.PHONE, "110101", "cgj", QL, S.HANDLING, R.NONE, due(19), at(18, 16), due(24), None),
    (11, at(19), T.HELP, C.MOBILE, "110101", None, QL, S.REGISTERED, R.NONE, None, None, None, None),
    (12, at(19), T.COMPLAINT, C.PHONE, "110202", "cgj", WH, S.HANDLING, R.NONE, due(19), at(19, 15), due(8, 4), None),
    # Sunday of the week before: not a hotspot of this week.
    (13, at(15), T.CONSULT, C.PHONE, "110202", "cgj", QL, S.CLOSED, R.CALLBACK, due(16), at(16, 8), due(18), at(17)),
]


@pytest.fixture
def month(hotline: None, citizen: User) -> dict[int, Ticket]:
    """The tickets of ROWS and five ratings (three counted)."""
    regions = {r.code: r for r in Region.objects.filter(code__in=[QL, WH, XH, JN])}
    categories = {c.code: c for c in Category.objects.filter(code__in=["110202", "110101", "160101"])}
    departments = {d.code: d for d in Department.objects.filter(code__in=["cgj", "scjg"])}
    tickets = {}
    for n, created, type_, channel, cat, dept, place, status, resolution, sign_due, signed, reply_due, replied in ROWS:
        tickets[n] = Ticket.objects.create(
            number=f"TEST{n:04d}",
            channel=channel,
            type=type_,
            title=f"工单{n}",
            description="统计测试",
            category=categories.get(cat or ""),
            department=departments.get(dept or ""),
            region=regions.get(place or ""),
            status=status,
            resolution=resolution,
            created_at=created,
            updated_at=created,
            dispatched_at=created if sign_due else None,
            sign_due_at=sign_due,
            signed_at=signed,
            due_at=reply_due,
            replied_at=replied,
            closed_at=replied if status == S.CLOSED else None,
        )
    ticket_type = ContentType.objects.get_for_model(Ticket)
    cgj, scjg = departments["cgj"], departments["scjg"]

    def rate(
        thing_type: ContentType, pk: int, level: int, department: Department, when: datetime, **kw: object
    ) -> None:
        Rating.objects.create(
            rated_type=thing_type,
            rated_id=pk,
            rater=citizen,
            department=department,
            channel="phone",
            service_channel="hotline",
            level=level,
            created_at=when,
            **kw,
        )

    rate(ticket_type, tickets[1].pk, 5, cgj, at(6))
    rate(ticket_type, tickets[2].pk, 2, cgj, at(13))
    rate(ticket_type, tickets[5].pk, 3, scjg, at(12))
    # Excluded as malicious, given in February, and a rating of something that is not a ticket.
    rate(ticket_type, tickets[3].pk, 1, cgj, at(14), excluded_at=at(15))
    rate(ticket_type, tickets[7].pk, 4, cgj, at(25, month=2))
    rate(ContentType.objects.get_for_model(Category), categories["110202"].pk, 1, cgj, at(10))
    return tickets


@pytest.fixture
def dispatcher_user(jianghai: None) -> User:
    return User.objects.get(username="dispatcher")


@pytest.fixture
def cgj_handler(jianghai: None) -> User:
    return User.objects.get(username="handler")


def counts(rows: list[dict]) -> list[tuple[str, int]]:
    return [(r["key"], r["count"]) for r in rows]


def test_volumes_for_the_whole_hotline(month, dispatcher_user):
    u = dispatcher_user
    # 13 rows, ticket 7 in February: 12.
    assert stats.total(u, START, END) == 12
    # consult 1,4,5,13; help 3,8,10,11; complaint 2,12; report 6; suggestion 9.
    assert counts(stats.by_type(u, START, END)) == [
        ("consult", 4),
        ("help", 4),
        ("complaint", 2),
        ("report", 1),
        ("suggestion", 1),
    ]
    # phone 1,4,5,8,10,12,13; mobile 3,11; site 2,9; board 6.
    assert counts(stats.by_channel(u, START, END)) == [("phone", 7), ("mobile", 2), ("site", 2), ("board", 1)]
    # 路灯 1,2,8,12,13; 垃圾 3,9,10,11; 食品 4,5; unclassified 6.
    assert counts(stats.by_category_leaf(u, START, END)) == [("110202", 5), ("110101", 4), ("160101", 2), ("", 1)]
    assert counts(stats.by_category_top(u, START, END)) == [("110000", 9), ("160000", 2), ("", 1)]
    # 城管 1,2,3,8,9,10,12,13; 市场监管 4,5; none 6,11.
    assert counts(stats.by_department(u, START, END)) == [("cgj", 8), ("scjg", 2), ("", 2)]
    # 外海: 清兰社区 1,8,9,10,11,13 and 外海 itself 2,12; 江南 5,6; 礼乐 (新华村) 3; unknown 4.
    assert counts(stats.by_subdistrict(u, START, END)) == [
        ("440704004000", 8),
        ("440704001000", 2),
        ("440704005000", 1),
        ("", 1),
    ]
    department = stats.by_department(u, START, END)
    assert department[0]["label"] == Department.objects.get(code="cgj").label
    # 8 of 12.
    assert department[0]["share"] == Decimal("66.7")
    subdistricts = stats.by_subdistrict(u, START, END)
    assert subdistricts[0]["label"] == "外海街道"


def test_timeliness_and_first_contact_for_the_whole_hotline(month, dispatcher_user):
    u = dispatcher_user
    # Sign-for: on time 1,5,10,12,13; late 2 (signed late) and 3 (waiting, past due); 9 not yet due;
    # 8 merged, 4/6/11 never dispatched. 5 of 7.
    sign = stats.sign_timeliness(u, START, END, now=NOW)
    assert (sign["on_time"], sign["late_done"], sign["late_open"], sign["pending"]) == (5, 1, 1, 1)
    assert sign["total"] == 7 and sign["rate"] == Decimal("71.4")
    # Reply: on time 1,5,13; late 2 (replied late) and 3 (open past due); 9,10,12 not yet due. 3 of 5.
    reply = stats.reply_timeliness(u, START, END, now=NOW)
    assert (reply["on_time"], reply["late_done"], reply["late_open"], reply["pending"]) == (3, 1, 1, 3)
    assert reply["total"] == 5 and reply["rate"] == Decimal("60.0")
    # Closed enquiries 1,4,5,13; answered on the call: 4. 1 of 4.
    assert stats.first_contact(u, START, END) == {"resolved": 1, "closed": 4, "rate": Decimal("25.0")}


def test_satisfaction_counts_ticket_ratings_of_the_period_not_excluded(month, dispatcher_user):
    # Levels 5 (ticket 1), 2 (ticket 2), 3 (ticket 5): 2 good of 3.
    assert stats.satisfaction(dispatcher_user, START, END) == {
        "count": 3,
        "good": 2,
        "bad": 1,
        "share": Decimal("66.7"),
        "score": Decimal("6.7"),
        "mean": Decimal("3.33"),
    }


def test_hotspots_of_the_week(month, dispatcher_user):
    week = stats.week_to_date(NOW.date())
    assert week == (date(2026, 3, 16), date(2026, 3, 20))
    # 清兰社区 × 垃圾: 9, 10, 11; 外海 × 路灯: 12; ticket 13 was on Sunday 15th.
    spots = stats.hotspots(dispatcher_user, *week)
    assert [(s["place_code"], s["category_code"], s["count"]) for s in spots] == [
        (QL, "110101", 3),
        (WH, "110202", 1),
    ]
    assert spots[0]["place"] == "外海街道 · 清兰社区" and spots[1]["place"] == "外海街道"
    assert spots[0]["category"] == Category.objects.get(code="110101").label
    assert stats.hotspots(dispatcher_user, *week, limit=1) == spots[:1]


def test_a_department_sees_its_own_slice(month, cgj_handler):
    u = cgj_handler
    assert stats.scope_departments(u) == [Department.objects.get(code="cgj").pk]
    assert stats.total(u, START, END) == 8
    assert counts(stats.by_department(u, START, END)) == [("cgj", 8)]
    # consult 1,13; help 3,8,10; complaint 2,12; suggestion 9.
    assert counts(stats.by_type(u, START, END)) == [("help", 3), ("complaint", 2), ("consult", 2), ("suggestion", 1)]
    assert counts(stats.by_category_top(u, START, END)) == [("110000", 8)]
    # Sign: on time 1,10,12,13; late 2,3. Reply: on time 1,13; late 2,3.
    sign = stats.sign_timeliness(u, START, END, now=NOW)
    assert (sign["on_time"], sign["total"], sign["rate"]) == (4, 6, Decimal("66.7"))
    reply = stats.reply_timeliness(u, START, END, now=NOW)
    assert (reply["on_time"], reply["total"], reply["rate"]) == (2, 4, Decimal("50.0"))
    assert stats.first_contact(u, START, END) == {"resolved": 0, "closed": 2, "rate": Decimal("0.0")}
    # Levels 5 and 2.
    sat = stats.satisfaction(u, START, END)
    assert (sat["count"], sat["good"], sat["share"], sat["score"], sat["mean"]) == (
        2,
        1,
        Decimal("50.0"),
        Decimal("5.0"),
        Decimal("3.50"),
    )
    # Ticket 11 has no department yet.
    spots = stats.hotspots(u, date(2026, 3, 16), date(2026, 3, 20))
    assert [(s["place_code"], s["category_code"], s["count"]) for s in spots] == [(QL, "110101", 2), (WH, "110202", 1)]


def test_another_department_and_people_without_a_role_see_nothing_of_it(month, citizen):
    other = make_handler("wjj-handler", "wjj")
    for user in (other, citizen):
        assert stats.total(user, START, END) == 0
        assert stats.satisfaction(user, START, END)["count"] == 0
        assert stats.sign_timeliness(user, START, END, now=NOW)["rate"] is None
    scjg_only = make_handler("scjg-handler", "scjg")
    assert counts(stats.by_department(scjg_only, START, END)) == [("scjg", 2)]
    assert stats.satisfaction(scjg_only, START, END)["score"] == Decimal("10.0")


def test_empty_period_gives_zeros_and_no_rates(month, dispatcher_user):
    day = date(2026, 1, 5)
    assert stats.total(dispatcher_user, day, day) == 0
    assert stats.by_type(dispatcher_user, day, day) == []
    assert stats.first_contact(dispatcher_user, day, day) == {"resolved": 0, "closed": 0, "rate": None}
    assert stats.satisfaction(dispatcher_user, day, day)["score"] is None


def test_period_bounds_are_beijing_days(month, dispatcher_user):
    # Ticket 12 was registered on the 19th at 10:00 Beijing time: in [19, 19], not in [20, 20].
    assert stats.total(dispatcher_user, date(2026, 3, 19), date(2026, 3, 19)) == 2
    since, until = stats.bounds(date(2026, 3, 19), date(2026, 3, 19))
    assert until - since == timedelta(days=1) and since.utcoffset() == timedelta(hours=8)
    assert stats.month_to_date(date(2026, 3, 20)) == (date(2026, 3, 1), date(2026, 3, 20))


def test_category_tree_counts_sum_leaves_into_their_classes(month, dispatcher_user, cgj_handler):
    # All time: 路灯 1,2,7,8,12,13; 垃圾 3,9,10,11; 食品 4,5.
    all_counts = stats.tickets_per_category(dispatcher_user)
    assert all_counts["110202"] == 6 and all_counts["110101"] == 4 and all_counts["110200"] == 6
    assert all_counts["110000"] == 10 and all_counts["160000"] == 2
    assert stats.tickets_per_category(cgj_handler)["110101"] == 3  # 11 has no department


# --- The page and the workbook ---------------------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_stats_page_shows_each_figure_and_the_slice(month, login, dispatcher_user, cgj_handler):
    response = login(dispatcher_user).get(reverse("hotline:stats"))
    assert response.status_code == 200
    data = response.context["data"]
    # Default period: 1 to 20 March.
    assert (data["start"], data["end"]) == (date(2026, 3, 1), date(2026, 3, 20))
    assert data["total"] == 12 and data["sign"]["rate"] == Decimal("71.4")
    assert [(h["place_code"], h["count"]) for h in data["hotspots"]] == [(QL, 3), (WH, 1)]
    html = response.content.decode()
    for name in stats.BREAKDOWNS:
        assert f'data-table="{name}"' in html and f'data-series="{name}"' in html
    assert 'data-table="hotspots"' in html and 'id="hotline-stats-data"' in html
    assert "hotline/stats.js" in html
    mine = login(cgj_handler).get(reverse("hotline:stats"), {"start": "2026-03-01", "end": "2026-03-31"})
    assert mine.status_code == 200 and mine.context["data"]["total"] == 8
    assert [r["key"] for r in mine.context["data"]["department"]] == ["cgj"]


def test_stats_page_refuses_people_without_the_hotline_role(month, login, citizen, approver, client):
    url = reverse("hotline:stats")
    assert login(citizen).get(url).status_code == 403
    assert login(approver).get(url).status_code == 403
    assert login(approver).get(reverse("hotline:stats_export")).status_code == 403
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]


def test_stats_page_bad_period_is_refused_with_field_errors(month, login, dispatcher_user):
    client = login(dispatcher_user)
    response = client.get(reverse("hotline:stats"), {"start": "2026-03-31", "end": "2026-03-01"})
    assert response.status_code == 400 and "end" in response.context["form"].errors
    response = client.get(reverse("hotline:stats"), {"start": "yesterday", "end": "2026-03-01"})
    assert response.status_code == 400 and "start" in response.context["form"].errors
    response = client.get(reverse("hotline:stats"), {"start": "2020-01-01", "end": "2026-03-01"})
    assert response.status_code == 400 and "end" in response.context["form"].errors
    export = client.get(reverse("hotline:stats_export"), {"start": "2026-03-31", "end": "2026-03-01"})
    assert export.status_code == 400


@time_machine.travel(NOW, tick=False)
def test_export_opens_with_openpyxl_and_has_a_sheet_per_breakdown(month, login, dispatcher_user, cgj_handler):
    with translation.override("en"):
        response = login(dispatcher_user).get(
            reverse("hotline:stats_export"),
            {"start": "2026-03-01", "end": "2026-03-31"},
            HTTP_ACCEPT_LANGUAGE="en",
        )
        titles = stats.sheet_titles()
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert 'filename="hotline-20260301-20260331.xlsx"' in response["Content-Disposition"]
    book = load_workbook(BytesIO(response.content))
    assert book.sheetnames == titles and len(titles) == 2 + len(stats.BREAKDOWNS)
    department_sheet = book[titles[1 + stats.BREAKDOWNS.index("department")]]
    rows = list(department_sheet.iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[2]) for r in rows] == [("cgj", 8), ("scjg", 2), (None, 2)]
    summary = {r[0]: r[1] for r in book[titles[0]].iter_rows(values_only=True)}
    assert 12 in summary.values()
    hotspots = list(book[titles[-1]].iter_rows(min_row=2, values_only=True))
    assert [h[2] for h in hotspots] == [3, 1]

    slice_book = load_workbook(
        BytesIO(
            login(cgj_handler)
            .get(reverse("hotline:stats_export"), {"start": "2026-03-01", "end": "2026-03-31"})
            .content
        )
    )
    sheet = slice_book.worksheets[1 + stats.BREAKDOWNS.index("department")]
    assert [r[2] for r in sheet.iter_rows(min_row=2, values_only=True)] == [8]


def test_workbook_keeps_formula_like_text_as_text(month, dispatcher_user):
    data = stats.report(dispatcher_user, START, END, now=NOW)
    data["department"] = [{"key": "x", "label": '=HYPERLINK("http://example.com")', "count": 1, "share": None}]
    book = load_workbook(BytesIO(stats.workbook(data)))
    cell = book.worksheets[1 + stats.BREAKDOWNS.index("department")]["B2"]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")


def test_report_query_count_does_not_grow_with_the_data(month, django_assert_max_num_queries):
    # One query per figure and per set of labels, and the reader's scope once.
    with django_assert_max_num_queries(25):
        stats.report(User.objects.get(username="dispatcher"), START, END, now=NOW)
    with django_assert_max_num_queries(25):
        stats.report(User.objects.get(username="handler"), START, END, now=NOW)

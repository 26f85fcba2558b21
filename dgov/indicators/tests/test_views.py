"""The indicator pages: who sees which scope, the dashboard's figures and sources, the drill-down
and its export, the Table 1 exports, and the data officer's forms.

Pages are in Chinese by default, so these tests read numbers and ``data-*`` attributes."""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from dgov.indicators import services
from dgov.indicators.models import Indicator, ReportedValue, Snapshot
from dgov.indicators.tests.conftest import (
    BY_DEPARTMENT,
    DEPARTMENTS,
    EXE,
    JIANGNAN,
    PDF,
    SUBDISTRICTS,
    TODAY,
    at,
    item,
    rating,
    report,
    upload,
)

pytestmark = pytest.mark.usefixtures("jianghai", "frozen")

DASHBOARD = "/indicators/"


@pytest.fixture
def board(data_officer):
    """Today's snapshot of: 全程网办率 over four items (市场监管 A at depth 4 and B at depth 1, 民政 C and
    江南街道 D at depth 4), two ratings of 市场监管 this year (5 and 2), and a reported 45 open datasets."""
    item("A", "scjg", online_depth=4)
    item("B", "scjg", online_depth=1)
    item("C", "mzj", online_depth=4)
    item("D", "jnjd", online_depth=4)
    rating(5, "scjg", at("2025-03-01 10:00"))
    rating(2, "scjg", at("2025-04-01 10:00"))
    reported = report("open_datasets", data_officer, as_of=date(2025, 6, 14), value="45")
    services.snapshots_take(day=TODAY, actor=data_officer)
    return reported


def card(html: str, key: str) -> str:
    """The dashboard card of one indicator."""
    start = html.index(f'data-indicator="{key}"')
    return html[start : html.index("</li>", start)]


def cards(html: str) -> list[str]:
    return re.findall(r'class="indicator-card[^"]*" data-indicator="([a-z0-9_]+)"', html)


def figure(html: str, name: str) -> str:
    """The text of the element marked data-figure=name (tags stripped)."""
    match = re.search(rf'data-figure="{name}"[^>]*>(.*?)</(?:p|dd)>', html, re.S)
    assert match, name
    return re.sub(r"<[^>]+>", "", match.group(1)).split()[0]


def sheet_rows(content: bytes) -> list[tuple]:
    book = load_workbook(io.BytesIO(content))
    return list(book.active.iter_rows(values_only=True))


# --- Who sees what ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        DASHBOARD,
        "/indicators/online_full_process_rate/",
        "/indicators/online_full_process_rate/records/",
        "/indicators/table.xlsx",
        "/indicators/open_datasets/report/",
    ],
)
def test_anonymous_is_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login")) and "next=" in response.url


@pytest.mark.parametrize(
    "path",
    [
        DASHBOARD,
        "/indicators/online_full_process_rate/",
        "/indicators/online_full_process_rate/records/",
        "/indicators/online_full_process_rate/records.xlsx",
        "/indicators/table.xlsx",
        "/indicators/table.pdf",
    ],
)
def test_staff_without_an_indicator_role_and_citizens_are_refused(login, outsider, citizen, board, path):
    assert login(outsider).get(path).status_code == 403
    assert login(citizen).get(path).status_code == 403


def test_the_leader_sees_every_indicator_and_every_scope(login, leader, board):
    client = login(leader)
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    html = response.content.decode()
    assert len(cards(html)) == 21 and 'data-snapshot-day="2025-06-15"' in html
    # The district, 3 街道 and 29 departments to choose from.
    assert [s.key for s in response.context["scopes"]][:4] == [
        "",
        f"sub:{JIANGNAN}",
        "sub:440704004000",
        "sub:440704005000",
    ]
    assert len(response.context["scopes"]) == 1 + SUBDISTRICTS + DEPARTMENTS
    assert 'data-form="snapshot"' not in html  # only the data officer takes snapshots
    for scope in ("dept:mzj", f"sub:{JIANGNAN}"):
        page = client.get(DASHBOARD, {"scope": scope})
        assert page.status_code == 200 and set(cards(page.content.decode())) == BY_DEPARTMENT
    assert client.get(DASHBOARD, {"scope": "dept:nope"}).status_code == 404
    assert client.get(DASHBOARD, {"scope": "sub:440704004005"}).status_code == 404  # a community


def test_the_data_officer_sees_everything_and_may_take_a_snapshot(login, data_officer, board):
    html = login(data_officer).get(DASHBOARD).content.decode()
    assert len(cards(html)) == 21 and 'data-form="snapshot"' in html


def test_a_department_administrator_sees_only_the_department(login, dept_admin, board):
    client = login(dept_admin)
    response = client.get(DASHBOARD)
    assert response.status_code == 200 and response.context["scope"].key == "dept:scjg"
    assert [s.key for s in response.context["scopes"]] == ["dept:scjg"]
    html = response.content.decode()
    assert set(cards(html)) == BY_DEPARTMENT
    assert 'data-indicator="life_event_bundles"' not in html and 'data-indicator="open_datasets"' not in html
    # 市场监管's 全程网办率: {A} of {A, B} = 50
    assert figure(card(html, "online_full_process_rate"), "value") == "50"
    for scope in ("", "dept:mzj", f"sub:{JIANGNAN}"):
        assert client.get(DASHBOARD, {"scope": scope}).status_code == 404
    assert client.get("/indicators/life_event_bundles/").status_code == 404  # a district fact
    assert client.get("/indicators/open_datasets/").status_code == 404
    assert client.get("/indicators/online_full_process_rate/").status_code == 200
    records = "/indicators/online_full_process_rate/records/"
    assert client.get(records, {"scope": "dept:mzj"}).status_code == 404
    assert client.get(records, {"scope": ""}).status_code == 404
    assert client.get(records).status_code == 200
    assert client.get("/indicators/table.xlsx", {"scope": "dept:mzj"}).status_code == 404
    rows = sheet_rows(client.get("/indicators/table.xlsx").content)
    assert len([r for r in rows if isinstance(r[0], int)]) == len(BY_DEPARTMENT)


# --- The dashboard's figures ------------------------------------------------------------------


def test_dashboard_shows_computed_and_reported_figures_for_what_they_are(login, leader, board):
    html = login(leader).get(DASHBOARD).content.decode()
    computed = card(html, "online_full_process_rate")
    # {A, C, D} of {A, B, C, D} = 75
    assert 'data-source="computed"' in computed and figure(computed, "value") == "75"
    fraction = r'data-figure="fraction"><a [^>]*data-link="numerator">3</a> / <a [^>]*data-link="denominator">4</a><'
    assert re.search(fraction, computed)
    assert "/indicators/online_full_process_rate/records/?set=all" in computed
    # Daily active users: the denominator is the period's days, not records to list.
    dau = card(html, "citizen_app_dau")
    assert 'data-link="numerator"' in dau and 'data-link="denominator"' not in dau
    assert "/indicators/online_full_process_rate/records/" in computed
    reported = card(html, "open_datasets")
    assert 'data-source="reported"' in reported and 'data-source="computed"' not in reported
    assert figure(reported, "value") == "45"
    assert 'data-figure="fraction"' not in reported and "/records/" not in reported
    missing = card(html, "video_terminals")
    assert 'data-source="missing"' in missing and 'data-source="computed"' not in missing
    # 45 datasets against the line 32 (2020) → 50 (2023) → 75 (2025): on 15 June 2025, 532 of the 731
    # days from the end of 2023, the line is at 50 + 25 × 532/731 = 68.19…, so 45 is at risk.
    assert 'data-status="at_risk"' in reported
    # Every reported indicator: never labelled computed.
    for key in (
        "unified_governance_coverage",
        "video_terminals",
        "sensor_terminals",
        "data_sharing_fulfilment",
        "smart_scenarios",
        "open_datasets",
        "extranet_access_rate",
    ):
        assert 'data-source="computed"' not in card(html, key)


def test_dashboard_before_any_snapshot(login, leader):
    html = login(leader).get(DASHBOARD).content.decode()
    assert 'data-empty="no-snapshot"' in html and 'data-source="computed"' not in html


def test_the_drill_down_lists_as_many_records_as_the_snapshot_counted(login, leader, board):
    client = login(leader)
    snap = Snapshot.objects.get(indicator__key="online_full_process_rate", scope="", day=TODAY)
    page = client.get("/indicators/online_full_process_rate/records/")
    assert page.status_code == 200
    assert page.context["page"].paginator.count == snap.numerator == 3
    html = page.content.decode()
    assert figure(html, "numerator") == "3" and figure(html, "denominator") == "4"
    assert {r["cells"][0] for r in page.context["rows"]} == {"A", "C", "D"}
    everything = client.get("/indicators/online_full_process_rate/records/", {"set": "all"})
    assert everything.context["page"].paginator.count == snap.denominator == 4
    # A year figure's link carries the snapshot's day; its records are as many as that day counted.
    dashboard = client.get(DASHBOARD)
    row = next(r for r in dashboard.context["board"].rows if r.indicator.key == "rating_score")
    assert "day=2025-06-15" in row.link
    ratings = client.get(row.link)
    rating_snap = Snapshot.objects.get(indicator__key="rating_score", scope="", day=TODAY)
    assert ratings.context["page"].paginator.count == rating_snap.numerator == 1  # the 5, not the 2
    # A department's list.
    scjg = client.get("/indicators/online_full_process_rate/records/", {"scope": "dept:scjg"})
    assert scjg.context["page"].paginator.count == 1
    # Reported indicators have no records.
    assert client.get("/indicators/open_datasets/records/").status_code == 404
    # A day that is not a day is a bad request, not a missing page.
    assert client.get("/indicators/rating_score/records/", {"day": "2025-13-40"}).status_code == 400


def test_the_records_export_opens_and_has_the_rows(login, leader, board):
    client = login(leader)
    response = client.get("/indicators/online_full_process_rate/records.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "indicator-1-district-counted.xlsx" in response["Content-Disposition"]
    rows = sheet_rows(response.content)
    header = next(i for i, r in enumerate(rows) if r[0] and r[1] and r[2])  # the first full row
    assert {r[0] for r in rows[header + 1 :]} == {"A", "C", "D"}
    everything = sheet_rows(client.get("/indicators/online_full_process_rate/records.xlsx", {"set": "all"}).content)
    assert {r[0] for r in everything[header + 1 :]} == {"A", "B", "C", "D"}


def test_table_1_as_xlsx(login, leader, board):
    response = login(leader).get("/indicators/table.xlsx")
    assert response.status_code == 200
    assert 'filename="indicators-district-20250615.xlsx"' in response["Content-Disposition"]
    rows = sheet_rows(response.content)
    # Three heading lines (title, scope, the day and when it was computed), the header, 21 indicators.
    assert "2025-06-15" in rows[2][0] and "2025-06-15 10:00" in rows[2][0]
    indicators = [r for r in rows[4:] if r[0] is not None]
    assert [r[0] for r in indicators] == list(range(1, 22))
    first = indicators[0]
    # Current value, numerator, denominator of 全程网办率: 75 = 3 / 4; the plan's 72, 85, 95.
    assert (first[4], first[5], first[6]) == (72, 85, 95)
    assert (first[7], first[9], first[10]) == (75, 3, 4)
    assert indicators[16][7] == 45  # 17 公共数据资源社会开放数据集, reported


def test_table_1_as_pdf(login, leader, dept_admin, board):
    response = login(leader).get("/indicators/table.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert 'filename="indicators-district-20250615.pdf"' in response["Content-Disposition"]
    scoped = login(dept_admin).get("/indicators/table.pdf")
    assert scoped.content.startswith(b"%PDF") and "indicators-dept-scjg-20250615.pdf" in scoped["Content-Disposition"]


def test_exports_before_any_snapshot(login, leader):
    client = login(leader)
    assert client.get("/indicators/table.pdf").content.startswith(b"%PDF")
    rows = sheet_rows(client.get("/indicators/table.xlsx").content)
    assert [r[0] for r in rows[4:] if r[0] is not None] == list(range(1, 22))
    assert all(r[7] is None for r in rows[4:] if r[0] is not None)


# --- The data officer's forms -----------------------------------------------------------------


def test_the_report_form(login, data_officer, leader, dept_admin):
    client = login(data_officer)
    path = "/indicators/open_datasets/report/"
    assert client.get(path).status_code == 200
    bad = client.post(
        path,
        {"as_of": "2025-06-14", "value": "abc", "source": "月报", "evidence": upload("报表.pdf", EXE)},
    )
    assert bad.status_code == 400
    assert {"value", "evidence"} <= set(bad.context["form"].errors)
    assert not ReportedValue.objects.exists()
    future = client.post(path, {"as_of": "2025-06-16", "value": "40", "source": "月报", "evidence": upload()})
    assert future.status_code == 400 and "as_of" in future.context["form"].errors
    good = client.post(path, {"as_of": "2025-06-14", "value": "40", "source": "月报", "evidence": upload()})
    assert good.status_code == 302 and good.url == "/indicators/open_datasets/"
    assert ReportedValue.objects.get().value == 40
    # Only the data officer reports, and only indicators the platform does not compute.
    assert client.get("/indicators/online_full_process_rate/report/").status_code == 404
    assert client.get("/indicators/nope/report/").status_code == 404
    assert login(leader).get(path).status_code == 403
    assert login(dept_admin).post(path, {"value": "1"}).status_code == 403


def test_the_targets_form(login, data_officer, leader):
    client = login(data_officer)
    path = "/indicators/open_datasets/targets/"
    assert client.get(path).status_code == 200
    bad = client.post(path, {"baseline": "32", "midterm": "50", "target": "abc", "reason": "通知"})
    assert bad.status_code == 400 and "target" in bad.context["form"].errors
    assert Indicator.objects.get(key="open_datasets").target == 75
    good = client.post(path, {"baseline": "32", "midterm": "50", "target": "80", "reason": "江海府办〔2025〕3号"})
    assert good.status_code == 302 and good.url == "/indicators/open_datasets/"
    assert Indicator.objects.get(key="open_datasets").target == 80
    assert login(leader).post(path, {"target": "1", "reason": "x"}).status_code == 403
    assert Indicator.objects.get(key="open_datasets").target == 80


def test_taking_a_snapshot_from_the_dashboard(login, data_officer, leader):
    client = login(data_officer)
    response = client.post("/indicators/snapshot/", {"day": "2025-06-15"})
    assert response.status_code == 302 and response.url == DASHBOARD
    assert Snapshot.objects.filter(day=TODAY, scope="").count() == 21
    assert client.post("/indicators/snapshot/", {"day": "2025-06-16"}).status_code == 302
    assert client.post("/indicators/snapshot/", {"day": "not a day"}).status_code == 302
    assert set(Snapshot.objects.values_list("day", flat=True)) == {TODAY}
    assert client.get("/indicators/snapshot/").status_code == 405
    assert login(leader).post("/indicators/snapshot/", {"day": "2025-06-14"}).status_code == 403
    assert not Snapshot.objects.filter(day=date(2025, 6, 14)).exists()


def test_evidence_is_for_district_readers(login, client, data_officer, leader, dept_admin, outsider, board):
    path = f"/indicators/evidence/{board.pk}/"
    response = login(data_officer).get(path)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf" and "attachment" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert login(leader).get(path).status_code == 200
    assert login(dept_admin).get(path).status_code == 404
    assert login(outsider).get(path).status_code == 403
    assert client.get(path).status_code == 302
    assert login(leader).get(f"/indicators/evidence/{board.pk + 1000}/").status_code == 404


def test_the_detail_page_of_a_reported_indicator(login, leader, board):
    page = login(leader).get("/indicators/open_datasets/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-source="reported"' in html and 'data-source="computed"' not in html
    assert figure(html, "value") == "45"
    assert f"/indicators/evidence/{board.pk}/" in html
    assert page.context["latest"].value == Decimal("45")

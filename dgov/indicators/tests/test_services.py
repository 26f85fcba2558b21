"""Writes of the indicators (definitions, targets, reported values, snapshots) and judging a value
against the plan's line."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage

from dgov.audit.models import AuditEvent
from dgov.core import crypto
from dgov.core.errors import ApplicationError
from dgov.indicators import computation, services
from dgov.indicators.models import Indicator, ReportedValue, Snapshot
from dgov.indicators.tests.conftest import (
    BY_DEPARTMENT,
    COMPUTED,
    DEPARTMENTS,
    EXE,
    JIANGNAN,
    PDF,
    REPORTED,
    SUBDISTRICTS,
    TODAY,
    indicator,
    item,
    report,
    stored_files,
    upload,
)

pytestmark = pytest.mark.usefixtures("jianghai", "frozen")


def events(action: str) -> int:
    return AuditEvent.objects.filter(action=action).count()


# --- Definitions ------------------------------------------------------------------------------


def test_definitions_load_is_idempotent_over_the_migrated_rows():
    assert Indicator.objects.count() == 21
    assert list(Indicator.objects.values_list("number", flat=True)) == list(range(1, 22))
    before = AuditEvent.objects.count()
    assert services.definitions_load() == {"created": 0, "updated": 0}
    assert services.definitions_load(with_targets=True) == {"created": 0, "updated": 0}
    assert AuditEvent.objects.count() == before


def test_definitions_load_refreshes_texts_but_keeps_targets_unless_asked(data_officer):
    ind = indicator("online_full_process_rate")
    assert (ind.baseline, ind.midterm, ind.target) == (72, 85, 95)  # the plan's 表1
    services.indicator_targets_update(
        actor=data_officer, indicator=ind, values={"baseline": "72", "midterm": "85", "target": "97"}, reason="通知"
    )
    Indicator.objects.filter(pk=ind.pk).update(name_zh="旧名称")

    assert services.definitions_load(actor=data_officer) == {"created": 0, "updated": 1}
    ind.refresh_from_db()
    assert ind.name_zh == "全程网办率" and ind.target == 97  # the name from the file, the target kept
    event = AuditEvent.objects.filter(action="indicator.definition_update", target_id=str(ind.pk)).get()
    assert event.summary["fields"] == ["name_zh"] and event.actor == data_officer

    assert services.definitions_load(actor=data_officer, with_targets=True) == {"created": 0, "updated": 1}
    ind.refresh_from_db()
    assert ind.target == 95
    event = AuditEvent.objects.filter(action="indicator.definition_update", target_id=str(ind.pk)).latest("seq")
    assert event.summary["fields"] == ["target"]
    assert Decimal(event.summary["before"]["target"]) == 97 and Decimal(event.summary["after"]["target"]) == 95


def test_definitions_load_creates_a_missing_indicator():
    Indicator.objects.filter(key="sso_rate").delete()
    assert services.definitions_load() == {"created": 1, "updated": 0}
    ind = indicator("sso_rate")
    assert (ind.number, ind.unit, ind.method, ind.provincial) == (21, "%", "computed", True)
    assert (ind.baseline, ind.midterm, ind.target) == (Decimal("98.5"), 100, 100)
    assert AuditEvent.objects.filter(action="indicator.define", target_id=str(ind.pk)).exists()


def test_a_broken_definitions_file_changes_nothing(tmp_path):
    with services.DEFINITIONS.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    fields = list(rows[0])
    duplicate = tmp_path / "duplicate.csv"
    with duplicate.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows([{**rows[0], "name_zh": "改过的名称"}, {**rows[1], "key": rows[0]["key"]}])
    with pytest.raises(ValueError, match="unique"):
        services.definitions_load(path=duplicate)
    bad_method = tmp_path / "method.csv"
    with bad_method.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerow({**rows[0], "method": "guessed"})
    with pytest.raises(ValueError, match="line 2"):
        services.definitions_load(path=bad_method)
    assert indicator(rows[0]["key"]).name_zh != "改过的名称"


# --- Targets ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "reason", "fields"),
    [
        ({"baseline": "abc", "midterm": "85", "target": "95"}, "通知", {"baseline"}),
        ({"baseline": "72", "midterm": "-1", "target": "95"}, "通知", {"midterm"}),
        ({"baseline": "72", "midterm": "85", "target": "120"}, "通知", {"target"}),  # a % above 100
        ({"baseline": "72", "midterm": "85", "target": ""}, "通知", {"target"}),  # the 2025 target is required
        ({"baseline": "NaN", "midterm": "1e20", "target": "95"}, "通知", {"baseline", "midterm"}),
        ({"baseline": "72", "midterm": "85", "target": "95"}, "   ", {"reason"}),
        ({"baseline": "x", "midterm": "200", "target": "-5"}, "", {"baseline", "midterm", "target", "reason"}),
    ],
)
def test_bad_targets_change_nothing(data_officer, values, reason, fields):
    ind = indicator("online_full_process_rate")
    with pytest.raises(ApplicationError) as caught:
        services.indicator_targets_update(actor=data_officer, indicator=ind, values=values, reason=reason)
    assert caught.value.code == "invalid_targets"
    assert set(caught.value.field_errors) == fields
    ind.refresh_from_db()
    assert (ind.baseline, ind.midterm, ind.target) == (72, 85, 95)
    assert events("indicator.targets_update") == 0


def test_targets_update_is_audited_with_before_after_and_reason(data_officer):
    ind = indicator("online_full_process_rate")
    changed = services.indicator_targets_update(
        actor=data_officer,
        indicator=ind,
        values={"baseline": "", "midterm": "88.5", "target": "96"},
        reason="  江海府办〔2025〕3号  ",
    )
    ind.refresh_from_db()
    assert (
        (ind.baseline, ind.midterm, ind.target)
        == (None, Decimal("88.5"), 96)
        == (
            changed.baseline,
            changed.midterm,
            changed.target,
        )
    )
    event = AuditEvent.objects.get(action="indicator.targets_update", target_id=str(ind.pk))
    assert event.actor == data_officer
    assert event.summary["reason"] == "江海府办〔2025〕3号"
    before, after = event.summary["before"], event.summary["after"]
    assert [Decimal(before[f]) for f in ("baseline", "midterm", "target")] == [72, 85, 95]
    assert after["baseline"] is None and Decimal(after["midterm"]) == Decimal("88.5") and Decimal(after["target"]) == 96


def test_a_count_may_have_targets_above_100(data_officer):
    ind = indicator("open_datasets")  # 个: not a percentage
    services.indicator_targets_update(
        actor=data_officer, indicator=ind, values={"baseline": "32", "midterm": "50", "target": "150"}, reason="扩容"
    )
    ind.refresh_from_db()
    assert ind.target == 150


# --- Reported values --------------------------------------------------------------------------


def test_a_computed_indicator_cannot_be_reported(data_officer, settings):
    with pytest.raises(ApplicationError) as caught:
        report("online_full_process_rate", data_officer, value="99")
    assert caught.value.code == "indicator_computed"
    assert not ReportedValue.objects.exists() and stored_files(settings.MEDIA_ROOT) == []


@pytest.mark.parametrize(
    ("key", "changes", "field"),
    [
        ("open_datasets", {"value": "abc"}, "value"),
        ("open_datasets", {"value": ""}, "value"),
        ("open_datasets", {"value": "-1"}, "value"),
        ("open_datasets", {"value": "Infinity"}, "value"),
        ("open_datasets", {"value": "123456789012"}, "value"),  # beyond the column's 8 digits before the point
        ("data_sharing_fulfilment", {"value": "100.5"}, "value"),  # a percentage above 100
        ("open_datasets", {"numerator": "3"}, "denominator"),  # one without the other
        ("open_datasets", {"numerator": "3", "denominator": "0"}, "denominator"),
        ("open_datasets", {"numerator": "x", "denominator": "4"}, "numerator"),
        ("open_datasets", {"as_of": None}, "as_of"),
        ("open_datasets", {"as_of": TODAY + timedelta(days=1)}, "as_of"),  # a day still to come
        ("open_datasets", {"source": "  "}, "source"),
        ("open_datasets", {"evidence": None}, "evidence"),
        ("open_datasets", {"evidence": upload("报表.pdf", EXE)}, "evidence"),  # an executable called .pdf
        ("open_datasets", {"evidence": upload("报表.png", PDF)}, "evidence"),  # a PDF called .png
        ("open_datasets", {"evidence": upload("报表.pdf", b"")}, "evidence"),  # empty
    ],
)
def test_a_bad_report_writes_nothing(data_officer, settings, key, changes, field):
    with pytest.raises(ApplicationError) as caught:
        report(key, data_officer, **changes)
    assert caught.value.code == "invalid_report"
    assert field in caught.value.field_errors
    assert not ReportedValue.objects.exists()
    assert stored_files(settings.MEDIA_ROOT) == []
    assert events("indicator.report") == 0


def test_a_good_report_stores_its_evidence_and_is_audited(data_officer):
    reported = report(
        "data_sharing_fulfilment",
        data_officer,
        as_of=date(2025, 6, 1),
        value="96.5",
        numerator="193",
        denominator="200",
        note="  季度统计  ",
    )
    reported.refresh_from_db()
    assert (reported.value, reported.numerator, reported.denominator) == (Decimal("96.5"), 193, 200)
    assert reported.as_of == date(2025, 6, 1) and reported.entered_by == data_officer
    assert reported.source == "区政务服务数据管理局月报" and reported.note == "季度统计"
    assert reported.evidence_name == "统计报表.pdf" and reported.evidence_type == "application/pdf"
    assert reported.evidence_sm3 == crypto.sm3_hex(PDF)
    # Stored under a random name by month of entry, never under the uploaded name.
    assert reported.evidence.name.startswith("indicators/evidence/2025/06/")
    assert "统计报表" not in reported.evidence.name
    with default_storage.open(reported.evidence.name, "rb") as handle:
        assert handle.read() == PDF
    event = AuditEvent.objects.get(action="indicator.report")
    assert event.actor == data_officer and event.target_id == str(reported.indicator_id)
    assert event.summary["reported_value"] == reported.pk and Decimal(event.summary["value"]) == Decimal("96.5")
    assert event.summary["evidence_sm3"] == reported.evidence_sm3


def test_today_for_a_report_is_the_beijing_day(data_officer, time_machine):
    # 23:30 UTC on 15 June is 07:30 on 16 June in Beijing: 16 June may be reported, 17 June not.
    time_machine.move_to("2025-06-15T23:30:00+00:00", tick=False)
    assert report("open_datasets", data_officer, as_of=date(2025, 6, 16)).as_of == date(2025, 6, 16)
    with pytest.raises(ApplicationError) as caught:
        report("open_datasets", data_officer, as_of=date(2025, 6, 17))
    assert "as_of" in caught.value.field_errors


def test_a_failed_write_leaves_no_file_behind(data_officer, settings, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("audit trail unavailable")

    monkeypatch.setattr(services, "record", broken)
    with pytest.raises(RuntimeError):
        report("open_datasets", data_officer)
    assert not ReportedValue.objects.exists()
    assert stored_files(settings.MEDIA_ROOT) == []


# --- Snapshots --------------------------------------------------------------------------------

# 21 district values + each of the 9 department-counted indicators for 29 departments and 3 街道.
SNAPSHOT_ROWS = 21 + 9 * (DEPARTMENTS + SUBDISTRICTS)


def snap(key: str, scope: str = "", day: date = TODAY) -> Snapshot:
    return Snapshot.objects.get(indicator__key=key, scope=scope, day=day)


def test_snapshots_cover_district_departments_and_subdistricts(data_officer):
    item("A", "scjg", online_depth=4)
    item("B", "scjg", online_depth=1)
    item("C", "jnjd", online_depth=4)
    report("open_datasets", data_officer, as_of=date(2025, 6, 1), value="40")
    latest = report("open_datasets", data_officer, as_of=date(2025, 6, 14), value="45")
    assert len(BY_DEPARTMENT) == 9 and SNAPSHOT_ROWS == 309

    result = services.snapshots_take(day=TODAY, actor=data_officer)

    # District: 14 computed, open_datasets reported, the 6 other reported indicators without a value.
    assert (result.day, result.snapshots, result.computed, result.reported, result.missing) == (
        TODAY,
        309,
        14,
        1,
        6,
    )
    assert Snapshot.objects.filter(day=TODAY).count() == 309
    assert Snapshot.objects.filter(day=TODAY, scope="").count() == 21
    assert Snapshot.objects.filter(day=TODAY, scope="dept:scjg").count() == 9
    assert Snapshot.objects.filter(day=TODAY, scope=f"sub:{JIANGNAN}").count() == 9
    # 全程网办率: district {A, C} of {A, B, C} = 66.67; 市场监管 {A} of {A, B} = 50; 江南街道 {C} of {C} = 100;
    # 民政 has no item: no value.
    key = "online_full_process_rate"
    assert (snap(key).numerator, snap(key).denominator, snap(key).value) == (2, 3, Decimal("66.67"))
    assert snap(key, "dept:scjg").value == 50 and snap(key, f"sub:{JIANGNAN}").value == 100
    assert snap(key, "dept:mzj").value is None and snap(key, "dept:mzj").source == "computed"
    # A state starts on its day; a year figure on 1 January.
    assert snap(key).period_start == TODAY and snap("rating_score").period_start == date(2025, 1, 1)
    # The reported value: its source, its record, the latest as of the day; never "computed".
    reported = snap("open_datasets")
    assert (reported.source, reported.value, reported.reported_id) == ("reported", 45, latest.pk)
    assert snap("video_terminals").source == "missing" and snap("video_terminals").value is None
    reported_rows = Snapshot.objects.filter(indicator__key__in=REPORTED)
    assert reported_rows.count() == 7 and not reported_rows.filter(source="computed").exists()
    assert set(Snapshot.objects.filter(day=TODAY, source="computed").values_list("indicator__key", flat=True)) == (
        COMPUTED
    )
    # Department and 街道 slices exist only for department-counted indicators.
    assert set(Snapshot.objects.exclude(scope="").values_list("indicator__key", flat=True)) == BY_DEPARTMENT
    event = AuditEvent.objects.get(action="indicator.snapshot")
    assert event.actor == data_officer and event.summary == {"day": "2025-06-15", "snapshots": 309}


def test_a_past_day_takes_the_value_reported_as_of_that_day(data_officer):
    report("open_datasets", data_officer, as_of=date(2025, 6, 1), value="40")
    report("open_datasets", data_officer, as_of=date(2025, 6, 14), value="45")
    services.snapshots_take(day=date(2025, 6, 12))
    assert snap("open_datasets", day=date(2025, 6, 12)).value == 40
    services.snapshots_take(day=date(2025, 5, 31))
    assert snap("open_datasets", day=date(2025, 5, 31)).source == "missing"


def test_taking_a_day_again_replaces_only_that_day():
    item("A", "scjg", online_depth=4)
    item("B", "scjg", online_depth=1)
    services.snapshots_take(day=date(2025, 6, 14))
    services.snapshots_take(day=TODAY)
    assert snap("online_full_process_rate").value == 50  # {A} of {A, B}
    item("C", "mzj", online_depth=4)
    item("D", "mzj", online_depth=4)
    services.snapshots_take(day=TODAY)
    assert Snapshot.objects.filter(day=TODAY).count() == SNAPSHOT_ROWS
    assert Snapshot.objects.filter(day=date(2025, 6, 14)).count() == SNAPSHOT_ROWS
    assert snap("online_full_process_rate").value == 75  # {A, C, D} of {A, B, C, D}
    assert snap("online_full_process_rate", day=date(2025, 6, 14)).value == 50


def test_no_snapshot_of_a_day_still_to_come(time_machine):
    with pytest.raises(ApplicationError) as caught:
        services.snapshots_take(day=TODAY + timedelta(days=1))
    assert caught.value.code == "future_day"
    assert not Snapshot.objects.exists() and events("indicator.snapshot") == 0
    # The default day is today in Beijing: at 23:30 UTC on 15 June it is already 16 June there.
    time_machine.move_to("2025-06-15T23:30:00+00:00", tick=False)
    assert services.snapshots_take().day == date(2025, 6, 16)


# --- Judging against the plan -----------------------------------------------------------------


def test_expected_by_follows_the_plans_line():
    ind = indicator("online_full_process_rate")  # 72 (2020) → 85 (2023) → 95 (2025)
    expected = computation.expected_by
    assert expected(ind, date(2020, 6, 1)) == 72  # before the line starts: the baseline
    assert expected(ind, date(2020, 12, 31)) == 72
    # End of 2021: 365 of the 1 095 days to the end of 2023: 72 + 13 × 1/3 = 76.333…
    assert abs(expected(ind, date(2021, 12, 31)) - Decimal("76.3333333")) < Decimal("0.000001")
    assert expected(ind, date(2023, 12, 31)) == 85
    # End of 2024: 366 of the 731 days to the end of 2025: 85 + 10 × 366/731 = 90.00684…
    assert abs(expected(ind, date(2024, 12, 31)) - Decimal("90.00684")) < Decimal("0.00001")
    assert expected(ind, date(2025, 12, 31)) == 95
    assert expected(ind, date(2026, 3, 1)) == 95  # after 2025: the target


def test_status_met_on_track_at_risk():
    ind = indicator("online_full_process_rate")
    status = computation.status_of
    end_2024 = date(2024, 12, 31)  # expected 90.00684…
    assert status(ind, Decimal("95"), end_2024) == "met"
    assert status(ind, Decimal("99"), date(2021, 1, 1)) == "met"
    assert status(ind, Decimal("90.01"), end_2024) == "on_track"
    assert status(ind, Decimal("90"), end_2024) == "at_risk"
    end_2021 = date(2021, 12, 31)  # expected 76.333…
    assert status(ind, Decimal("76.34"), end_2021) == "on_track"
    assert status(ind, Decimal("76.33"), end_2021) == "at_risk"
    assert status(ind, Decimal("94.99"), date(2026, 3, 1)) == "at_risk"
    assert status(ind, None, end_2024) is None
    assert computation.midterm_met(ind, Decimal("85")) is True
    assert computation.midterm_met(ind, Decimal("84.99")) is False
    assert computation.midterm_met(ind, None) is None


def test_without_a_baseline_the_line_starts_at_the_midterm_target():
    ind = indicator("unified_governance_coverage")  # – (2020) → 80 (2023) → 100 (2025)
    assert ind.baseline is None
    assert computation.expected_by(ind, date(2022, 6, 30)) == 80
    # End of 2024: 80 + 20 × 366/731 = 90.01368…
    assert abs(computation.expected_by(ind, date(2024, 12, 31)) - Decimal("90.01368")) < Decimal("0.00001")
    assert computation.status_of(ind, Decimal("80"), date(2022, 6, 30)) == "on_track"
    assert computation.status_of(ind, Decimal("79.9"), date(2022, 6, 30)) == "at_risk"
    assert computation.status_of(ind, Decimal("90.02"), date(2024, 12, 31)) == "on_track"
    assert computation.status_of(ind, Decimal("90"), date(2024, 12, 31)) == "at_risk"
    ind.target = None
    assert computation.expected_by(ind, date(2024, 12, 31)) is None
    assert computation.status_of(ind, Decimal("90"), date(2024, 12, 31)) is None


def test_figures_are_written_without_trailing_zeros():
    assert computation.figure_text(Decimal("85.0000")) == "85"
    assert computation.figure_text(Decimal("0.0123")) == "0.0123"
    assert computation.figure_text(Decimal("66.6700")) == "66.67"
    assert computation.figure_text(None) == "—"

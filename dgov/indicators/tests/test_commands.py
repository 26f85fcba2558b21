"""The indicators' management commands: snapshot_indicators, load_indicators, load_demo_indicators."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from dgov.catalog.models import Kiosk
from dgov.indicators.demo import PLAN_DAY, PLAN_SOURCE
from dgov.indicators.models import Indicator, ReportedValue, Snapshot
from dgov.indicators.tests.conftest import TODAY, item

pytestmark = pytest.mark.usefixtures("jianghai", "frozen")

# 21 district values + 9 department-counted indicators × (29 departments + 3 街道)
ROWS = 21 + 9 * 32


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


# --- snapshot_indicators ----------------------------------------------------------------------


def test_snapshot_of_a_given_day():
    item("A", "scjg", online_depth=4)
    out = run("snapshot_indicators", "--day", "2025-06-10")
    assert out.strip() == f"2025-06-10: {ROWS} snapshots; district: 14 computed, 0 reported, 7 without a value"
    assert Snapshot.objects.filter(day=date(2025, 6, 10)).count() == ROWS
    assert Snapshot.objects.get(indicator__key="online_full_process_rate", scope="", day=date(2025, 6, 10)).value == 100
    # Again: the day's snapshot is replaced, not doubled.
    run("snapshot_indicators", "--day", "2025-06-10")
    assert Snapshot.objects.count() == ROWS


def test_snapshot_of_today_by_default():
    run("snapshot_indicators")
    assert set(Snapshot.objects.values_list("day", flat=True)) == {TODAY}


def test_yesterday_is_the_beijing_day_that_ended_last_midnight(time_machine):
    # 00:30 on 15 June in Beijing is still 14 June (16:30) in UTC: yesterday is 14 June.
    time_machine.move_to("2025-06-15T00:30:00+08:00", tick=False)
    out = run("snapshot_indicators", "--yesterday")
    assert out.startswith("2025-06-14: ")
    assert set(Snapshot.objects.values_list("day", flat=True)) == {date(2025, 6, 14)}


@pytest.mark.parametrize(
    "args",
    [
        ["--day", "2025-13-01"],
        ["--day", "yesterday"],
        ["--day", "2025-06-16"],  # still to come
        ["--day", "2025-06-10", "--yesterday"],  # one or the other
    ],
)
def test_bad_days_are_refused(args):
    with pytest.raises(CommandError):
        run("snapshot_indicators", *args)
    assert not Snapshot.objects.exists()


# --- load_indicators --------------------------------------------------------------------------


def test_load_indicators(tmp_path):
    assert run("load_indicators").strip() == "created 0, updated 0"
    Indicator.objects.filter(key="sso_rate").update(name_zh="旧名称", target=Decimal("99"))
    assert run("load_indicators").strip() == "created 0, updated 1"
    sso = Indicator.objects.get(key="sso_rate")
    assert sso.name_zh == "一体化政务服务平台可网办事项单点登录率" and sso.target == 99  # the target kept
    assert run("load_indicators", "--with-targets").strip() == "created 0, updated 1"
    assert Indicator.objects.get(key="sso_rate").target == 100
    with pytest.raises(CommandError):
        run("load_indicators", "--file", str(tmp_path / "missing.csv"))
    broken = tmp_path / "broken.csv"
    broken.write_text("no,key\nx,y\n", encoding="utf-8")
    with pytest.raises(CommandError):
        run("load_indicators", "--file", str(broken))
    assert Indicator.objects.count() == 21


# --- load_demo_indicators ---------------------------------------------------------------------


def test_load_demo_indicators_in_demo_mode(settings):
    settings.DGOV_DEMO = True
    out = run("load_demo_indicators")
    # Five kiosks; the plan's 2020 figures of the reported indicators that have one (13 视频终端 0.1,
    # 15 数据需求满足率 94, 17 开放数据集 32, 18 政务外网接入率 80; 12, 14 and 16 have none), and today's
    # snapshot: 14 computed, 4 reported, 3 without a value.
    assert out.strip() == f"Indicators: kiosks 5, reported 4, snapshots {ROWS}, computed 14, missing 3"
    assert Kiosk.objects.count() == 5
    values = {r.indicator.key: r.value for r in ReportedValue.objects.select_related("indicator")}
    assert values == {
        "video_terminals": Decimal("0.1"),
        "data_sharing_fulfilment": 94,
        "open_datasets": 32,
        "extranet_access_rate": 80,
    }
    reported = ReportedValue.objects.get(indicator__key="open_datasets")
    assert (reported.as_of, reported.source, reported.entered_by.username) == (PLAN_DAY, PLAN_SOURCE, "dataofficer")
    with default_storage.open(reported.evidence.name, "rb") as handle:
        assert handle.read().startswith(b"%PDF")
    snap = Snapshot.objects.get(indicator__key="open_datasets", scope="", day=TODAY)
    assert (snap.source, snap.value) == ("reported", 32)
    # The kiosks stand in all three 街道: 3 of 3 = 100.
    kiosks = Snapshot.objects.get(indicator__key="kiosk_subdistrict_coverage", scope="", day=TODAY)
    assert (kiosks.numerator, kiosks.denominator, kiosks.value) == (3, 3, 100)
    # Idempotent: nothing new but the day's snapshot, replaced.
    again = run("load_demo_indicators")
    assert again.strip() == f"Indicators: kiosks 0, reported 0, snapshots {ROWS}, computed 14, missing 3"
    assert (Kiosk.objects.count(), ReportedValue.objects.count(), Snapshot.objects.count()) == (5, 4, ROWS)


def test_load_demo_indicators_outside_demo_mode(settings):
    settings.DGOV_DEMO = False
    out = run("load_demo_indicators")
    assert out.startswith("Not in demo mode")
    assert not Kiosk.objects.exists() and not ReportedValue.objects.exists() and not Snapshot.objects.exists()

"""The indicators in a real browser: the leader reads the dashboard (gauges drawn, every figure
written), follows a figure down to the items behind it, and the data officer reports a value with
its evidence, which the dashboard then shows as reported — in Chinese, without any axe violation,
at desktop width and on a phone in elder mode.

Screenshots (test-results/): indicators-{dashboard,records,report,reported,dashboard-elder-360}.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from browser_helpers import (
    axe_violations,
    check_phone,
    click_and_wait,
    format_violations,
    playwright_expect,
    screenshot,
    sign_in,
)

expect = playwright_expect()

# A minimal one-page PDF: what a data officer attaches as the source of a figure.
PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


@pytest.fixture
def indicators_ready(demo_data: dict[str, int], settings: Any, tmp_path: Path) -> dict[str, Any]:
    """The demo catalogue, the indicator definitions (a transactional test's flush removes what the
    data migration loaded) and today's snapshot, as `make run` has them."""
    import importlib

    from django.apps import apps

    from dgov.catalog.demo import load_demo_catalog
    from dgov.core.workdays import calendar_seed_from_library
    from dgov.indicators.services import definitions_load, snapshots_take
    from dgov.workflow.services import process_definitions_load_shipped

    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
    importlib.import_module("dgov.catalog.migrations.0001_service_catalogue").add_life_events(apps, None)
    calendar_seed_from_library(actor=None)
    process_definitions_load_shipped(actor=None)
    load_demo_catalog()
    definitions_load()
    report = snapshots_take()
    pdf = tmp_path / "city-report.pdf"
    pdf.write_bytes(PDF_BYTES)
    return {"day": report.day, "pdf": pdf}


def check(page: Any, label: str) -> None:
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    violations = axe_violations(page)
    assert not violations, f"axe found violations on {label} ({page.url}):\n" + format_violations(violations)
    screenshot(page, label)


def test_dashboard_drill_down_and_a_reported_value(
    new_context: Any, indicators_ready: dict[str, Any], demo_password: str
) -> None:
    from dgov.catalog.measures import ON_APPLICATION, published_items
    from dgov.catalog.models import ServiceItem
    from dgov.indicators.models import ReportedValue

    leader = new_context().new_page()
    sign_in(leader, "leader", demo_password)
    leader.goto("/indicators/")
    expect(leader.locator("[data-snapshot-day]")).to_have_attribute(
        "data-snapshot-day", indicators_ready["day"].isoformat()
    )
    expect(leader.locator("[data-indicator]")).to_have_count(21)
    card = leader.locator("[data-indicator=online_full_process_rate]")
    # The gauge is drawn (ECharts renders SVG) and the figure is written beside it.
    expect(card.locator("[data-gauge] svg")).to_have_count(1)
    expect(card.locator("[data-source]")).to_have_attribute("data-source", "computed")
    on_application = published_items(None).filter(ON_APPLICATION)
    full = on_application.filter(online_depth=ServiceItem.OnlineDepth.FULL).count()
    expect(card.locator("[data-figure=fraction]")).to_have_text(f"{full} / {on_application.count()}")
    # An indicator the platform does not compute yet has no value and says so.
    expect(leader.locator("[data-indicator=open_datasets] [data-source]")).to_have_attribute("data-source", "missing")
    check(leader, "indicators-dashboard")

    click_and_wait(leader, card.locator("[data-link=value]"))
    expect(leader.locator("[data-page=indicator-records]")).to_be_visible()
    expect(leader.locator("[data-figure=numerator]")).to_have_text(str(full))
    expect(leader.locator("[data-table=records] tbody tr")).to_have_count(min(full, 50))
    check(leader, "indicators-records")

    # The data officer reports the number of open datasets with the city's report as evidence.
    officer = new_context().new_page()
    sign_in(officer, "dataofficer", demo_password)
    officer.goto("/indicators/open_datasets/report/")
    officer.fill("#id_value", "41")
    officer.fill("#id_source", "江门市政务服务数据管理局开放数据月报")
    officer.set_input_files("#id_evidence", str(indicators_ready["pdf"]))
    check(officer, "indicators-report")
    click_and_wait(officer, officer.locator("[data-form=report] button[type=submit]"))
    expect(officer.locator("[data-page=indicator-detail]")).to_be_visible()
    reported = ReportedValue.objects.get(indicator__key="open_datasets")
    assert reported.value == 41 and reported.evidence_name == "city-report.pdf"

    officer.goto("/indicators/")
    click_and_wait(officer, officer.locator("[data-form=snapshot] button[type=submit]"))
    datasets = officer.locator("[data-indicator=open_datasets]")
    expect(datasets.locator("[data-source]")).to_have_attribute("data-source", "reported")
    expect(datasets.locator("[data-figure=value] strong")).to_have_text("41")
    check(officer, "indicators-reported")

    # On a phone in elder mode the cards stack and nothing scrolls sideways.
    phone = new_context().new_page()
    sign_in(phone, "leader", demo_password)
    phone.goto("/indicators/")
    elder = phone.locator(".header-tools button[name=enabled][value='1']")
    click_and_wait(phone, elder)
    expect(phone.locator("body")).to_contain_class("elder")
    check_phone(phone, "indicators-dashboard-elder")

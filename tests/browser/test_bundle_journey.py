"""一件事 in a real browser: a citizen opens 开办企业, fills in one merged form (each question once),
uploads each material once, signs once on the signature pad (免手写签名) and submits one application;
the five departments decide their own cases; the applicant's page then shows one status and every
result — in Chinese, without any axe violation.

Screenshots (test-results/): bundle-{guide,apply,submitted,concluded}.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from browser_helpers import (
    DESKTOP,
    axe_violations,
    click_and_wait,
    format_violations,
    playwright_expect,
    screenshot,
    sign_in,
    sign_on_pad,
)

expect = playwright_expect()

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def startup(demo_data: dict[str, int], settings: Any, tmp_path: Path) -> Any:
    """What make run loads for the journey: calendar, processes, catalogue, bundles, seals."""
    import importlib

    from django.apps import apps

    from dgov.bundles.demo import load_demo_bundles
    from dgov.catalog.demo import load_demo_catalog
    from dgov.core.workdays import calendar_seed_from_library
    from dgov.licences.demo import load_demo_licences
    from dgov.registries.demo import load_demo as load_demo_registries
    from dgov.workflow.decisions import decision_definitions_load_shipped
    from dgov.workflow.services import process_definitions_load_shipped

    settings.MEDIA_ROOT = str(tmp_path / "media")
    importlib.import_module("dgov.catalog.migrations.0001_service_catalogue").add_life_events(apps, None)
    calendar_seed_from_library(actor=None)
    process_definitions_load_shipped(actor=None)
    decision_definitions_load_shipped(actor=None)
    load_demo_registries()
    load_demo_catalog()
    load_demo_licences()
    load_demo_bundles()
    return tmp_path


def check(page: Any, label: str) -> None:
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    violations = axe_violations(page)
    assert not violations, f"axe found violations on {label} ({page.url}):\n" + format_violations(violations)
    screenshot(page, label)


def fill_merged_form(page: Any, scan: Path) -> None:
    """Every empty field gets a plausible value; every file input one PDF. The signing section is
    left alone (its code field is hidden while drawing is chosen): see sign_on_pad."""
    text_inputs = (
        "main form input:not([type=hidden]):not([type=file]):not([type=checkbox]):not([type=radio])"
        ":not([name^=signature_])"
    )
    for field in page.locator(text_inputs).all():
        if field.input_value():
            continue
        kind = field.get_attribute("type") or "text"
        name = field.get_attribute("name") or ""
        if kind == "date":
            field.fill("2026-12-01")
        elif field.get_attribute("inputmode") in ("numeric", "decimal"):
            field.fill("10")
        elif "phone" in name:
            field.fill("13800000001")
        else:
            field.fill("示例")
    for select in page.locator("main form select").all():
        if not select.input_value():
            select.select_option(index=1)
    for upload in page.locator("main form input[type=file]").all():
        upload.set_input_files(str(scan))


def test_starting_a_business_is_one_application_ending_with_all_results(
    new_context: Any, startup: Path, live_server: Any, demo_password: str
) -> None:
    from dgov.bundles.models import BundleCase
    from dgov.bundles.tests.conftest import decide, make_staff

    scan = startup / "scan.pdf"
    scan.write_bytes(PDF)
    page = new_context(viewport=dict(DESKTOP)).new_page()
    sign_in(page, "citizen", demo_password)
    page.goto(f"{live_server.url}/bundles/kaiban-qiye/")
    check(page, "bundle-guide")
    click_and_wait(page, page.locator("main a[href='/bundles/kaiban-qiye/apply/']").first)

    # One form: a field several items need appears once.
    assert page.locator("main form [name=applicant_name]").count() == 1
    fill_merged_form(page, scan)
    sign_on_pad(page)
    check(page, "bundle-apply")
    click_and_wait(page, page.locator("main form button[name=action][value=submit]"))
    parent = BundleCase.objects.get(applicant__username="citizen")
    expect(page.locator("main")).to_contain_text(parent.number)
    check(page, "bundle-submitted")

    # Each department decides its own child case in its own process.
    clerk = make_staff("district_clerk", "zsj", "window_clerk", scoped=False)
    for child in parent.cases.select_related("department"):
        approver = make_staff(f"approver_{child.department.code}", child.department.code, "approver")
        decide(child, clerk=clerk, approver=approver)
    parent.refresh_from_db()
    assert parent.status == BundleCase.Status.CONCLUDED

    page.goto(f"{live_server.url}/bundles/mine/{parent.pk}/")
    main = page.locator("main")
    for child in parent.cases.all():
        expect(main).to_contain_text(child.number)
    expect(main).to_contain_text("已办结")
    check(page, "bundle-concluded")

"""秒批 in a real browser: a citizen finds an instant-approval item in the catalogue, applies with a
form the registries filled in, is approved by the published rules in the same request, reads the
grounds, and finds the signed e-licence in the wallet — in Chinese, without any axe violation,
also in elder mode on a phone.

Screenshots (test-results/): instant-{standard,elder}-{guide,apply,case,wallet}.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from browser_helpers import (
    DESKTOP,
    assert_no_horizontal_scroll,
    axe_violations,
    click_and_wait,
    format_violations,
    playwright_expect,
    screenshot,
    sign_in,
    sign_on_pad,
)

expect = playwright_expect()

PHONE_TALL = {"width": 390, "height": 844}
YOUNG_ID = "44070419981030162X"  # 张晓琳 in the demo 人口库: household in Jianghai, of working age


@pytest.fixture
def instant(demo_data: dict[str, int], settings: Any, tmp_path: Path, demo_password: str) -> Any:
    """What make run loads for the journey, and a citizen account for 张晓琳."""
    import importlib

    from django.apps import apps

    from dgov.accounts.services import user_create
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
    return user_create(
        actor=None,
        username="xiaolin",
        password=demo_password,
        kind="citizen",
        real_name="张晓琳",
        id_number=YOUNG_ID,
        phone="13800000123",
    )


def check(page: Any, label: str, *, phone: bool) -> None:
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    violations = axe_violations(page)
    assert not violations, f"axe found violations on {label} ({page.url}):\n" + format_violations(violations)
    screenshot(page, label)
    if phone:
        assert_no_horizontal_scroll(page, label)


@pytest.mark.parametrize("mode", ["standard", "elder"])
def test_an_instant_approval_from_the_guide_to_the_licence_in_the_wallet(
    mode: str, new_context: Any, instant: Any, live_server: Any, demo_password: str
) -> None:
    from dgov.catalog.models import ServiceItem
    from dgov.licences.models import Licence

    elder = mode == "elder"
    label = f"instant-{mode}"
    item = ServiceItem.objects.get(name="就业创业证申领", status=ServiceItem.Status.PUBLISHED)
    page = new_context(viewport=dict(PHONE_TALL if elder else DESKTOP)).new_page()
    sign_in(page, "xiaolin", demo_password)
    if elder:
        click_and_wait(page, page.locator(".header-tools button[name=enabled][value='1']"))
        expect(page.locator("body")).to_contain_class("elder")

    page.goto(f"{live_server.url}/services/{item.code}/")
    expect(page.locator("main")).to_contain_text("秒批")
    check(page, f"{label}-guide", phone=elder)
    click_and_wait(page, page.locator(f"main a[href='/cases/apply/{item.code}/']").first)

    # 免填写: who the applicant is comes from the account and the registry, marked as such.
    expect(page.locator("#f_applicant_name")).to_have_value("张晓琳")
    expect(page.locator("#f_address")).not_to_have_value("")
    expect(page.locator("#f_address_help")).to_be_visible()
    page.select_option("#f_employment_status", "失业")
    sign_on_pad(page)  # 免手写签名: signed on the pad, not on paper
    check(page, f"{label}-apply", phone=elder)
    click_and_wait(page, page.locator("main form button[name=action][value=submit]"))

    # Decided by the published rules in the same request: the grounds and the values used.
    expect(page.locator(".rules-decision.is-approved")).to_be_visible()
    expect(page.locator(".rules-decision")).to_contain_text("在法定劳动年龄内且具有本区户籍")
    expect(page.locator("main")).to_contain_text("已办结")
    check(page, f"{label}-case", phone=elder)

    licence = Licence.objects.get(holder_user__username="xiaolin", type__code="employment_certificate")
    page.goto(f"{live_server.url}/licences/")
    card = page.locator(f"a[href='/licences/{licence.pk}/']").first
    expect(card).to_be_visible()
    check(page, f"{label}-wallet", phone=elder)

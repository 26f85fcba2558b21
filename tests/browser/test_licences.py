"""E-licences in a real browser: the holder's wallet and licence page, the public check of what its QR
code holds, and the staff licence pages, in Chinese, without any axe violation; the holder's pages
also in elder mode on a phone, without sideways scrolling.

Screenshots (test-results/): licences-{standard,elder}-{wallet,detail,verify-valid,verify-altered},
licences-staff-{list,detail,indicators,lookup}.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from browser_helpers import (
    DESKTOP,
    SHELL_CONTROLS,
    assert_no_horizontal_scroll,
    axe_violations,
    click_and_wait,
    format_violations,
    playwright_expect,
    screenshot,
    sign_in,
)

expect = playwright_expect()

PHONE_TALL = {"width": 390, "height": 844}


@pytest.fixture
def licences(demo_data: dict[str, int], settings: Any, tmp_path: Path) -> None:
    """The calendar, processes, catalogue and the demo seals, licence types and wallets."""
    import importlib

    from django.apps import apps

    from dgov.catalog.demo import load_demo_catalog
    from dgov.core.workdays import calendar_seed_from_library
    from dgov.licences.demo import load_demo_licences
    from dgov.workflow.services import process_definitions_load_shipped

    settings.MEDIA_ROOT = str(tmp_path / "media")
    importlib.import_module("dgov.catalog.migrations.0001_service_catalogue").add_life_events(apps, None)
    calendar_seed_from_library(actor=None)
    process_definitions_load_shipped(actor=None)
    load_demo_catalog()
    load_demo_licences()


def check(page: Any, label: str, *, phone: bool = False) -> None:
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    violations = axe_violations(page)
    assert not violations, f"axe found violations on {label} ({page.url}):\n" + format_violations(violations)
    screenshot(page, label)
    if phone:
        assert_no_horizontal_scroll(page, label)
        for control in page.locator(SHELL_CONTROLS).all():
            if control.is_visible():
                box = control.bounding_box()
                assert box and box["height"] >= 24, f"{label}: a header control is too small to tap"


def _altered(payload: str) -> str:
    """The QR payload with the holder's name changed and the signature kept."""
    prefix, body, signature = payload.split(".")
    document = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    document["holder"]["name"] = "别的公司（示例）"
    raw = json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    return ".".join([prefix, base64.urlsafe_b64encode(raw).rstrip(b"=").decode(), signature])


@pytest.mark.parametrize("mode", ["standard", "elder"])
def test_the_holder_opens_a_licence_and_anyone_checks_its_qr_code(
    mode: str, new_context: Any, licences: None, live_server: Any, demo_password: str
) -> None:
    from dgov.licences.models import Licence
    from dgov.licences.verification import qr_payload

    elder = mode == "elder"
    label = f"licences-{mode}"
    licence = Licence.objects.get(holder_user__username="enterprise", type__code="food_business_licence")
    page = new_context(viewport=dict(PHONE_TALL if elder else DESKTOP)).new_page()
    sign_in(page, "enterprise", demo_password)
    if elder:
        click_and_wait(page, page.locator(".header-tools button[name=enabled][value='1']"))
        expect(page.locator("body")).to_contain_class("elder")
    page.goto(f"{live_server.url}/licences/")
    card = page.locator(f"a[href='/licences/{licence.pk}/']").first
    expect(card).to_be_visible()
    check(page, f"{label}-wallet", phone=elder)
    click_and_wait(page, card)
    expect(page.locator("main")).to_contain_text(licence.identifier)
    expect(page.locator("main")).to_contain_text("餐饮服务经营者")
    expect(page.locator(f"a[href='/licences/{licence.pk}/pdf']")).to_be_visible()
    expect(page.locator(".lic-verdict[data-state=valid]")).to_be_visible()
    check(page, f"{label}-detail", phone=elder)

    # Anyone, not signed in, opens what the QR code holds.
    stranger = new_context(viewport=dict(PHONE_TALL if elder else DESKTOP)).new_page()
    payload = qr_payload(licence)
    stranger.goto(f"{live_server.url}/licences/verify/?c={quote(payload)}")
    expect(stranger.locator(".lic-verdict[data-state=valid]")).to_be_visible()
    expect(stranger.locator("main")).to_contain_text(licence.issuer.name)
    check(stranger, f"{label}-verify-valid", phone=elder)
    stranger.goto(f"{live_server.url}/licences/verify/?c={quote(_altered(payload))}")
    expect(stranger.locator(".lic-verdict[data-state=signature_invalid]")).to_be_visible()
    expect(stranger.locator("main")).not_to_contain_text("别的公司（示例）")
    check(stranger, f"{label}-verify-altered", phone=elder)


def test_staff_licence_pages_read_in_chinese_without_axe_violations(
    new_context: Any, licences: None, live_server: Any, demo_password: str
) -> None:
    from dgov.licences.models import Licence

    licence = Licence.objects.get(holder_user__username="enterprise", type__code="food_business_licence")
    page = new_context(viewport=dict(DESKTOP)).new_page()
    sign_in(page, "approver", demo_password)
    for path, name in [
        ("/licences/work/licences/", "list"),
        (f"/licences/work/licences/{licence.pk}/", "detail"),
        ("/licences/work/indicators/", "indicators"),
        ("/licences/work/lookup/", "lookup"),
    ]:
        page.goto(f"{live_server.url}{path}")
        check(page, f"licences-staff-{name}")
    page.goto(f"{live_server.url}/licences/work/licences/{licence.pk}/")
    expect(page.locator("main")).to_contain_text(licence.identifier)

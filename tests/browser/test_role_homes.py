"""Every demo role signs in and sees its home in Chinese, in English and in elder mode, on a desktop
screen and on a 360 px phone: accessible (axe, WCAG 2.1 AA: no serious or critical violation), no
horizontal scroll at 360 px, header tools reachable and working there.

The tests do not depend on the Chinese catalogue (locale/zh_Hans): without it the interface text is
the English msgids in both languages. So the language is asserted by <html lang>, by the switch
button ("English" / "中文") and by texts that are Chinese in the data (names, departments, regions).

Screenshots: test-results/<role>-{zh,en,elder}.png (1280 px wide) and …-360.png (phone).
"""

from __future__ import annotations

from typing import Any

import pytest
from browser_helpers import (
    ADMIN_CONTROLS,
    DESKTOP,
    PHONE,
    SHELL_CONTROLS,
    assert_accessible,
    assert_controls_usable,
    assert_no_horizontal_scroll,
    check_phone,
    click_and_wait,
    playwright_expect,
    screenshot,
    sign_in,
)

expect = playwright_expect()

# Where /accounts/home/ sends each demo account.
ROLE_HOMES = {
    "citizen": "/accounts/centre/",
    "enterprise": "/accounts/centre/",
    "clerk": "/accounts/workbench/",
    "approver": "/accounts/workbench/",
    "operator": "/accounts/workbench/",
    "gridworker": "/accounts/workbench/",
    "leader": "/accounts/workbench/",
    "admin": "/admin/",
    "security": "/accounts/security/",
    "auditor": "/accounts/audit/",
}


def data_texts_of(username: str, *, english: bool = False) -> list[str]:
    """Texts a person's home shows from the data: names and places stay Chinese in both languages;
    department names are shown in English on English pages."""
    from dgov.accounts.models import User

    user = User.objects.select_related("department", "region__parent").get(username=username)
    texts = [user.real_name]
    if user.kind == User.Kind.STAFF and username not in {"security", "auditor"}:
        texts.append(user.department.name_en if english else user.department.name)  # the workbench's lead line
    if user.region is not None:
        texts += [user.region.parent.name, user.region.name]
    if user.enterprise_name:
        texts.append(user.enterprise_name)
    if username == "security":
        # departments in the staff table
        texts.append("District Government Services and Data Administration" if english else "江海区政务服务数据管理局")
    return texts


@pytest.mark.parametrize("role", [r for r in ROLE_HOMES if r != "admin"])
def test_role_home_in_chinese_english_and_elder_mode(
    page: Any, live_server: Any, demo_password: str, role: str
) -> None:
    home = live_server.url + ROLE_HOMES[role]
    chinese = data_texts_of(role)
    english = data_texts_of(role, english=True)
    html, body = page.locator("html"), page.locator("body")

    def check_common(label: str) -> None:
        expect(page).to_have_url(home)
        expect(page.locator(".site-header .who")).to_have_text(chinese[0])
        for text in english if label.endswith("-en") else chinese:
            expect(page.locator("main, .site-header").get_by_text(text, exact=False).first).to_be_visible()
        # Staff demo accounts have the second factor waived, and the banner says so.
        waiver = page.locator(".banner-demo strong")
        if role in {"citizen", "enterprise"}:
            expect(waiver).to_have_count(0)
        else:
            expect(waiver).to_have_count(1)
        assert_accessible(page, label)
        screenshot(page, label)

    # 1. Chinese, the default for a zh-CN browser.
    sign_in(page, role, demo_password)
    expect(html).to_have_attribute("lang", "zh-Hans")
    expect(body).not_to_contain_class("elder")
    to_english = page.locator(".header-tools button[name=language][value=en]")
    expect(to_english).to_have_text("English")
    check_common(f"{role}-zh")
    check_phone(page, f"{role}-zh", SHELL_CONTROLS)
    click_and_wait(page, to_english)  # used at 360 px: the tools work on a phone

    # 2. English.
    page.set_viewport_size(DESKTOP)
    expect(html).to_have_attribute("lang", "en")
    to_chinese = page.locator(".header-tools button[name=language][value=zh-hans]")
    expect(to_chinese).to_have_text("中文")
    check_common(f"{role}-en")
    check_phone(page, f"{role}-en", SHELL_CONTROLS)
    # Remembered: another tab of the same browser opens in English.
    other = page.context.new_page()
    other.goto("/accounts/home/")
    expect(other.locator("html")).to_have_attribute("lang", "en")
    other.close()
    click_and_wait(page, to_chinese)
    expect(html).to_have_attribute("lang", "zh-Hans")

    # 3. Elder mode (in Chinese).
    page.set_viewport_size(DESKTOP)
    elder_on = page.locator(".header-tools button[name=enabled][value='1']")
    expect(elder_on).to_have_attribute("aria-pressed", "false")
    click_and_wait(page, elder_on)
    expect(body).to_contain_class("elder")
    expect(page.locator(".header-tools button[name=enabled][value='0']")).to_have_attribute("aria-pressed", "true")
    assert page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)") >= 20
    check_common(f"{role}-elder")
    check_phone(page, f"{role}-elder", SHELL_CONTROLS)


def test_admin_home_in_chinese_english_and_elder_mode(page: Any, live_server: Any, demo_password: str) -> None:
    """The system administrator's home is Django's admin site: its own header (no language or elder
    buttons there), so the switches are used on the portal page and the admin is opened again."""
    admin_home = live_server.url + "/admin/"
    html = page.locator("html")

    def open_admin_and_check(label: str) -> None:
        page.set_viewport_size(DESKTOP)
        page.goto("/accounts/home/")
        expect(page).to_have_url(admin_home)
        english = label.endswith("-en")
        title = "Jianghai Digital Government · System administration" if english else "江海数字政府 · 系统管理"
        expect(page.locator("#site-name")).to_contain_text(title)
        expect(page.locator("#content h1")).to_contain_text("System administration" if english else "系统管理")
        assert_accessible(page, label)
        screenshot(page, label)
        page.set_viewport_size(PHONE)
        assert_no_horizontal_scroll(page, label)
        assert_controls_usable(page, ADMIN_CONTROLS, label, minimum=2)
        screenshot(page, f"{label}-360")
        assert_accessible(page, f"{label} at 360 px")

    sign_in(page, "admin", demo_password)
    expect(page).to_have_url(admin_home)
    # Django's admin writes the language code as is: "zh-hans".
    expect(html).to_have_attribute("lang", "zh-hans")
    expect(page.locator("#user-tools")).to_contain_text("欢迎")  # Django's own zh_Hans catalogue
    open_admin_and_check("admin-zh")

    page.goto("/")
    click_and_wait(page, page.locator(".header-tools button[name=language][value=en]"))
    open_admin_and_check("admin-en")
    expect(html).to_have_attribute("lang", "en")
    expect(page.locator("#user-tools")).to_contain_text("Welcome")

    page.goto("/")
    click_and_wait(page, page.locator(".header-tools button[name=language][value=zh-hans]"))
    click_and_wait(page, page.locator(".header-tools button[name=enabled][value='1']"))
    expect(page.locator("body")).to_contain_class("elder")
    # Django's admin has no elder mode of its own: the page is checked as it is.
    open_admin_and_check("admin-elder")
    expect(html).to_have_attribute("lang", "zh-hans")

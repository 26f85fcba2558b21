"""Signed-out pages, a wrong password, and how the language and elder-mode choices are remembered.

As in test_role_homes.py, the language is asserted by <html lang> and by texts that are Chinese
whatever the catalogue holds; the one English sentence checked is an msgid, shown in English.
"""

from __future__ import annotations

from typing import Any

from browser_helpers import (
    DESKTOP,
    assert_accessible,
    check_phone,
    click_and_wait,
    playwright_expect,
    screenshot,
    sign_in,
)

expect = playwright_expect()

WRONG_LOGIN_EN = "The username or password is not correct."


def expect_signed_out(page: Any) -> None:
    expect(page.locator(".header-tools a[href='/accounts/login/']")).to_be_visible()
    expect(page.locator(".header-tools .who")).to_have_count(0)
    expect(page.locator(".header-tools form[action='/accounts/logout/']")).to_have_count(0)


def test_wrong_password_shows_the_error_and_stays_signed_out(page: Any, live_server: Any, demo_password: str) -> None:
    # Chinese (the catalogue may or may not translate the message yet: any text will do).
    sign_in(page, "citizen", "not-the-password-1")
    expect(page).to_have_url(live_server.url + "/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    error = page.locator("main .form-errors[role=alert]")
    expect(error).to_be_visible()
    expect(error).not_to_be_empty()
    expect(page.locator("#id_username")).to_have_value("citizen")
    expect(page.locator("#id_password")).to_have_value("")  # the password is never sent back
    expect_signed_out(page)
    assert_accessible(page, "login-error-zh")
    screenshot(page, "login-error-zh")
    check_phone(page, "login-error-zh")

    # English: the exact message, the same for an account that does not exist (no enumeration).
    page.set_viewport_size(DESKTOP)
    click_and_wait(page, page.locator(".header-tools button[name=language][value=en]"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    for username in ("clerk", "nobody-by-this-name"):
        sign_in(page, username, "not-the-password-2")
        expect(page).to_have_url(live_server.url + "/accounts/login/")
        expect(page.locator("main .form-errors[role=alert]")).to_have_text(WRONG_LOGIN_EN)
        expect_signed_out(page)
    assert_accessible(page, "login-error-en")
    screenshot(page, "login-error-en")

    # Still signed out: a signed-in page sends back to the login form.
    page.goto("/accounts/home/")
    expect(page).to_have_url(live_server.url + "/accounts/login/?next=/accounts/home/")
    expect_signed_out(page)
    # The right password still works afterwards (two failures do not lock the account).
    sign_in(page, "citizen", demo_password)
    expect(page).to_have_url(live_server.url + "/accounts/centre/")
    expect(page.locator(".header-tools .who")).to_have_text("陈伯文")


def test_signed_out_pages_in_chinese_english_and_elder_mode(page: Any, live_server: Any) -> None:
    """The portal home and the login page, for someone not signed in: accessible, readable at 360 px."""
    html, body = page.locator("html"), page.locator("body")

    def check(label: str) -> None:
        page.set_viewport_size(DESKTOP)
        page.goto("/")
        # Departments are named in the page's language; place names stay Chinese.
        dept = "District Government Services and Data Administration" if label == "en" else "江海区政务服务数据管理局"
        expect(page.locator("#depts-title + ul")).to_contain_text(dept)
        expect(page.locator("#places-title + ul")).to_contain_text("外海街道")
        expect_signed_out(page)
        assert_accessible(page, f"portal-{label}")
        screenshot(page, f"portal-{label}")
        check_phone(page, f"portal-{label}")
        page.set_viewport_size(DESKTOP)
        page.goto("/accounts/login/")
        expect(page.locator("#id_username")).to_be_focused()
        assert_accessible(page, f"login-{label}")
        screenshot(page, f"login-{label}")
        check_phone(page, f"login-{label}")

    page.goto("/")
    expect(html).to_have_attribute("lang", "zh-Hans")
    expect(body).not_to_contain_class("elder")
    check("zh")

    page.goto("/")
    click_and_wait(page, page.locator(".header-tools button[name=language][value=en]"))
    expect(html).to_have_attribute("lang", "en")
    check("en")

    page.goto("/")
    click_and_wait(page, page.locator(".header-tools button[name=language][value=zh-hans]"))
    click_and_wait(page, page.locator(".header-tools button[name=enabled][value='1']"))
    expect(html).to_have_attribute("lang", "zh-Hans")
    expect(body).to_contain_class("elder")
    check("elder")
    expect(body).to_contain_class("elder")  # remembered across pages (cookie)


def test_chinese_is_the_default_language(new_context: Any, demo_data: Any) -> None:
    """Chinese for a browser asking for Chinese or for a language the platform does not offer;
    English only when asked for."""
    for locale, expected, button in (
        ("zh-CN", "zh-Hans", "English"),
        ("fr-FR", "zh-Hans", "English"),
        ("en-GB", "en", "中文"),
    ):
        page = new_context(locale=locale).new_page()
        page.goto("/")
        expect(page.locator("html")).to_have_attribute("lang", expected)
        expect(page.locator(".header-tools button[name=language]")).to_have_text(button)


def test_language_and_elder_mode_are_remembered(
    new_context: Any, demo_data: Any, live_server: Any, demo_password: str
) -> None:
    from dgov.accounts.models import User

    page = new_context().new_page()
    html, body = page.locator("html"), page.locator("body")
    sign_in(page, "enterprise", demo_password)
    click_and_wait(page, page.locator(".header-tools button[name=language][value=en]"))
    click_and_wait(page, page.locator(".header-tools button[name=enabled][value='1']"))
    expect(html).to_have_attribute("lang", "en")
    expect(body).to_contain_class("elder")
    assert User.objects.get(username="enterprise").elder_mode is True  # kept on the account

    # Signed out, the same browser keeps both choices (cookies).
    click_and_wait(page, page.locator(".header-tools form[action='/accounts/logout/'] button"))
    expect(page).to_have_url(live_server.url + "/")
    expect_signed_out(page)
    expect(html).to_have_attribute("lang", "en")
    expect(body).to_contain_class("elder")

    # Another browser, no cookies: Chinese and standard mode until the person signs in; then
    # elder mode follows the account.
    other = new_context().new_page()
    other.goto("/")
    expect(other.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(other.locator("body")).not_to_contain_class("elder")
    sign_in(other, "enterprise", demo_password)
    expect(other.locator("body")).to_contain_class("elder")
    expect(other.locator("html")).to_have_attribute("lang", "zh-Hans")

    # Switching it off there is kept too.
    standard = other.locator(".header-tools button[name=enabled][value='0']")
    expect(standard).to_have_attribute("aria-pressed", "true")
    click_and_wait(other, standard)
    expect(other.locator("body")).not_to_contain_class("elder")
    other.reload()
    expect(other.locator("body")).not_to_contain_class("elder")
    assert User.objects.get(username="enterprise").elder_mode is False

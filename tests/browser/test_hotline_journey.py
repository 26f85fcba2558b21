"""12345 in a real browser: the operator takes a call and accepts the classifier's suggested
dispatch, 城管's handler signs for the ticket and replies, the operator calls the caller back and
takes a 非常满意 rating, and the ticket is closed — in Chinese, without any axe violation on the
console and the ticket page, at desktop width and on a phone in elder mode.

Screenshots (test-results/): hotline-{console,registered,handler,callback,closed,console-elder-360}.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from browser_helpers import (
    PHONE,
    assert_no_horizontal_scroll,
    axe_violations,
    click_and_wait,
    format_violations,
    playwright_expect,
    screenshot,
    sign_in,
)

expect = playwright_expect()

DESCRIPTION = "江海一路与东海路交界那几盏路灯晚上都不亮，走路很危险，麻烦尽快派人维修。"
REPLY = "经现场核查，3盏路灯灯泡损坏，已于当日更换，恢复照明。"


@pytest.fixture
def hotline_ready(demo_data: dict[str, int]) -> None:
    """The category tree and a classifier trained on the shipped corpus (as `make run` has them)."""
    from dgov.hotline import classifier
    from dgov.hotline.demo import load_categories

    load_categories()
    if not hasattr(classifier, "train"):
        pytest.fail("dgov.hotline.classifier has no train(): the suggestion cannot be shown", pytrace=False)
    classifier.model_save(classifier.train(classifier.corpus_load()), actor=None, source="corpus")


def check(page: Any, label: str) -> None:
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    violations = axe_violations(page)
    assert not violations, f"axe found violations on {label} ({page.url}):\n" + format_violations(violations)
    screenshot(page, label)


def test_call_to_rated_close(new_context: Any, hotline_ready: None, demo_password: str) -> None:
    from dgov.accounts.models import Department
    from dgov.hotline.models import Ticket
    from dgov.ratings.models import Rating

    cgj = Department.objects.get(code="cgj")

    # The operator takes the call; the suggestion appears while typing and is accepted.
    operator = new_context().new_page()
    sign_in(operator, "operator", demo_password)
    operator.goto("/hotline/work/call/")
    operator.select_option("#id_type", "help")
    operator.fill("#id_caller_name", "陈伯文")
    operator.fill("#id_caller_phone", "13800000001")
    operator.fill("#id_address", "外海街道江海一路88号")
    operator.fill("#id_description", DESCRIPTION)
    suggestion = operator.locator("[data-suggestion='110202']")
    expect(suggestion).to_be_visible()
    check(operator, "hotline-console")
    suggestion.locator("[data-use-category]").click()
    expect(operator.locator("#id_category")).to_have_value("110202")
    expect(operator.locator("#id_department")).to_have_value(str(cgj.pk))
    click_and_wait(operator, operator.locator("[data-action=register]"))
    expect(operator.locator("[data-status]")).to_have_attribute("data-status", "dispatched")
    expect(operator.locator("[data-lookup-code]")).to_have_text(re.compile(r"^\d{6}$"))
    number = operator.locator("[data-ticket-number]").inner_text().strip()
    ticket = Ticket.objects.get(number=number)
    assert ticket.department == cgj and ticket.category.code == "110202" and ticket.suggested_category is not None
    screenshot(operator, "hotline-registered")

    # 城管's handler finds it in the queue, signs for it and replies.
    handler = new_context().new_page()
    sign_in(handler, "handler", demo_password)
    handler.goto("/hotline/work/")
    click_and_wait(handler, handler.locator(f"tr[data-ticket='{ticket.pk}'] a"))
    click_and_wait(handler, handler.locator("[data-action-card=sign] button[type=submit]"))
    expect(handler.locator("[data-status]").first).to_have_attribute("data-status", "handling")
    handler.fill("#id_reply-reply", REPLY)
    check(handler, "hotline-handler")
    click_and_wait(handler, handler.locator("[data-action-card=reply] button[type=submit]"))
    expect(handler.locator("[data-status]").first).to_have_attribute("data-status", "replied")

    # The operator calls back: solved, 非常满意.
    operator.goto(f"/hotline/work/tickets/{ticket.pk}/")
    expect(operator.locator("[data-reply]")).to_contain_text(REPLY)
    operator.locator("[data-action-card=callback] input[name='callback-outcome'][value=solved]").check()
    operator.locator("label[for='id_callback-level-5']").click()
    check(operator, "hotline-callback")
    click_and_wait(operator, operator.locator("[data-action-card=callback] button[type=submit]"))
    expect(operator.locator("[data-status]").first).to_have_attribute("data-status", "closed")
    check(operator, "hotline-closed")

    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CLOSED and ticket.resolution == Ticket.Resolution.CALLBACK
    assert Rating.objects.get(rated_id=ticket.pk, service_channel="hotline").level == 5

    # The console on a phone in elder mode: no sideways scrolling, still accessible.
    operator.goto("/hotline/work/call/")
    click_and_wait(operator, operator.locator(".header-tools button[name=enabled][value='1']"))
    operator.set_viewport_size(PHONE)
    operator.fill("#id_description", DESCRIPTION)
    expect(operator.locator("[data-suggestion='110202']")).to_be_visible()
    # The category picker's filter: a keyword narrows the list; a single match is chosen.
    operator.fill("#id_category_filter", "内涝")
    expect(operator.locator("#id_category")).to_have_value("110203")
    expect(operator.locator("#id_category option[value='110202']")).to_be_hidden()
    assert_no_horizontal_scroll(operator, "hotline console, elder mode, 360 px")
    check(operator, "hotline-console-elder-360")

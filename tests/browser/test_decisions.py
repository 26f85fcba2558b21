"""The decision-table console in a real browser: the vendored dmn-js viewer draws the shipped
allowance table (decision-table view) beside the server-rendered rules, the page passes axe at
desktop and phone width, and a rule changed in the dmn-js modeler is saved as a new draft version
that the platform reads.

Screenshots: test-results/decision-table.png, decision-table-360.png, decision-edit.png.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from browser_helpers import assert_accessible, check_phone, click_and_wait, playwright_expect, screenshot, sign_in

expect = playwright_expect()

KEY = "gaoling_jintie"
RULE_1 = "年满80周岁且具有本区户籍，符合高龄津贴申领条件。"
RULE_3 = "年满80周岁但户籍不在本区，由工作人员核实户籍情况。"
RULE_3_NEW = "年满80周岁但户籍不在本区，转窗口核实户籍。"


@pytest.fixture
def shipped(demo_data: dict[str, int]) -> None:
    from dgov.workflow.decisions import decision_definitions_load_shipped
    from dgov.workflow.services import process_definitions_load_shipped

    process_definitions_load_shipped(actor=None)
    decision_definitions_load_shipped(actor=None)


def test_the_version_page_draws_the_decision_table(page: Any, shipped: None, demo_password: str) -> None:
    sign_in(page, "admin", demo_password)
    page.goto(f"/workflow/decisions/{KEY}/v1/")
    viewer = page.locator("[data-dmn-viewer]")
    expect(viewer).to_be_visible()
    expect(viewer).to_have_attribute("data-dmn-rendered", "1")
    # dmn-js's decision-table view, with a rule's annotation in a cell.
    canvas = page.locator("[data-dmn-canvas]")
    expect(canvas.locator(".tjs-table")).to_be_visible()
    expect(canvas.locator("td", has_text=RULE_1)).to_be_visible()
    # The bpmn.io watermark stays visible (dmn-js licence).
    expect(canvas.locator(".bjs-powered-by").first).to_be_visible()
    expect(page.locator("[data-dmn-status]")).to_be_empty()
    # The server-rendered rules are there too (they are what works without JavaScript).
    expect(page.locator("table.dmn-rules tbody tr").first).to_contain_text(RULE_1)
    screenshot(page, "decision-table")
    assert_accessible(page, "the decision table page")
    check_phone(page, "decision-table")


def test_without_javascript_the_rules_are_still_listed(new_context: Any, shipped: None, demo_password: str) -> None:
    page = new_context(java_script_enabled=False).new_page()
    sign_in(page, "admin", demo_password)
    page.goto(f"/workflow/decisions/{KEY}/v1/")
    expect(page.locator("table.dmn-rules tbody tr")).to_have_count(3)
    expect(page.locator("[data-dmn-viewer]")).to_be_hidden()
    expect(page.locator("table.dmn-rules tbody tr").nth(2)).to_contain_text("户籍不在本区")
    # (axe needs JavaScript; the same markup passes it in the test above.)


def test_the_modeler_saves_the_table_as_a_new_draft(page: Any, shipped: None, demo_password: str) -> None:
    from dgov.workflow.decisions import table_of
    from dgov.workflow.models import DecisionDefinition

    sign_in(page, "admin", demo_password)
    page.goto(f"/workflow/decisions/{KEY}/v1/edit/")
    editor = page.locator("[data-dmn-modeler]")
    expect(editor).to_have_attribute("data-dmn-rendered", "1")
    expect(page.locator("[data-dmn-canvas] td", has_text=RULE_1)).to_be_visible()
    screenshot(page, "decision-edit")
    assert_accessible(page, "the decision table editor")
    # Change rule 3's annotation in the table; the XML source follows.
    cell = page.locator("[data-dmn-canvas] td.annotation [contenteditable]").nth(2)
    expect(cell).to_have_text(RULE_3)
    cell.click()
    page.keyboard.press("Control+A")
    page.keyboard.type(RULE_3_NEW)
    cell.blur()
    expect(page.locator("textarea.bpmn-source")).to_have_value(re.compile(RULE_3_NEW))
    click_and_wait(page, page.locator("form[data-dmn-form] button[type=submit]"))
    assert page.url.endswith(f"/workflow/decisions/{KEY}/v2/")
    expect(page.locator("table.dmn-rules tbody tr").nth(2)).to_contain_text(RULE_3_NEW)

    # What dmn-js wrote is a table the platform reads: the same rules, the new annotation.
    v1, v2 = (DecisionDefinition.objects.get(key=KEY, version=n) for n in (1, 2))
    assert v2.status == "draft" and v1.status == "published"
    old, new = table_of(v1), table_of(v2)
    assert [r.description for r in new.rules] == [RULE_1, old.rules[1].description, RULE_3_NEW]
    cells = [([c.text for c in r.entries], r.outputs) for r in new.rules]
    assert cells == [([c.text for c in r.entries], r.outputs) for r in old.rules]
    assert (new.hit_policy, [i.expression for i in new.inputs]) == (old.hit_policy, [i.expression for i in old.inputs])

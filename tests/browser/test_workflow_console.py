"""The process console in a real browser: the vendored bpmn-js viewer draws the shipped process, the
page passes axe, and the modeler's panel writes the platform's dialect (camunda:property days) into
the XML that is saved as a new draft, keeping the camunda:formData it did not touch.

Screenshots: test-results/workflow-definition.png, workflow-definition-360.png, workflow-edit.png.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from browser_helpers import assert_accessible, check_phone, click_and_wait, playwright_expect, screenshot, sign_in

expect = playwright_expect()


@pytest.fixture
def shipped(demo_data: dict[str, int]) -> None:
    from dgov.workflow.services import process_definitions_load_shipped

    process_definitions_load_shipped(actor=None)


def test_the_definition_page_draws_the_diagram_and_lists_its_steps(
    page: Any, shipped: None, demo_password: str
) -> None:
    sign_in(page, "admin", demo_password)
    page.goto("/workflow/standard_case/v1/")
    expect(page.locator('.bpmn-canvas [data-element-id="accept_step"]')).to_be_visible()
    expect(page.locator("[data-bpmn-viewer]")).to_have_attribute("data-bpmn-rendered", "1")
    # The bpmn.io watermark stays visible (bpmn-js licence).
    expect(page.locator(".bpmn-canvas .bjs-powered-by")).to_be_visible()
    expect(page.locator("[data-bpmn-steps] li").first).to_contain_text("收件")
    expect(page.locator("[data-bpmn-status]")).to_be_empty()
    screenshot(page, "workflow-definition")
    assert_accessible(page, "the process definition page")
    check_phone(page, "workflow-definition")


def test_the_modeler_saves_a_changed_time_limit_as_a_new_draft(page: Any, shipped: None, demo_password: str) -> None:
    from dgov.workflow.models import ProcessDefinition
    from dgov.workflow.validation import definition_steps

    sign_in(page, "admin", demo_password)
    page.goto("/workflow/standard_case/v1/edit/")
    task = page.locator('.bpmn-editor-canvas [data-element-id="accept_step"]')
    expect(task).to_be_visible()
    task.click()
    expect(page.locator("[data-props-id]")).to_have_text("accept_step")
    expect(page.locator("#prop-role")).to_have_value("window_clerk")
    expect(page.locator("#prop-days")).to_have_value("5")
    page.fill("#prop-days", "7")
    page.locator("#prop-days").press("Tab")
    source = page.locator("textarea.bpmn-source")
    expect(source).to_have_value(re.compile(r'name="days" value="7"'))
    screenshot(page, "workflow-edit")
    assert_accessible(page, "the modeler page")
    click_and_wait(page, page.locator("form[data-bpmn-form] button[type=submit]"))
    assert page.url.endswith("/workflow/standard_case/v2/")

    v2 = ProcessDefinition.objects.get(key="standard_case", version=2)
    accept = next(s for s in definition_steps(v2.bpmn_xml, v2.process_id) if s.id == "accept_step")
    assert (v2.status, accept.role, accept.days) == ("draft", "window_clerk", "7")
    assert accept.fields == ("受理决定 Decision", "意见 Opinion")  # camunda:formData kept as it was


def test_the_diagram_include_highlights_the_steps_it_is_given(page: Any, shipped: None, demo_password: str) -> None:
    """The include as another app uses it (the case page): a page of its own, served here by the
    test, with the current and done steps marked on the canvas and in the text list."""
    from django.template import engines

    from dgov.workflow.models import ProcessDefinition
    from dgov.workflow.selectors import process_definition_steps

    definition = ProcessDefinition.objects.get(key="standard_case", version=1)
    html = (
        engines["django"]
        .from_string(
            '{% extends "base.html" %}{% block content %}<h1>Case</h1>'
            '{% include "workflow/_diagram.html" %}{% endblock %}'
        )
        .render(
            {
                "diagram_xml_url": "/workflow/standard_case/v1/bpmn.xml",
                "active_ids": ["review_step"],
                "done_ids": ["receive", "accept_step", "accept_gateway"],
                "steps": process_definition_steps(definition=definition),
            }
        )
    )
    sign_in(page, "admin", demo_password)
    page.route("**/case-page/", lambda route: route.fulfill(body=html, content_type="text/html; charset=utf-8"))
    page.goto("/case-page/")
    expect(page.locator(".bpmn-canvas .djs-element.dgov-step-active")).to_have_attribute(
        "data-element-id", "review_step"
    )
    expect(page.locator(".bpmn-canvas .djs-element.dgov-step-done")).to_have_count(3)
    expect(page.locator("[data-bpmn-steps] li.is-active")).to_contain_text("审查 Review")
    screenshot(page, "workflow-diagram-include")
    assert_accessible(page, "a page with the diagram include")

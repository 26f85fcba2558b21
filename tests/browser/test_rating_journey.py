"""好差评 in a real browser: the enterprise rates a refused case 不满意; the department calls back,
fixes the problem, reports back and closes the rectification; the rater then reads the answer and
sees the rectification closed — in Chinese, without any axe violation.

Screenshots (test-results/): rating-{form,sent,closed}.
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
)

expect = playwright_expect()

ANSWER = "已核实：窗口未一次性告知补正材料。已对窗口人员进行培训，并更新办事指南中的材料说明。"


@pytest.fixture
def refused_case(demo_data: dict[str, int], settings: Any, tmp_path: Path) -> Any:
    """The demo catalogue and a 食品经营许可 case of the enterprise, submitted online (sealed with the
    enterprise's e-seal, so the legal-person registry and the demo e-seals are loaded as by make run)
    and refused at the window."""
    import importlib

    from django.apps import apps

    from dgov.accounts.models import User
    from dgov.cases import services as cases
    from dgov.cases.tests.conftest import open_task, submit
    from dgov.catalog.demo import load_demo_catalog
    from dgov.catalog.models import ServiceItem
    from dgov.core.workdays import calendar_seed_from_library
    from dgov.esign.demo import load_demo as load_demo_esign
    from dgov.registries.demo import load_demo as load_demo_registries
    from dgov.workflow.services import process_definitions_load_shipped

    settings.MEDIA_ROOT = str(tmp_path / "media")
    importlib.import_module("dgov.catalog.migrations.0001_service_catalogue").add_life_events(apps, None)
    calendar_seed_from_library(actor=None)
    process_definitions_load_shipped(actor=None)
    load_demo_registries()
    load_demo_esign()
    load_demo_catalog()
    item = ServiceItem.objects.get(name="食品经营许可", status=ServiceItem.Status.PUBLISHED)
    case = submit(User.objects.get(username="enterprise"), item)
    return cases.case_task_complete(
        actor=User.objects.get(username="clerk"), task=open_task(case), decision="refuse", opinion="经营场所地址不符"
    )


def check(page: Any, label: str) -> None:
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    violations = axe_violations(page)
    assert not violations, f"axe found violations on {label} ({page.url}):\n" + format_violations(violations)
    screenshot(page, label)


def test_a_bad_rating_is_rectified_and_the_rater_sees_it_closed(
    new_context: Any, refused_case: Any, live_server: Any, demo_password: str
) -> None:
    from dgov.accounts.models import User
    from dgov.ratings.models import Rating, Rectification
    from dgov.ratings.services import (
        rectification_call_back,
        rectification_close,
        rectification_report_back,
        rectification_resolve,
    )

    page = new_context(viewport=dict(DESKTOP)).new_page()
    sign_in(page, "enterprise", demo_password)
    page.goto(f"{live_server.url}/ratings/cases/{refused_case.pk}/")
    page.locator("label[for=level-2]").click()  # 不满意
    page.locator("textarea#id_comment").fill("跑了两趟才知道材料不齐")
    check(page, "rating-form")
    click_and_wait(page, page.locator("main form.rating-form button[type=submit]"))
    rating = Rating.objects.get(rater__username="enterprise")
    assert rating.level == 2
    rect = Rectification.objects.get(rating=rating)
    check(page, "rating-sent")

    # The department works the rectification: call back, fix at once, report back, close.
    approver = User.objects.get(username="approver")
    rectification_call_back(actor=approver, rectification=rect, result="电话回访，情况属实", verified=True)
    rect.refresh_from_db()
    rectification_resolve(actor=approver, rectification=rect, resolution="fixed_now", note="已培训窗口人员")
    rect.refresh_from_db()
    rectification_report_back(actor=approver, rectification=rect, outcome=ANSWER)
    rect.refresh_from_db()
    rectification_close(actor=approver, rectification=rect)

    page.goto(f"{live_server.url}/ratings/mine/{rating.pk}/")
    block = page.locator("[data-block=rectification-outcome]")
    expect(block.locator("[data-state=closed]")).to_be_visible()
    expect(block).to_contain_text(ANSWER)
    check(page, "rating-closed")

"""The end-to-end journey of an application in a real browser, in Chinese and in elder mode.

A citizen (the demo ``citizen``, applying as the owner of an individual business: 食品经营许可 is
for individuals and enterprises) finds the item by searching "食品", opens its guide, applies
online with a PDF for every material that must be uploaded, signing on the signature pad instead of
on paper (免手写签名); the window clerk accepts; 市场监管's
approver reviews and approves; the citizen sees the case concluded with its timeline.

Run twice: standard mode (everyone on a 1280 px desktop), and elder mode (the citizen on a
390x844 phone, every actor with elder mode switched on). axe-core (WCAG 2.0/2.1 A and AA) finds no
violation of any impact on the apply page, the applicant's case page (submitted and concluded), the
queue and the staff case page, in both modes; at phone size the citizen's pages do not scroll
sideways and their header tools and form buttons are usable.

A last test checks the staff case page at desktop width: the step card stands whole beside the
case facts, neither split into columns nor drawn over them.

Elements are found by URLs, names, values, ids and CSS classes, never by interface text (the
Chinese catalogue is being written), except data that is Chinese in the database.

Screenshots (test-results/, ignored by git): journey-{standard,elder}-{apply,submitted,clerk-queue,
staff-case,approver-queue,approver-case,approver-concluded,concluded}.png, full pages.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from browser_helpers import (
    DESKTOP,
    SHELL_CONTROLS,
    assert_controls_usable,
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
ITEM_NAME = "食品经营许可"
SEARCH = "食品"
PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


@pytest.fixture
def journey(demo_data: dict[str, int], settings: Any, tmp_path: Path) -> dict[str, Any]:
    """What `make run` loads besides the accounts (the flush after each test removes it): the
    working-day calendar, the shipped processes and the demo catalogue, and the life events that
    a data migration writes (flushed too after the first transactional test). Uploads go to tmp_path."""
    import importlib

    from django.apps import apps

    from dgov.catalog.demo import load_demo_catalog
    from dgov.catalog.models import ServiceItem
    from dgov.core.workdays import calendar_seed_from_library
    from dgov.workflow.services import process_definitions_load_shipped

    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
    importlib.import_module("dgov.catalog.migrations.0001_service_catalogue").add_life_events(apps, None)
    calendar_seed_from_library(actor=None)
    process_definitions_load_shipped(actor=None)
    load_demo_catalog()
    item = ServiceItem.objects.get(name=ITEM_NAME, status=ServiceItem.Status.PUBLISHED)
    pdf = tmp_path / "scan.pdf"
    pdf.write_bytes(PDF_BYTES)
    return {"item": item, "pdf": pdf}


def individual_business_form() -> dict[str, str]:
    """The form as the owner of an individual business (个体工商户) fills it in: 92… is the
    credit-code prefix of individual businesses; the check character is computed."""
    from dgov.core.validation import credit_code_check_char

    first17 = "92440704MA4W7K3L2"
    return {
        "org_name": "江海区陈记小食店（个体工商户）",
        "credit_code": first17 + credit_code_check_char(first17),
        "legal_representative": "陈伯文",
        "contact_name": "陈伯文",
        "contact_phone": "13800000001",
        "premises": "江海区外海街道金溪路8号（示例）",
        "business_items": "热食类食品制售",
        "safety_manager": "陈伯文",
    }


BUSINESS_FORM = "餐饮服务经营者"  # an option of the item's form (data, not interface text)


def switch_elder_mode_on(page: Any) -> None:
    on = page.locator(".header-tools button[name=enabled][value='1']")
    expect(on).to_have_attribute("aria-pressed", "false")
    click_and_wait(page, on)
    expect(page.locator("body")).to_contain_class("elder")


def check_page(page: Any, label: str, *, phone: bool) -> None:
    """A Chinese page without any axe violation (of any impact), and a screenshot; at phone size no
    horizontal scroll, and the header tools and the form's buttons on screen, uncovered, big enough."""
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    violations = axe_violations(page)  # of any impact: these pages have none
    assert not violations, f"axe found violations on {label} ({page.url}):\n" + format_violations(violations)
    screenshot(page, label)
    if phone:
        assert_no_horizontal_scroll(page, label)
        assert_controls_usable(page, f"{SHELL_CONTROLS}, main .actions button", label, minimum=3)


def open_task(case: Any) -> Any:
    from dgov.workflow.models import Task

    return Task.objects.get(instance_id=case.instance_id, state__in=Task.OPEN_STATES)


def staff_opens_case_from_queue(page: Any, case: Any, label: str) -> None:
    page.locator(".top-nav a[href='/cases/work/']").click()
    page.wait_for_url("**/cases/work/")
    link = page.locator(f"table.queue a[href='/cases/work/cases/{case.pk}/']")
    expect(link).to_have_text(case.number)
    check_page(page, f"{label}-queue", phone=False)
    click_and_wait(page, link)
    expect(page.locator("h1 .case-number")).to_have_text(case.number)


def wait_for_diagram(page: Any) -> None:
    """The staff case page draws the process diagram with a script: let it finish before axe."""
    expect(page.locator("[data-bpmn-viewer]")).to_have_attribute("data-bpmn-rendered", "1")


def complete_step(page: Any, case: Any, spec_id: str, decision: str | None, opinion: str) -> None:
    task = open_task(case)
    assert task.spec_id == spec_id
    form = page.locator(f"form[action='/cases/work/tasks/{task.pk}/']")
    radios = form.locator(f"input[type=radio][name='t{task.pk}-decision']")
    if decision is None:
        expect(radios).to_have_count(0)
    else:
        form.locator(f"input[type=radio][name='t{task.pk}-decision'][value='{decision}']").check()
    form.locator(f"textarea[name='t{task.pk}-opinion']").fill(opinion)
    click_and_wait(page, form.locator("button[name=action][value=complete]"))
    assert page.url.endswith(f"/cases/work/cases/{case.pk}/")
    expect(page.locator("main .form-errors, .messages .message-error, main .error")).to_have_count(0)
    expect(page.locator(".messages .message-success")).to_have_count(1)


@pytest.mark.parametrize("mode", ["standard", "elder"])
def test_food_licence_from_search_to_concluded(
    mode: str, new_context: Any, journey: dict[str, Any], live_server: Any, demo_password: str
) -> None:
    from dgov.accounts.models import User
    from dgov.cases import services
    from dgov.cases.models import Case

    elder = mode == "elder"
    item = journey["item"]
    citizen = User.objects.get(username="citizen")
    label = f"journey-{mode}"

    # --- The citizen finds the item, reads the guide, applies. ----------------------------------
    page = new_context(viewport=dict(PHONE_TALL if elder else DESKTOP)).new_page()
    sign_in(page, "citizen", demo_password)
    if elder:
        switch_elder_mode_on(page)
    page.locator(".top-nav a[href='/services/']").click()
    page.wait_for_url("**/services/")
    page.fill("form[role=search] input[name=q]", SEARCH)
    click_and_wait(page, page.locator("form[role=search] button[type=submit]"))
    assert "q=" in page.url
    result = page.locator(f"ol.results a[href='/services/{item.code}/']")
    expect(result).to_contain_text(ITEM_NAME)
    click_and_wait(page, result)
    click_and_wait(page, page.locator(f"main a[href='/cases/apply/{item.code}/']"))
    if elder:
        expect(page.locator("body")).to_contain_class("elder")
    else:
        expect(page.locator("body")).not_to_contain_class("elder")
    expect(page.locator("form.apply-form")).to_be_visible()

    # What the account already knows is filled in and marked; the rest is empty and unmarked.
    prefilled = services.prefill_for(citizen, item.form_schema)
    form = page.locator("form.apply-form")
    for name in item.form_schema["properties"]:
        mark = form.locator(f"#f_{name}_help.prefilled")
        if name in prefilled:
            expect(mark).to_have_count(1)
            expect(form.locator(f"[name={name}]:not([type=hidden])")).to_have_value(str(prefilled[name]))
        else:
            expect(mark).to_have_count(0)

    for name, value in individual_business_form().items():
        field = form.locator(f"input[name={name}]")
        if name not in prefilled:
            field.fill(value)
    form.locator("select[name=business_form]").select_option(BUSINESS_FORM)
    form.locator("input[type=checkbox][name=online_sales]").check()
    required = [m for m in item.materials.all() if services.material_needs_upload(m)]
    assert required, "the item asks for uploads"
    for material in required:
        form.locator(f"input[type=file][name='material_{material.pk}']").set_input_files(str(journey["pdf"]))
    # 免手写签名: the citizen signs on the pad instead of on paper.
    sign_on_pad(page, form)
    check_page(page, f"{label}-apply", phone=elder)

    click_and_wait(page, form.locator("button[name=action][value=submit]"))
    case = Case.objects.get(applicant=citizen)
    expect(page).to_have_url(f"{live_server.url}/cases/mine/{case.pk}/")
    expect(page.locator(".case-number")).to_have_text(case.number)
    expect(page.locator(".status.status-submitted")).to_have_count(1)
    expect(page.locator(".timeline li.timeline-submitted")).to_have_count(1)
    assert case.form_data["online_sales"] is True and case.form_data["business_form"] == BUSINESS_FORM
    assert case.materials.count() == len(required)
    assert list(case.signatures.values_list("kind", flat=True)) == ["drawn"]
    check_page(page, f"{label}-submitted", phone=elder)

    # --- The window clerk accepts. ---------------------------------------------------------------
    clerk = new_context().new_page()
    sign_in(clerk, "clerk", demo_password)
    if elder:
        switch_elder_mode_on(clerk)
    staff_opens_case_from_queue(clerk, case, f"{label}-clerk")
    wait_for_diagram(clerk)
    expect(clerk.locator(".status.status-submitted")).to_have_count(1)
    check_page(clerk, f"{label}-staff-case", phone=False)
    complete_step(clerk, case, "accept_step", "accept", "材料齐全，予以受理")
    expect(clerk.locator(".status.status-accepted")).to_have_count(1)

    # --- The approver of 市场监管 reviews, then approves. ----------------------------------------
    approver = new_context().new_page()
    sign_in(approver, "approver", demo_password)
    if elder:
        switch_elder_mode_on(approver)
    staff_opens_case_from_queue(approver, case, f"{label}-approver")
    wait_for_diagram(approver)
    check_page(approver, f"{label}-approver-case", phone=False)
    complete_step(approver, case, "review_step", None, "经营场所与设施符合要求")
    complete_step(approver, case, "decide_step", "approve", "准予许可")
    expect(approver.locator(".status.status-concluded")).to_have_count(1)
    wait_for_diagram(approver)
    check_page(approver, f"{label}-approver-concluded", phone=False)
    case.refresh_from_db()
    assert (case.status, case.result) == (Case.Status.CONCLUDED, Case.Result.APPROVED)

    # --- The citizen sees the case concluded. ----------------------------------------------------
    page.locator(".top-nav a[href='/cases/mine/']").click()
    page.wait_for_url("**/cases/mine/")
    click_and_wait(page, page.locator(f"main a[href='/cases/mine/{case.pk}/']"))
    expect(page.locator(".case-number")).to_have_text(case.number)
    expect(page.locator(".status.status-concluded")).to_have_count(1)
    timeline = page.locator("ol.timeline")
    for kind in ("submitted", "accepted", "approved", "concluded"):
        expect(timeline.locator(f"li.timeline-{kind}")).to_have_count(1)
    expect(timeline.locator("li.internal, li.timeline-opinion")).to_have_count(0)  # staff-only lines stay hidden
    expect(timeline).to_contain_text("准予许可")
    if elder:
        expect(page.locator("body")).to_contain_class("elder")
    check_page(page, f"{label}-concluded", phone=elder)


# --- Known layout fault of the staff case page ------------------------------------------------

# Where the step card of staff_detail.html is cut into pieces or drawn over the case facts.
_STEP_CARD_LAYOUT = """() => {
  const card = document.querySelector('section.card.action');
  const pieces = [...card.getClientRects()];
  const over = [];
  for (const el of document.querySelectorAll('main .facts dt, main .facts dd')) {
    const r = el.getBoundingClientRect();
    for (const p of pieces) {
      if (r.left < p.right && p.left < r.right && r.top < p.bottom && p.top < r.bottom) {
        over.push(el.textContent.trim().slice(0, 30));
        break;
      }
    }
  }
  return {pieces: pieces.length, covered: over};
}"""


def test_the_staff_case_page_shows_the_step_card_whole_beside_the_facts(
    page: Any, journey: dict[str, Any], demo_password: str
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from dgov.accounts.models import User
    from dgov.cases import services
    from dgov.esign.demo import drawn_signature

    item = journey["item"]
    uploads = {
        m.pk: [SimpleUploadedFile("scan.pdf", PDF_BYTES, content_type="application/pdf")]
        for m in item.materials.all()
        if services.material_needs_upload(m)
    }
    data = {**individual_business_form(), "business_form": BUSINESS_FORM, "online_sales": "false"}
    citizen = User.objects.get(username="citizen")
    case = services.case_submit(
        actor=citizen, item=item, data=data, uploads=uploads, signature=drawn_signature(citizen.real_name)
    )
    sign_in(page, "clerk", demo_password)
    page.goto(f"/cases/work/cases/{case.pk}/")
    expect(page.locator("section.card.action")).to_have_count(1)
    layout = page.evaluate(_STEP_CARD_LAYOUT)
    assert layout == {"pieces": 1, "covered": []}, f"the step card at 1280 px: {layout}"

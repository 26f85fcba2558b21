"""Helpers of the browser tests: axe-core checks, screenshots, layout checks at phone width.

Imported by conftest.py and the test modules (this directory is on sys.path: pytest's
default "prepend" import mode, no __init__.py).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from django.contrib.auth.hashers import Argon2PasswordHasher

ROOT = Path(__file__).resolve().parents[2]
AXE_JS = ROOT / "static" / "vendor" / "axe-core" / "axe.min.js"
RESULTS_DIR = ROOT / "test-results"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING_IMPACTS = {"serious", "critical"}

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}

# The header controls of our own pages (templates/base.html), and of Django's admin site.
SHELL_CONTROLS = ".site-header .brand, .site-header .top-nav a, .header-tools button, .header-tools a"
ADMIN_CONTROLS = "#site-name a, #user-tools a, #user-tools button"


class QuickArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2 as in production, with light parameters: hashing the ten demo passwords for every test
    would otherwise cost ~5 s (100 MiB, 2 passes each). Used by the browser tests only."""

    time_cost = 1
    memory_cost = 1024
    parallelism = 1


def playwright_expect() -> Any:
    """Playwright's ``expect``; without Playwright the module is skipped (fails under DGOV_REQUIRE_BROWSER=1)."""
    import pytest

    if os.environ.get("DGOV_REQUIRE_BROWSER") != "1":
        pytest.importorskip("playwright.sync_api", reason="the Python package playwright is not installed")
    from playwright.sync_api import expect

    return expect


# --- Accessibility (axe-core) ------------------------------------------------------------------

_AXE_RUN = """
async (tags) => {
  const results = await axe.run(document, {
    runOnly: {type: 'tag', values: tags},
    resultTypes: ['violations'],
  });
  return results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({target: n.target, html: n.html, summary: n.failureSummary})),
  }));
}
"""


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """All axe violations (WCAG 2.0/2.1 A and AA) on the page as it is now."""
    if AXE_JS.is_file():
        if not page.evaluate("typeof window.axe !== 'undefined'"):
            page.add_script_tag(path=str(AXE_JS))
        return page.evaluate(_AXE_RUN, AXE_TAGS)
    # Fallback when the vendored copy is missing: the axe bundled with axe-playwright-python.
    from axe_playwright_python.sync_playwright import Axe

    response = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]})
    return [
        {
            "id": v["id"],
            "impact": v.get("impact"),
            "help": v.get("help"),
            "helpUrl": v.get("helpUrl"),
            "nodes": [
                {"target": n.get("target"), "html": n.get("html"), "summary": n.get("failureSummary")}
                for n in v["nodes"]
            ],
        }
        for v in response.response["violations"]
    ]


def format_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:5]:
            lines.append(f"    at {json.dumps(node['target'], ensure_ascii=False)}: {node['html'][:160]}")
            if node.get("summary"):
                lines.append("      " + node["summary"].replace("\n", "\n      "))
        if len(v["nodes"]) > 5:
            lines.append(f"    … and {len(v['nodes']) - 5} more elements")
    return "\n".join(lines)


def assert_accessible(page: Any, label: str) -> None:
    """Fail listing every serious or critical axe violation on the page."""
    serious = [v for v in axe_violations(page) if v.get("impact") in FAILING_IMPACTS]
    assert not serious, f"axe found serious/critical violations on {label} ({page.url}):\n" + format_violations(serious)


# --- Layout -------------------------------------------------------------------------------------


def screenshot(page: Any, name: str, *, full_page: bool = True) -> Path:
    """Save a screenshot under test-results/ once web fonts (Noto Sans SC subsets) have loaded."""
    RESULTS_DIR.mkdir(exist_ok=True)
    page.evaluate("document.fonts.ready.then(() => true)")
    path = RESULTS_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def horizontal_overflow(page: Any) -> dict[str, Any]:
    """scrollWidth against the viewport width, and the elements that stick out on the right."""
    return page.evaluate(
        """() => {
          const width = document.documentElement.clientWidth;
          const wide = [];
          for (const el of document.body.querySelectorAll('*')) {
            const r = el.getBoundingClientRect();
            if (r.width && r.right > width + 0.5) {
              const classes = typeof el.className === 'string' ? el.className.trim().split(/\\s+/) : [];
              const id = el.id ? '#' + el.id : '';
              const name = el.tagName.toLowerCase() + id + classes.map(c => c && '.' + c).join('');
              wide.push(`${name} right=${Math.round(r.right)}`);
            }
          }
          const scrollWidth = document.scrollingElement.scrollWidth;
          return {scrollWidth, innerWidth: window.innerWidth, wide: wide.slice(0, 15)};
        }"""
    )


def assert_no_horizontal_scroll(page: Any, label: str) -> None:
    info = horizontal_overflow(page)
    assert info["scrollWidth"] <= info["innerWidth"], (
        f"{label}: horizontal scroll at {info['innerWidth']} px (scrollWidth {info['scrollWidth']}); "
        f"elements past the right edge: {info['wide']}"
    )


def _undersized_target_ok(target: dict[str, Any], others: list[dict[str, Any]]) -> bool:
    """WCAG 2.2 SC 2.5.8 spacing exception: a 24 px circle centred on an undersized target meets
    neither another target nor the circle of another undersized target."""
    cx, cy = target["left"] + target["width"] / 2, target["top"] + target["height"] / 2
    for other in others:
        ox, oy = other["left"] + other["width"] / 2, other["top"] + other["height"] / 2
        if other["width"] < 24 or other["height"] < 24:
            if ((cx - ox) ** 2 + (cy - oy) ** 2) ** 0.5 < 24:
                return False
        else:
            nx = min(max(cx, other["left"]), other["left"] + other["width"])
            ny = min(max(cy, other["top"]), other["top"] + other["height"])
            if ((cx - nx) ** 2 + (cy - ny) ** 2) ** 0.5 < 12:
                return False
    return True


def assert_controls_usable(page: Any, selector: str, label: str, *, minimum: int = 1) -> None:
    """Each visible control matched is inside the viewport horizontally, not covered by another
    element (the element at its centre is the control or inside it), and big enough to hit:
    24x24 px or spaced as WCAG 2.2 SC 2.5.8 allows."""
    report = page.evaluate(
        """(selector) => {
          const vw = document.documentElement.clientWidth;
          const found = [...document.querySelectorAll(selector)]
            .filter(el => el.getClientRects().length && getComputedStyle(el).visibility !== 'hidden');
          const result = found.map(el => {
            el.scrollIntoView({block: 'center', inline: 'nearest'});
            const r = el.getBoundingClientRect();
            const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
            return {
              text: (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 40),
              left: r.left, right: r.right, top: r.top + window.scrollY, width: r.width, height: r.height, vw,
              reachable: !!hit && (hit === el || el.contains(hit)),
            };
          });
          window.scrollTo(0, 0);
          return result;
        }""",
        selector,
    )
    assert len(report) >= minimum, (
        f"{label}: expected at least {minimum} visible controls for {selector!r}, found {report}"
    )
    problems = []
    for i, c in enumerate(report):
        others = report[:i] + report[i + 1 :]
        if c["left"] < -0.5 or c["right"] > c["vw"] + 0.5:
            problems.append({**c, "problem": "outside the screen"})
        elif not c["reachable"]:
            problems.append({**c, "problem": "covered by another element"})
        elif (c["width"] < 24 or c["height"] < 24) and not _undersized_target_ok(c, others):
            problems.append({**c, "problem": "smaller than 24x24 px and too close to another control"})
    assert not problems, f"{label}: controls not usable at {report[0]['vw']} px: {problems}"


# --- Navigation -------------------------------------------------------------------------------


def sign_in(page: Any, username: str, password: str) -> None:
    """Sign in through the login form (the page ends wherever the site redirects)."""
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()


def click_and_wait(page: Any, locator: Any) -> None:
    """Click a control that submits a form or follows a link, and wait for the next page."""
    with page.expect_navigation():
        locator.click()


# Strokes of a signature, as fractions of the signature pad's width and height: one zigzag across
# the box, long enough for the ink the server asks of a drawn signature.
SIGNATURE_STROKE = [
    (0.08, 0.6),
    (0.2, 0.25),
    (0.32, 0.75),
    (0.44, 0.3),
    (0.56, 0.7),
    (0.68, 0.3),
    (0.8, 0.65),
    (0.92, 0.4),
]


def sign_on_pad(page: Any, scope: Any = None) -> None:
    """Sign an application form as a person does (免手写签名): choose drawing, then draw on the
    signature pad with the mouse (press, move across the box, release); the page's script puts
    the drawing in the hidden field ``signature_drawing`` as a PNG data URL."""
    import re

    expect = playwright_expect()
    section = (page if scope is None else scope).locator("[data-signing]")
    expect(section).to_have_count(1)
    drawn = section.locator("input[name=signature_method][value=drawn]")
    if drawn.count():
        drawn.check()
    canvas = section.locator("canvas[data-signature-pad]")
    canvas.evaluate("el => el.scrollIntoView({block: 'center', inline: 'nearest'})")
    expect(canvas).to_be_visible()
    box = canvas.bounding_box()
    assert box is not None and box["width"] > 0 and box["height"] > 0, "the signature pad is not on screen"

    def at(fx: float, fy: float) -> tuple[float, float]:
        return box["x"] + box["width"] * fx, box["y"] + box["height"] * fy

    page.mouse.move(*at(*SIGNATURE_STROKE[0]))
    page.mouse.down()
    for fx, fy in SIGNATURE_STROKE[1:]:
        page.mouse.move(*at(fx, fy), steps=8)
    page.mouse.up()
    expect(section.locator("input[name=signature_drawing]")).to_have_value(re.compile(r"^data:image/png;base64,"))


def check_phone(page: Any, label: str, controls: str = SHELL_CONTROLS) -> None:
    """At 360x740: no horizontal scroll, the header controls on screen and not covered, no serious
    axe violation; a screenshot ``<label>-360.png``. The viewport stays at phone size."""
    page.set_viewport_size(PHONE)
    assert_no_horizontal_scroll(page, label)
    assert_controls_usable(page, controls, label, minimum=3)
    screenshot(page, f"{label}-360")
    assert_accessible(page, f"{label} at 360 px")

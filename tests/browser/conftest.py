"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

- The whole directory is marked ``browser``. It is skipped, with the reason, when Chromium (or
  Playwright) is not available, unless ``DGOV_REQUIRE_BROWSER=1`` is set (CI): then a missing
  browser fails the tests instead of hiding them.
- One Chromium process per test session; a fresh browser context (cookies, storage) per test.
- The database is TransactionTestCase-style (the live server runs in another thread), so every
  test loads the Jianghai reference data and demo accounts again with ``load_all()``; the flush
  after each test removes them.
- Accessibility: axe-core from ``static/vendor/axe-core/axe.min.js`` (the vendored copy, so the
  tests run offline), WCAG 2.0/2.1 A and AA rules; serious and critical violations fail.
- Screenshots go to ``test-results/`` (ignored by git) for a person to look at.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_helpers import DESKTOP

HERE = Path(__file__).resolve().parent

CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# A browser in mainland China asks for zh-CN; Django maps it to zh-hans.
BROWSER_LOCALE = "zh-CN"
DEFAULT_TIMEOUT_MS = 15_000


# --- Is there a browser? ---------------------------------------------------------------------


def browser_required() -> bool:
    return os.environ.get("DGOV_REQUIRE_BROWSER") == "1"


def chromium_path() -> str | None:
    debian = Path("/usr/bin/chromium")
    if debian.is_file() and os.access(debian, os.X_OK):
        return str(debian)
    return shutil.which("chromium")


def browser_unavailable_reason() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if chromium_path() is None:
        return "Chromium not found (/usr/bin/chromium or `chromium` on PATH); install Debian's chromium package"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the Python package playwright is not installed (requirements/dev.txt)"
    return None


def _in_this_directory(item: pytest.Item) -> bool:
    return Path(item.path).resolve().parent == HERE or HERE in Path(item.path).resolve().parents


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = browser_unavailable_reason()
    for item in items:
        if not _in_this_directory(item):
            continue
        item.add_marker(pytest.mark.browser)
        # WhiteNoise warns that STATIC_ROOT (var/static) was never collected; the tests use finders.
        item.add_marker(pytest.mark.filterwarnings("ignore:No directory at:UserWarning"))
        if reason is not None and not browser_required():
            item.add_marker(
                pytest.mark.skip(
                    reason=f"browser tests skipped: {reason} (DGOV_REQUIRE_BROWSER=1 makes this a failure)"
                )
            )


# --- Browser, contexts, pages ------------------------------------------------------------------


@pytest.fixture(scope="session")
def chromium(live_server: Any) -> Iterator[Any]:
    """One headless Debian Chromium for the whole session.

    It asks for the live server so that it is closed before the server stops: no connection of
    the browser is left for a server thread to finish after the database stopped being shared."""
    reason = browser_unavailable_reason()
    if reason is not None:
        # Only reached when DGOV_REQUIRE_BROWSER=1 (otherwise the tests were skipped at collection).
        pytest.fail(f"DGOV_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop registered as "running" on this thread, which
    # makes Django refuse ORM calls from the test thread (SynchronousOnlyOperation) although
    # nothing runs concurrently. Allow them while Playwright is up, and only then.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    manager = sync_playwright().start()
    try:
        browser = manager.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    finally:
        manager.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def demo_data(transactional_db: None, settings: Any) -> dict[str, int]:
    """The Jianghai regions, departments and the ten demo accounts, loaded by ``load_all()``.

    The passwords are hashed with Argon2 on light parameters (see QuickArgon2PasswordHasher)."""
    from dgov.accounts.demo import load_all

    # Demo mode is the default outside production; set it anyway so DGOV_DEMO=0 in the
    # environment does not turn every test into a failed sign-in.
    settings.DGOV_DEMO = True
    settings.DGOV_DEMO_WAIVES_MFA = True
    settings.PASSWORD_HASHERS = ["browser_helpers.QuickArgon2PasswordHasher", *settings.PASSWORD_HASHERS]
    return load_all()


@pytest.fixture
def new_context(chromium: Any, live_server: Any) -> Iterator[Callable[..., Any]]:
    """Make a fresh browser context (own cookies) on the live server; closed after the test."""
    contexts: list[Any] = []

    def make(**options: Any) -> Any:
        settings = {
            "base_url": live_server.url,
            "viewport": dict(DESKTOP),
            "locale": BROWSER_LOCALE,
            "timezone_id": "Asia/Shanghai",
            **options,
        }
        context = chromium.new_context(**settings)
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context: Callable[..., Any], demo_data: dict[str, int]) -> Any:
    """A page in a fresh context, on a live server holding the demo data."""
    return new_context().new_page()


@pytest.fixture
def demo_password() -> str:
    from django.conf import settings

    return settings.DGOV_DEMO_PASSWORD

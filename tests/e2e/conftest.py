"""Playwright driving Debian's headless Chromium (it cannot download its own browsers here).

Without /usr/bin/chromium the browser tests are skipped, unless RECOURSE_REQUIRE_BROWSER=1 (set by .ci/run),
in which case they fail: CI must never pass by skipping them.
"""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("RECOURSE_REQUIRE_BROWSER") == "1":
            pytest.fail(f"Chromium not found at {CHROMIUM}; install it with: apt-get install -y chromium")
        pytest.skip("Chromium is not installed (apt-get install -y chromium)")
    # Playwright's sync API runs an event loop; Django refuses ORM calls from a thread that has one.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    # The outside world (the quick-exit destination, support sites) is replaced by a local stub page.
    page.route(
        lambda url: not url.startswith(live_server.url),
        lambda route: route.fulfill(status=200, content_type="text/html", body="<title>Outside</title>elsewhere"),
    )
    yield page
    context.close()


@pytest.fixture
def phone_page(browser, live_server):
    """A phone: 390 × 844 CSS pixels, touch, mobile viewport (tests/e2e/phone.py)."""
    from tests.e2e.phone import PHONE

    context = browser.new_context(locale="en-US", **PHONE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.route(
        lambda url: not url.startswith(live_server.url),
        lambda route: route.fulfill(status=200, content_type="text/html", body="<title>Outside</title>elsewhere"),
    )
    yield page
    context.close()

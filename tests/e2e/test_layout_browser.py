"""The base layout in a real browser: styled from vendored assets, quick exit by button and by Esc, staff
sign-in leading to the role's own navigation; and the accessibility check itself can fail."""

from __future__ import annotations

import json

import pytest

from tests.e2e.axe import RESULTS, assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)


def test_home_is_styled_offline_and_quick_exit_leaves(page, live_server, artifacts_dir):
    failed = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.goto(live_server.url + "/")
    # Bootstrap is applied: the primary button has Bootstrap's blue, not the browser default.
    colour = page.eval_on_selector("#quick-exit", "el => getComputedStyle(el).backgroundColor")
    assert colour == "rgb(220, 53, 69)"
    page.screenshot(path=str(artifacts_dir / "home.png"), full_page=True)
    assert not [u for u in failed if u.startswith(live_server.url)]
    page.keyboard.press("Escape")
    page.wait_for_url(lambda url: not url.startswith(live_server.url))
    # The portal page was replaced in history, not pushed: "back" does not return to it.
    page.go_back()
    assert not page.url.startswith(live_server.url + "/") or page.url == "about:blank"


def test_advocate_signs_in_and_sees_cases(page, live_server, advocate, artifacts_dir):
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Username").fill("advocate@example.org")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/dashboard/")
    assert page.get_by_role("heading", name="Open cases").is_visible()
    assert page.get_by_role("link", name="Cases").is_visible()
    page.screenshot(path=str(artifacts_dir / "advocate-dashboard.png"), full_page=True)


def test_the_accessibility_check_fails_on_a_contrast_violation(page, live_server):
    """The axe helper is not a formality: grey-on-grey text (1.5:1) on a real page fails it, by rule and element."""
    page.goto(live_server.url + "/")
    page.eval_on_selector("main h1", "el => { el.style.color = '#bbbbbb'; el.style.backgroundColor = '#ffffff'; }")
    with pytest.raises(AssertionError, match=r"color-contrast \(serious\)[\s\S]*h1"):
        assert_accessible(page, "self-test-contrast")
    kept = json.loads((RESULTS / "self-test-contrast.json").read_text())
    assert kept["axe"] == "4.14.1" and any(v["id"] == "color-contrast" for v in kept["violations"])


def test_phone_menu_button_is_not_under_quick_exit(phone_page, live_server):
    """At 390 px the fixed Quick exit once covered the menu button, so a tap meant for the menu left the site."""
    from tests.e2e.phone import assert_fits_phone

    phone_page.goto(live_server.url + "/")
    covered = phone_page.eval_on_selector(
        ".navbar-toggler",
        "el => { const r = el.getBoundingClientRect();"
        " const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);"
        " return !(hit === el || el.contains(hit)); }",
    )
    assert not covered
    assert_fits_phone(phone_page, "home")
    phone_page.locator(".navbar-toggler").tap()
    phone_page.locator("#language-select").wait_for(state="visible")
    assert phone_page.url.startswith(live_server.url)

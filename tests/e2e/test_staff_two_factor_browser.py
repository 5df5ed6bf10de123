"""A staff member signs in with two factors in a real browser: password, the administrator's one-time enrolment
link, enrolment with the QR code page, the
recovery codes shown once, then the next sign-in asks for the app's code. No CSP violation on the way (the QR
code is inline SVG, not an outside image and not script). The enrolment pages are checked with axe-core;
screenshots go to test-artifacts/journeys/staff-enrolment/ (sign-in with a code: test_advocate_journey.py)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from takedowns.services.two_factor import enrolment_link_issue
from tests.e2e.journey import Journey

pytestmark = pytest.mark.django_db(transaction=True)


def code_for(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def sign_in(page, base: str) -> None:
    page.goto(base + "/accounts/login/")
    page.get_by_label("Username").fill("advocate@example.org")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()


def test_advocate_enrols_and_signs_in_with_the_app_code(page, live_server, settings, advocate):
    journey = Journey(page, "staff-enrolment")
    settings.STAFF_2FA_REQUIRED = True
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)

    # The password alone reaches only the page that asks for an administrator's enrolment link.
    sign_in(page, live_server.url)
    page.wait_for_url(re.compile(r".*/accounts/two-factor/setup/.*"))
    assert page.get_by_role("heading", name="You need an enrolment link").is_visible()
    assert page.locator("figure svg path").count() == 0
    journey.step("link-needed")
    link = urlsplit(enrolment_link_issue(user=advocate)).path
    page.goto(live_server.url + link)
    page.wait_for_url(re.compile(r".*/accounts/two-factor/setup/.*"))
    assert page.locator("figure svg path").count() == 1
    journey.step("enrol")
    device = TOTPDevice.objects.get(user=advocate, confirmed=False)
    page.get_by_role("textbox", name="Code").fill(code_for(device))
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(re.compile(r".*/accounts/two-factor/recovery-codes/.*"))
    assert page.locator("[data-testid=recovery-codes] li").count() == 10
    journey.step("recovery-codes")
    page.get_by_role("link", name="I have saved them").click()
    page.wait_for_url(f"{live_server.url}/dashboard/")

    page.get_by_role("button", name="Sign out").click()
    # The code just used is spent (replay protection); the next sign-in in the same 30 s may reuse the step.
    TOTPDevice.objects.filter(user=advocate).update(last_t=-1)
    sign_in(page, live_server.url)
    page.wait_for_url(re.compile(r".*/accounts/two-factor/\?next=.*"))
    page.get_by_role("textbox", name="Code").fill(code_for(TOTPDevice.objects.get(user=advocate)))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{live_server.url}/dashboard/")
    assert violations == []

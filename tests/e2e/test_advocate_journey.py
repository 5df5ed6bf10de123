"""The advocate's working day in headless Chromium: sign in with the password and the authenticator app's code
(two factors required, the code computed here from the device's key), see the empty clock board, then the
board with three notices, the overdue one on top; filter to overdue, open its case, reveal the contact (logged),
paste the platform's e-mailed reply, open the escalation drafts and mark the notice escalated, then generate the
evidence bundle, download it and check every line of its MANIFEST.sha256. Every page is checked with axe-core;
screenshots go to test-artifacts/journeys/advocate/."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from takedowns.lifecycle import notice_transition
from takedowns.models import Event, EventType, NoticeStatus
from tests.e2e.journey import Journey
from tests.factories import CaseFactory, LocationFactory, NoticeFactory
from tests.utils import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def sent(platform, *, hours_ago, contact="someone@example.org"):
    case = CaseFactory(contact_email=contact)
    notice = NoticeFactory(case=case, platform=platform)
    notice.locations.add(LocationFactory(case=case, platform=platform))
    return notice_transition(
        notice=notice, to="sent", actor_kind="system", at=timezone.now() - timedelta(hours=hours_ago)
    )


def app_code(device: TOTPDevice) -> str:
    """What the authenticator app shows now: RFC 6238 from the device's shared key."""
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def test_advocate_two_factor_board_reply_escalation_and_bundle(page, live_server, settings, advocate, platforms):
    settings.STAFF_2FA_REQUIRED = True
    device = TOTPDevice.objects.create(user=advocate, name="phone", confirmed=True)
    journey = Journey(page, "advocate")

    # Password, then the second factor (a wrong code first).
    page.goto(live_server.url + "/accounts/login/")
    journey.step("sign-in")
    page.get_by_label("Username").fill("advocate@example.org")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/accounts/two-factor/\?next=.*"))
    journey.step("second-factor")
    wrong = f"{(int(app_code(device)) + 1) % 1_000_000:06d}"
    page.get_by_role("textbox", name="Code").fill(wrong)
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    assert page.locator(".invalid-feedback, .alert-danger").count() >= 1
    assert page.url.startswith(live_server.url + "/accounts/two-factor/")
    journey.step("second-factor-wrong")
    # django-otp refuses any code for a moment after a wrong one (1 s, doubling): the person waits, then retries.
    wait_for(lambda: TOTPDevice.objects.get(pk=device.pk).verify_is_allowed()[0], timeout=10, what="the retry delay")
    page.get_by_role("textbox", name="Code").fill(app_code(device))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{live_server.url}/dashboard/")
    assert page.locator('[data-counter="open"]').inner_text() == "0"
    journey.step("board-empty")

    # Three notices arrive; the overdue one tops the board, said in words and not only by colour.
    sent(platforms["reddit"], hours_ago=2)
    overdue = sent(platforms["x"], hours_ago=53, contact="overdue-victim@example.org")
    sent(platforms["reddit"], hours_ago=30)
    page.reload()
    first_row = page.locator("table.board tbody tr").first
    assert overdue.case.reference in first_row.inner_text()
    assert "OVERDUE" in first_row.inner_text()
    assert page.locator('[data-counter="overdue"]').inner_text().endswith("1")
    journey.step("board")

    # The filters work in place (htmx): only overdue rows remain.
    page.get_by_label("Only overdue").check()
    page.wait_for_url("**/dashboard/?*overdue=1*")
    assert page.locator("table.board tbody tr").count() == 1
    journey.step("board-filtered")

    page.locator("table.board tbody tr").first.get_by_role("link", name=overdue.case.reference).click()
    page.wait_for_url(f"**/cases/{overdue.case.reference}/**")
    assert page.get_by_text("overdue-victim@example.org").count() == 0
    page.get_by_role("button", name="Show the contact details (logged)").click()
    page.wait_for_selector("[data-revealed=contact]")
    assert "overdue-victim@example.org" in page.locator("[data-revealed=contact]").inner_text()
    revealed = page.locator('#timeline tr[data-event="case.contact_revealed"]')
    assert revealed.count() == 1 and "advocate@example.org" in revealed.inner_text()
    journey.step("case-revealed")

    # The platform answered by e-mail: the advocate pastes the reply onto the notice.
    notice_card = page.locator(f"section[aria-labelledby='notice-{overdue.pk}']")
    notice_card.get_by_text("Paste a reply received by e-mail").click()
    notice_card.get_by_label("Reply text").fill("We are looking into this; ticket 4711.")
    notice_card.get_by_role("button", name="Save reply").click()
    page.get_by_text("Recorded on the notice.").wait_for()
    notice_card = page.locator(f"section[aria-labelledby='notice-{overdue.pk}']")
    assert "ticket 4711" in notice_card.inner_text()

    # Still overdue: the escalation drafts are there; the advocate files one and records it.
    drafts = page.locator(f"[data-testid='escalation-{overdue.pk}']")
    drafts.locator("summary").click()
    assert drafts.locator("textarea").count() >= 1 and drafts.locator("textarea").first.is_visible()
    journey.step("case-escalation-drafts")
    page.get_by_label(re.compile("Where you escalated it")).fill("Search engine de-indexing request, ref G-77")
    page.get_by_role("button", name="Mark as escalated").click()
    page.get_by_text("the notice to X / Twitter is escalated").wait_for()
    overdue.refresh_from_db()
    assert overdue.status == NoticeStatus.ESCALATED
    assert "ref G-77" in page.locator('#timeline tr[data-event="notice.escalated"]').inner_text()
    journey.step("case-escalated")

    # The evidence bundle: generated, downloaded, every line of its manifest checked.
    page.get_by_role("button", name="Generate evidence bundle").click()
    link = page.get_by_role("link", name="Download the evidence file (ZIP)")
    link.wait_for()
    journey.step("bundle-ready")
    with page.expect_download() as info:
        link.click()
    data = Path(info.value.path()).read_bytes()
    archive = zipfile.ZipFile(io.BytesIO(data))
    lines = archive.read("MANIFEST.sha256").decode().splitlines()
    assert len(lines) >= 7
    for line in lines:
        digest, name = line.split("  ", 1)
        assert hashlib.sha256(archive.read(name)).hexdigest() == digest, name
    assert set(archive.namelist()) == {line.split("  ", 1)[1] for line in lines} | {"MANIFEST.sha256"}
    built = Event.objects.get(case=overdue.case, type=EventType.BUNDLE_BUILT)
    assert built.data["sha256"] == hashlib.sha256(data).hexdigest()
    assert built.data["sha256"] in page.locator("[data-sha256]").first.inner_text()

"""The advocate's cockpit in headless Chromium: the overdue notice tops the clock board; on the case page the
advocate reveals the contact (and the reveal shows on the timeline), generates an evidence bundle, downloads
it and checks every line of its MANIFEST.sha256."""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from takedowns.lifecycle import notice_transition
from takedowns.models import Event, EventType
from tests.factories import CaseFactory, LocationFactory, NoticeFactory

pytestmark = pytest.mark.django_db(transaction=True)


def sent(platform, *, hours_ago, contact="someone@example.org"):
    case = CaseFactory(contact_email=contact)
    notice = NoticeFactory(case=case, platform=platform)
    notice.locations.add(LocationFactory(case=case, platform=platform))
    return notice_transition(
        notice=notice, to="sent", actor_kind="system", at=timezone.now() - timedelta(hours=hours_ago)
    )


def test_advocate_finds_overdue_notice_reveals_contact_and_verifies_bundle(
    page, live_server, advocate, platforms, artifacts_dir
):
    sent(platforms["reddit"], hours_ago=2)
    overdue = sent(platforms["x"], hours_ago=53, contact="overdue-victim@example.org")
    sent(platforms["reddit"], hours_ago=30)

    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Username").fill("advocate@example.org")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/dashboard/")
    first_row = page.locator("table.board tbody tr").first
    assert overdue.case.reference in first_row.inner_text()
    assert "OVERDUE" in first_row.inner_text()  # said in words, not only by the row's colour
    assert page.locator('[data-counter="overdue"]').inner_text().endswith("1")
    page.screenshot(path=str(artifacts_dir / "cockpit-01-board.png"), full_page=True)

    # The filters work in place (htmx): only overdue rows remain.
    page.get_by_label("Only overdue").check()
    page.wait_for_url("**/dashboard/?*overdue=1*")
    assert page.locator("table.board tbody tr").count() == 1

    first_row = page.locator("table.board tbody tr").first
    first_row.get_by_role("link", name=overdue.case.reference).click()
    page.wait_for_url(f"**/cases/{overdue.case.reference}/**")
    assert page.get_by_text("overdue-victim@example.org").count() == 0
    page.get_by_role("button", name="Show the contact details (logged)").click()
    page.wait_for_selector("[data-revealed=contact]")
    assert "overdue-victim@example.org" in page.locator("[data-revealed=contact]").inner_text()
    assert page.locator('#timeline tr[data-event="case.contact_revealed"]').count() == 1
    assert "advocate@example.org" in page.locator('#timeline tr[data-event="case.contact_revealed"]').inner_text()
    page.screenshot(path=str(artifacts_dir / "cockpit-02-case-revealed.png"), full_page=True)

    page.get_by_role("button", name="Generate evidence bundle").click()
    link = page.get_by_role("link", name="Download the evidence file (ZIP)")
    link.wait_for()
    page.screenshot(path=str(artifacts_dir / "cockpit-03-bundle-ready.png"), full_page=True)
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


def test_accountability_report_renders_charts(page, live_server, advocate, platforms, artifacts_dir):
    for hours in (2, 20, 53, 60):
        sent(platforms["reddit" if hours % 2 else "x"], hours_ago=hours)
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Username").fill("advocate@example.org")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/dashboard/")
    page.get_by_role("link", name="Platforms").click()
    page.wait_for_url("**/reports/platforms/")
    assert page.get_by_role("img", name="Share of notices removed within the deadline").is_visible()
    assert page.get_by_role("row", name="Reddit").count() == 1
    page.screenshot(path=str(artifacts_dir / "cockpit-04-report.png"), full_page=True)

"""The advocate's accountability report in headless Chromium (the clock board, case page and evidence bundle are
in test_advocate_journey.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from takedowns.lifecycle import notice_transition
from tests.e2e.axe import assert_accessible
from tests.factories import CaseFactory, LocationFactory, NoticeFactory

pytestmark = pytest.mark.django_db(transaction=True)


def sent(platform, *, hours_ago, contact="someone@example.org"):
    case = CaseFactory(contact_email=contact)
    notice = NoticeFactory(case=case, platform=platform)
    notice.locations.add(LocationFactory(case=case, platform=platform))
    return notice_transition(
        notice=notice, to="sent", actor_kind="system", at=timezone.now() - timedelta(hours=hours_ago)
    )


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
    # One row per platform in the platform table (the outcomes-by-route table below has its own rows).
    per_platform = page.get_by_role("region", name="Figures per platform")
    assert per_platform.get_by_role("row", name="Reddit").count() == 1
    page.screenshot(path=str(artifacts_dir / "cockpit-04-report.png"), full_page=True)
    assert_accessible(page, "advocate-report")

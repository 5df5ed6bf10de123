"""A platform's trust-and-safety user in headless Chromium: signs in, sees only their platform's notices,
acknowledges one and reports removal of one URL; the victim's status page, the API and the admin show it. The
other platform's notice opens from the signed link of its e-mail, without an account. Every
portal page is checked with axe-core; screenshots go to test-artifacts/journeys/platform/."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from takedowns.lifecycle import notice_transition
from takedowns.models import LocationState, NoticeStatus
from takedowns.notices import make_response_token
from takedowns.services.cases import case_create
from takedowns.services.notices import notices_draft
from takedowns.services.users import portal_user_create_or_update
from tests.e2e.journey import Journey
from tests.utils import api_token

pytestmark = pytest.mark.django_db(transaction=True)


def test_platform_user_acknowledges_and_reports_removal(page, live_server, advocate):
    journey = Journey(page, "platform")
    portal_user_create_or_update(
        role="platform",
        email="trust@reddit.example",
        password="correct-horse-battery",
        platform_slug="reddit",
        validate=False,
    )
    created = case_create(
        victim_name="Sam Example",
        signature_name="Sam Example",
        contact_email="sam@example.org",
        good_faith_statement="I have a good-faith belief this was shared without my consent.",
        attestations={"good_faith": True, "accuracy": True},
        urls=[
            "https://www.reddit.com/r/a/comments/one/p/",
            "https://www.reddit.com/r/a/comments/two/p/",
            "https://x.com/someone/status/77",
        ],
    )
    notices = {n.platform.slug: n for n in notices_draft(case_id=created.case.pk)}
    reddit = notice_transition(notice=notices["reddit"], to="sent", actor_kind="victim")
    x = notice_transition(notice=notices["x"], to="sent", actor_kind="victim")

    page.goto(live_server.url + "/accounts/login/")
    journey.step("sign-in")
    page.get_by_label("Username").fill("trust@reddit.example")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/dashboard/")
    assert page.get_by_role("link", name=reddit.reference).is_visible()
    assert page.get_by_text(x.reference).count() == 0  # another platform's notice is not there
    journey.step("inbox")

    page.get_by_role("link", name=reddit.reference).click()
    page.wait_for_url(f"**/inbox/notices/{reddit.pk}/")
    journey.step("notice")
    page.get_by_role("button", name="Acknowledge").click()
    page.wait_for_selector("text=marked as received")
    journey.step("notice-acknowledged")
    first = reddit.locations.order_by("id").first()
    boxes = page.locator("input[name='removed-locations']")
    for i in range(boxes.count()):
        if boxes.nth(i).get_attribute("value") != str(first.pk):
            boxes.nth(i).uncheck()
        else:
            boxes.nth(i).check()
    page.get_by_role("button", name="Report removal").click()
    page.wait_for_selector("text=removal is recorded")
    journey.step("notice-removed-one")
    assert page.locator("img").count() == 0

    reddit.refresh_from_db()
    first.refresh_from_db()
    assert reddit.status == NoticeStatus.ACKNOWLEDGED and first.state == LocationState.REMOVED

    # The API (advocate token) shows it.
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token(advocate)}")
    body = api.get(f"/api/v1/cases/{created.case.reference}/").json()
    assert {n["platform"]: n["status"] for n in body["notices"]}["reddit"] == "acknowledged"
    assert {loc["url"]: loc["state"] for loc in body["locations"]}[first.url] == "removed"

    # The page behind the signed link in the notice e-mail, as someone without an account opens it. X takes
    # notices through its own form and has no registered address for one-time codes, so the page says to answer
    # in the inbox or the API (the code steps are tested in tests/takedowns/test_respond_page.py).
    page.get_by_role("button", name="Sign out").click()
    page.goto(live_server.url + f"/respond/{make_response_token(x)}/")
    assert x.reference in page.get_by_role("heading", level=1).inner_text()
    assert page.locator("[data-testid=respond-code]").is_visible()
    journey.step("signed-link")

    # The victim's status page shows it.
    page.goto(live_server.url + f"/case/sign-in/?reference={created.case.reference}")
    page.get_by_label("Access code").fill(created.access_code)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(f"{live_server.url}/case/")
    reddit_card = page.locator("[data-platform='Reddit']")
    assert "Acknowledged" in reddit_card.inner_text() or "received" in reddit_card.inner_text().lower()
    journey.step("victim-status")

    # The admin shows it.
    advocate.is_superuser = True
    advocate.save(update_fields=["is_superuser"])
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Username").fill("advocate@example.org")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/dashboard/")
    page.goto(live_server.url + f"/admin/takedowns/notice/{reddit.pk}/change/")
    assert "Acknowledged" in page.content()
    journey.step("admin", accessible=False)  # Django's own admin, not a portal page

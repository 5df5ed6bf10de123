"""Pages no journey passes through, checked with axe-core all the same: the not-found page, the public
transparency report, an invalid response link, and the advocate's watched sites, unknown-website form and
findings. (The API's Swagger page is drf-spectacular's own template, not a portal page, and is not checked.)"""

from __future__ import annotations

import pytest

from tests.e2e.axe import assert_accessible
from tests.factories import complete_case, load_email_platforms

pytestmark = pytest.mark.django_db(transaction=True)


def test_pages_outside_the_journeys_are_accessible(page, live_server, advocate, settings):
    settings.PUBLIC_ACCOUNTABILITY_REPORT = True
    load_email_platforms()
    case = complete_case(urls=["https://unknown-site.example/post/1"], hashed_images=1)
    location = case.locations.get()

    def check(path: str, name: str, status: int = 200) -> None:
        response = page.goto(live_server.url + path)
        assert response.status == status, (path, response.status)
        assert_accessible(page, f"other-{name}")

    check("/nothing-here/", "not-found", 404)
    check("/transparency/platforms/", "transparency")
    check("/respond/not-a-token/", "respond-invalid", 404)
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Username").fill("advocate@example.org")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/dashboard/")
    check("/watchlist/", "watchlist")
    check(f"/cases/{case.reference}/locations/{location.pk}/add-platform/", "add-platform")
    check(f"/cases/{case.reference}/findings/", "findings-empty")

"""Pages: the layout works offline, the quick exit is everywhere, navigation differs by role, and staff only
see what is theirs."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from takedowns.lifecycle import notice_transition
from tests.factories import NoticeFactory
from tests.utils import api_token


@pytest.mark.django_db
def test_home_renders_with_vendored_assets_only(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:href|src)="([^"]+\.(?:css|js))"', html)
    assert assets and all(a.startswith("/static/") for a in assets), assets
    assert 'id="quick-exit"' in html
    assert "takeitdown.ncmec.org" in html and "stopncii.org" in html


@pytest.mark.django_db
def test_security_headers(client):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response["Cache-Control"].startswith("no-store")
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


def test_vendored_bootstrap_is_present(settings):
    root = settings.STATICFILES_DIRS[0]
    assert (root / "vendor/bootstrap-5.3.9/css/bootstrap.min.css").stat().st_size > 100_000
    assert (root / "vendor/bootstrap-5.3.9/js/bootstrap.bundle.min.js").stat().st_size > 50_000


@pytest.mark.django_db
def test_language_switch_to_spanish(client):
    response = client.post(reverse("set_language"), {"language": "es", "next": "/"})
    assert response.status_code == 302
    assert client.get("/").content.decode().count('lang="es"') == 1


@pytest.mark.django_db
def test_navigation_differs_by_role(client, advocate, reddit_staff):
    client.force_login(advocate)
    html = client.get(reverse("takedowns:dashboard")).content.decode()
    assert "Open cases" in html and ">Cases<" in html
    client.force_login(reddit_staff)
    html = client.get(reverse("takedowns:dashboard")).content.decode()
    assert "Notices for Reddit" in html and ">Cases<" not in html


@pytest.mark.django_db
def test_dashboard_needs_login(client):
    response = client.get(reverse("takedowns:dashboard"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_platform_staff_see_only_their_notices_and_no_cases(client, reddit_staff, x_staff, platforms):
    mine = notice_transition(notice=NoticeFactory(platform=platforms["reddit"]), to="sent", actor_kind="system")
    theirs = notice_transition(notice=NoticeFactory(platform=platforms["x"]), to="sent", actor_kind="system")
    client.force_login(reddit_staff)
    html = client.get(reverse("takedowns:dashboard")).content.decode()
    assert mine.reference in html and theirs.reference not in html
    assert client.get(reverse("takedowns:case_detail", args=[mine.case.reference])).status_code == 404


@pytest.mark.django_db
def test_advocate_case_page_never_shows_images(client, advocate, platforms):
    notice = NoticeFactory(platform=platforms["reddit"])
    client.force_login(advocate)
    html = client.get(reverse("takedowns:case_detail", args=[notice.case.reference])).content.decode()
    assert notice.case.reference in html
    assert "<img" not in html
    assert client.get(reverse("takedowns:case_detail", args=["RC-NOPE-NOPE"])).status_code == 404


@pytest.mark.django_db
def test_notice_for_user_is_the_same_404_for_missing_and_forbidden(reddit_staff, platforms):
    from django.http import Http404

    from takedowns.selectors import notice_for_user

    other = notice_transition(notice=NoticeFactory(platform=platforms["x"]), to="sent", actor_kind="system")
    for ident in (other.pk, 999999, "abc"):
        with pytest.raises(Http404):
            notice_for_user(reddit_staff, ident)


@pytest.mark.django_db
def test_healthz(client):
    assert client.get("/healthz").json()["status"] == "ok"


@pytest.mark.django_db
def test_api_schema_and_token_auth(client, reddit_staff):
    assert client.get("/api/v1/platforms/").status_code in (401, 403)
    token = api_token(reddit_staff)
    response = client.get("/api/v1/platforms/", HTTP_AUTHORIZATION=f"Token {token}")
    # Platform staff read their own registry entry only.
    assert response.status_code == 200 and [p["slug"] for p in response.json()["results"]] == ["reddit"]
    assert client.get("/api/schema/").status_code == 200


@pytest.mark.django_db
def test_staff_login_locks_after_five_failures(client, advocate):
    for _ in range(5):
        client.post(reverse("login"), {"username": "advocate@example.org", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "advocate@example.org", "password": "correct-horse-battery"})
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()


@pytest.mark.django_db
def test_advocate_sees_webform_pieces_and_missing_elements(client, advocate, platforms):
    from takedowns.services.notices import notices_draft
    from tests.factories import complete_case

    case = complete_case(urls=["https://www.reddit.com/r/x/comments/abc/p/"])
    incomplete = complete_case(urls=["https://x.com/a/status/1"], signature_name="")
    notices_draft(case_id=case.pk)
    notices_draft(case_id=incomplete.pk)
    client.force_login(advocate)
    html = client.get(reverse("takedowns:case_detail", args=[case.reference])).content.decode()
    assert "Submit through the platform" in html and "I submitted it" in html and "data-copy-target" in html
    html = client.get(reverse("takedowns:case_detail", args=[incomplete.reference])).content.decode()
    assert "Cannot be sent yet" in html


def test_deadlines_are_marked_for_the_viewers_own_time_zone():
    """Shown in UTC, and marked up so the browser adds the viewer's local time (static/recourse/js/recourse.js)."""
    from datetime import UTC, datetime

    from takedowns.templatetags.takedowns_extras import utc_and_local

    moment = datetime(2026, 6, 3, 12, 0, tzinfo=UTC)
    assert (
        str(utc_and_local(moment))
        == '<time datetime="2026-06-03T12:00:00Z" data-local-time>2026-06-03 12:00 UTC</time>'
    )
    assert utc_and_local(None) == ""

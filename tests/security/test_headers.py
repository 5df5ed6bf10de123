"""Response headers: a strict Content-Security-Policy, no framing, no sniffing, a same-origin referrer and
opener policy on every response, nothing personal kept in a browser or proxy cache, and HSTS with secure
cookies under the production settings (checked in a subprocess, as the settings tests do)."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from tests.security.world import build_world, csrf_token


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def assert_security_headers(response) -> None:
    """What every answer of the portal carries, whoever asks and whatever the status."""
    csp = response.get("Content-Security-Policy")
    assert csp, "no Content-Security-Policy"
    directives = csp_directives(csp)
    scripts = directives.get("script-src", directives.get("default-src"))
    assert scripts, f"no script-src in {csp!r}"
    assert not {"'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:"} & set(scripts), csp
    assert directives.get("default-src") == ["'self'"], csp
    assert directives.get("object-src") == ["'none'"], csp
    assert directives.get("base-uri") == ["'none'"], csp
    assert directives.get("frame-ancestors") == ["'none'"], csp
    assert "'unsafe-inline'" not in directives.get("style-src", []), csp
    assert response.get("X-Frame-Options") == "DENY", "X-Frame-Options"
    assert response.get("X-Content-Type-Options") == "nosniff", "X-Content-Type-Options"
    assert response.get("Referrer-Policy") == "same-origin", "Referrer-Policy"
    assert response.get("Cross-Origin-Opener-Policy") == "same-origin", "Cross-Origin-Opener-Policy"
    cache = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    assert "no-store" in cache, f"Cache-Control: {response.get('Cache-Control')!r}"


@pytest.mark.django_db
def test_a_page_of_each_audience_carries_the_headers(settings):
    world = build_world(settings)
    c = world.clients
    pages = [
        ("home", c["anon"], reverse("takedowns:home")),
        ("intake step", c["anon"], reverse("takedowns:intake_step", args=["who"])),
        ("case sign-in", c["anon"], reverse("takedowns:status_login")),
        ("victim's case page", c["victim"], reverse("takedowns:status")),
        ("victim's evidence file", c["victim"], reverse("takedowns:status_bundle_download", args=[world.bundle1_id])),
        ("advocate's board", c["advocate"], reverse("takedowns:dashboard")),
        ("advocate's case page", c["advocate"], reverse("takedowns:case_detail", args=[world.case1.reference])),
        (
            "notice PDF",
            c["advocate"],
            reverse("takedowns:notice_action", args=[world.case1.reference, world.notice_a.pk, "pdf"]),
        ),
        (
            "evidence bundle",
            c["advocate"],
            reverse("takedowns:bundle_download", args=[world.case1.reference, world.bundle1_id]),
        ),
        (
            "blurred preview",
            c["advocate"],
            reverse("takedowns:image_preview", args=[world.case1.reference, world.image1.pk]),
        ),
        ("platform inbox", c["staff_a"], reverse("takedowns:dashboard")),
        ("inbox notice", c["staff_a"], reverse("takedowns:inbox_notice", args=[world.notice_a.pk])),
        ("signed-link page", c["anon"], reverse("takedowns:notice_respond", args=[world.token_a])),
        ("API JSON", c["token_a"], f"/api/v1/notices/{world.notice_a.pk}/"),
        ("API hashes CSV", c["token_a"], f"/api/v1/notices/{world.notice_a.pk}/hashes/?format=csv"),
        ("API docs", c["anon"], reverse("api-docs")),
        ("not found", c["anon"], "/no-such-page/"),
    ]
    for label, client, url in pages:
        response = client.get(url)
        assert response.status_code == 200 or label == "not found", (label, response.status_code)
        try:
            assert_security_headers(response)
        except AssertionError as exc:
            raise AssertionError(f"{label} ({url}): {exc}") from exc
        # Pages with personal data are never stored by a shared browser or proxy cache, nor kept for "back".
        assert response["Cache-Control"].startswith("no-store"), label
        if label != "not found":
            assert "private" in response["Cache-Control"] or response.get("Pragma") == "no-cache", label
    # Downloads are attachments with the right type, never rendered as a page of the portal.
    bundle = c["victim"].get(reverse("takedowns:status_bundle_download", args=[world.bundle1_id]))
    assert bundle["Content-Type"] == "application/zip" and bundle["Content-Disposition"].startswith("attachment")


@pytest.mark.django_db
def test_static_files_may_be_cached_and_still_are_not_sniffed(client, settings):
    settings.WHITENOISE_USE_FINDERS = True  # static files as `make run` serves them, without collectstatic
    response = client.get("/static/vendor/bootstrap-5.3.9/css/bootstrap.min.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_the_signed_out_victim_page_is_not_in_the_history_cache(settings):
    """After "sign out of this case", the back button must not show the case page from the browser's cache:
    the page was never stored (no-store), so the browser asks again and gets the sign-in page."""
    world = build_world(settings)
    victim = world.clients["victim"]
    page = victim.get(reverse("takedowns:status"))
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    victim.post(reverse("takedowns:status_signout"), {"csrfmiddlewaretoken": csrf_token(victim)})
    again = victim.get(reverse("takedowns:status"))
    assert again.status_code == 302 and again["Location"] == reverse("takedowns:status_login")


# --- production settings: HSTS, HTTPS redirect, secure cookies ----------------------------------------------------

# Asked in a subprocess with the production settings (no database there: the API's refusal needs none).
PRODUCTION_PROBE = """
import json
from django.conf import settings
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
client = Client()
plain = client.get("/api/v1/notices/", HTTP_HOST="recourse.helpline.test")
secure = client.get("/api/v1/notices/", HTTP_HOST="recourse.helpline.test", secure=True)
print(json.dumps({
    "plain_status": plain.status_code,
    "plain_location": plain.get("Location"),
    "status": secure.status_code,
    "headers": dict(secure.headers),
    "cookies_secure": [settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE, settings.LANGUAGE_COOKIE_SECURE],
}))
"""


def test_production_settings_send_hsts_and_redirect_to_https(tmp_path):
    from tests.test_settings import PRODUCTION, run_manage

    result = run_manage(
        "shell",
        "-c",
        PRODUCTION_PROBE,
        **PRODUCTION,
        ALLOWED_HOSTS="recourse.helpline.test",
        VAR_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["plain_status"] == 301 and seen["plain_location"] == "https://recourse.helpline.test/api/v1/notices/"
    assert seen["status"] == 401
    headers = {k.lower(): v for k, v in seen["headers"].items()}
    assert headers["strict-transport-security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["cross-origin-opener-policy"] == "same-origin"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["cache-control"].startswith("no-store")
    assert seen["cookies_secure"] == [True, True, True]

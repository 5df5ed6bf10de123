"""Abuse resistance: wrong access codes per case and per client address, intake submissions per address, and
the limiter itself."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from takedowns.models import Case
from takedowns.services.cases import case_check_access_code
from takedowns.services.throttle import throttle_count, throttle_hit, throttle_is_limited
from tests.factories import TEST_ACCESS_CODE, CaseFactory
from tests.utils import intake_state, jpeg, step_url, walk_intake

pytestmark = pytest.mark.django_db

LOCKED = "we have paused sign-in after several codes that did not match"


def attempt(client, reference, code, ip="203.0.113.7"):
    return client.post(reverse("takedowns:status_login"), {"reference": reference, "access_code": code}, REMOTE_ADDR=ip)


def test_five_wrong_codes_lock_that_address_out_of_that_case_only(client):
    case = CaseFactory()
    for _ in range(5):
        response = attempt(client, case.reference, "WRNG-CODE-0000-0000", ip="198.51.100.1")
        assert response.status_code == 200
        assert "do not match a case" in response.content.decode()
    # The same address, even with the right code: paused for now.
    response = attempt(client, case.reference, TEST_ACCESS_CODE, ip="198.51.100.1")
    assert response.status_code == 429
    html = response.content.decode()
    assert LOCKED in html and "Nothing in your case has changed." in html
    # A stranger's wrong codes never lock the rightful victim out: from their own address they get in.
    assert attempt(client, case.reference, TEST_ACCESS_CODE, ip="198.51.100.99").status_code == 302


def test_one_address_trying_many_cases_is_limited(client):
    cases = [CaseFactory() for _ in range(21)]
    for case in cases[:20]:
        assert attempt(client, case.reference, "WRNG-CODE-0000-0000").status_code == 200
    response = attempt(client, cases[20].reference, TEST_ACCESS_CODE)
    assert response.status_code == 429 and LOCKED in response.content.decode()
    # A different address still gets in.
    assert attempt(client, cases[20].reference, TEST_ACCESS_CODE, ip="192.0.2.1").status_code == 302


def test_many_addresses_guessing_one_case_slow_down_but_the_victim_still_gets_in(client):
    from takedowns.services import case_access

    case = CaseFactory()
    for n in range(case_access.CASE_CEILING):
        assert (
            attempt(client, case.reference, "WRNG-CODE-0000-0000", ip=f"10.0.{n // 200}.{n % 200}").status_code == 200
        )
    # Over the ceiling, every address gets a few tries per window: a guesser's fourth try is refused...
    for n in range(case_access.BUSY_CASE_CODE_LIMIT):
        assert attempt(client, case.reference, f"WRNG-CODE-0000-000{n}", ip="203.0.113.50").status_code == 200
    slowed = attempt(client, case.reference, "WRNG-CODE-0000-0009", ip="203.0.113.50")
    assert slowed.status_code == 429 and "only a few tries every 15 minutes" in slowed.content.decode()
    # ...while the victim, from their own connection, signs in with the right code.
    assert attempt(client, case.reference, TEST_ACCESS_CODE, ip="203.0.113.77").status_code == 302


def test_signing_in_clears_that_address_s_wrong_codes(client):
    case = CaseFactory()
    for _ in range(4):
        attempt(client, case.reference, "WRNG-CODE-0000-0000")
    assert attempt(client, case.reference, TEST_ACCESS_CODE).status_code == 302
    client.post(reverse("takedowns:status_signout"))
    for _ in range(4):
        assert attempt(client, case.reference, "WRNG-CODE-0000-0000").status_code == 200


def test_an_unknown_reference_does_the_same_password_work_as_a_known_one(monkeypatch):
    from takedowns.services import cases as case_services

    checked = []
    real = case_services.check_password
    monkeypatch.setattr(case_services, "check_password", lambda *a: checked.append(1) or real(*a))
    known = CaseFactory()
    assert case_services.case_for_access_code(reference=known.reference, code="WRNG-CODE-0000-0000") is None
    assert case_services.case_for_access_code(reference="RC-2222-3333", code="WRNG-CODE-0000-0000") is None
    assert checked == [1, 1]


def test_unknown_reference_counts_and_says_the_same_as_a_wrong_code(client):
    response = attempt(client, "RC-2222-3333", "WRNG-CODE-0000-0000")
    assert "do not match a case" in response.content.decode()
    case = CaseFactory()
    wrong = attempt(client, case.reference, "WRNG-CODE-0000-0000").content.decode()
    assert "do not match a case" in wrong


def test_lock_out_lifts_after_the_window():
    key = "test:window"
    start = 1_000_000.0 - (1_000_000.0 % 900)  # the start of a window
    for _ in range(5):
        throttle_hit(key, 5, 900, now=start + 1)
    assert throttle_is_limited(key, 5, 900, now=start + 2)
    # Sliding: half-way through the next window, half the old hits still count.
    assert throttle_count(key, 900, now=start + 900 + 450) == pytest.approx(2.5)
    assert not throttle_is_limited(key, 5, 900, now=start + 900 + 450)
    assert throttle_count(key, 900, now=start + 1800 + 1) == 0


def test_hit_reports_over_limit():
    assert all(throttle_hit("test:hits", 3, 60) for _ in range(3))
    assert throttle_hit("test:hits", 3, 60) is False


def test_intake_submissions_are_limited_per_address(client, settings, private_storage, monkeypatch):
    import takedowns.web.victim.intake as intake_views

    monkeypatch.setattr(intake_views, "SUBMIT_LIMIT", 2)
    for _ in range(2):
        response = walk_intake(client, urls="https://www.reddit.com/r/a/comments/1/x/")
        assert response["Location"] == reverse("takedowns:intake_receipt")
    walk_intake(client, urls="https://www.reddit.com/r/a/comments/1/x/", submit=False)
    response = client.post(step_url("review"))
    assert response.status_code == 302 and response["Location"] == step_url("review")
    html = client.get(step_url("review")).content.decode()
    assert "Several requests were sent from this connection in the last hour." in html
    assert "Nothing you entered is lost." in html
    assert Case.objects.count() == 2
    # Still all there for when they try again.
    assert intake_state(client)["answers"]["who"]["victim_name"] == "Sam Example"


def test_every_form_has_a_csrf_token(client, private_storage):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post(step_url("who"), {"filer_type": "self", "victim_name": "A"}).status_code == 403
    assert strict.post(reverse("takedowns:status_login"), {"reference": "x", "access_code": "y"}).status_code == 403
    walk_intake(client, submit=False)
    for step in ("who", "content", "where", "images", "contact", "statement", "review"):
        html = client.get(step_url(step)).content.decode()
        assert html.count("<form") == html.count('name="csrfmiddlewaretoken"')


def test_with_the_cache_down_a_victim_still_files_and_sees_the_access_code_once(client, settings, caplog):
    # Redis (the cache) unreachable: nothing listens on port 9. The flood limits on uploads and submissions
    # let the victim through, and the one-time access code waits in the session instead of the cache.
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:9/0"}
    }
    response = walk_intake(client, images=[jpeg(seed=3)])
    assert response.status_code == 302 and response["Location"] == reverse("takedowns:intake_receipt")
    case = Case.objects.get()
    assert case.images.count() == 1
    page = client.get(reverse("takedowns:intake_receipt")).content.decode()
    code = re.search(r'id="access-code">([^<]+)<', page).group(1)
    assert case_check_access_code(case=case, code=code)
    assert "The cache is unreachable" in caplog.text
    # "I have saved my code" forgets it; the receipt never shows it again.
    client.post(reverse("takedowns:intake_receipt"))
    assert 'id="access-code"' not in client.get(reverse("takedowns:intake_receipt")).content.decode()


def test_the_access_code_kept_in_the_session_expires_like_the_cached_one(client, settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:9/0"}
    }
    walk_intake(client)
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        page = client.get(reverse("takedowns:intake_receipt")).content.decode()
    assert 'id="case-reference"' in page and 'id="access-code"' not in page


def test_a_busy_case_still_forgives_the_victim_a_typo(client):
    """A stranger keeps the case over its ceiling; the victim mistypes once, then types the right code: in."""
    from takedowns.services import case_access

    case = CaseFactory()
    for n in range(case_access.CASE_CEILING + 10):
        attempt(client, case.reference, "WRNG-CODE-0000-0000", ip=f"10.1.{n // 200}.{n % 200}")
    assert attempt(client, case.reference, "WRNG-CODE-TYPO-0000", ip="203.0.113.77").status_code == 200
    assert attempt(client, case.reference, "WRNG-CODE-TYPO-0001", ip="203.0.113.77").status_code == 200
    assert attempt(client, case.reference, TEST_ACCESS_CODE, ip="203.0.113.77").status_code == 302


def test_ipv6_addresses_of_one_64_share_their_limits(client):
    """One IPv6 user holds a whole /64: new addresses from it are not new guessers."""
    case = CaseFactory()
    for n in range(5):
        assert attempt(client, case.reference, "WRNG-CODE-0000-0000", ip=f"2001:db8:1:2::{n + 1:x}").status_code == 200
    refused = attempt(client, case.reference, TEST_ACCESS_CODE, ip="2001:db8:1:2:ffff::99")
    assert refused.status_code == 429
    # Another /64 (another household) is not affected.
    assert attempt(client, case.reference, TEST_ACCESS_CODE, ip="2001:db8:1:3::1").status_code == 302


@pytest.mark.parametrize(
    ("address", "subject"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("2001:db8:1:2::1", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("unknown", "unknown"),
    ],
)
def test_rate_limit_subject(address, subject):
    from takedowns.addresses import rate_limit_subject

    assert rate_limit_subject(address) == subject

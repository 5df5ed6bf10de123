"""Abuse resistance: wrong access codes per case and per client address, intake submissions per address, and
the limiter itself."""

from __future__ import annotations

import pytest
from django.urls import reverse

from takedowns.models import Case
from takedowns.services.throttle import throttle_count, throttle_hit, throttle_is_limited
from tests.factories import TEST_ACCESS_CODE, CaseFactory
from tests.utils import step_url, walk_intake

pytestmark = pytest.mark.django_db

LOCKED = "we have paused sign-in after several codes that did not match"


def attempt(client, reference, code, ip="203.0.113.7"):
    return client.post(reverse("takedowns:status_login"), {"reference": reference, "access_code": code}, REMOTE_ADDR=ip)


def test_five_wrong_codes_lock_the_case_even_for_the_right_code(client):
    case = CaseFactory()
    for i in range(5):
        response = attempt(client, case.reference, "WRNG-CODE-0000-0000", ip=f"198.51.100.{i}")
        assert response.status_code == 200
        assert "do not match a case" in response.content.decode()
    # From another address, with the right code: the case is locked for now.
    response = attempt(client, case.reference, TEST_ACCESS_CODE, ip="198.51.100.99")
    assert response.status_code == 429
    html = response.content.decode()
    assert LOCKED in html and "Nothing in your case has changed." in html
    # Another case from a fresh address is not affected.
    other = CaseFactory()
    assert attempt(client, other.reference, TEST_ACCESS_CODE, ip="198.51.100.100").status_code == 302


def test_five_wrong_codes_lock_the_client_address_across_cases(client):
    cases = [CaseFactory() for _ in range(6)]
    for case in cases[:5]:
        assert attempt(client, case.reference, "WRNG-CODE-0000-0000").status_code == 200
    response = attempt(client, cases[5].reference, TEST_ACCESS_CODE)
    assert response.status_code == 429 and LOCKED in response.content.decode()
    # A different address still gets in.
    assert attempt(client, cases[5].reference, TEST_ACCESS_CODE, ip="192.0.2.1").status_code == 302


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
    import takedowns.web.intake as intake_views

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
    assert client.session["recourse_intake"]["answers"]["who"]["victim_name"] == "Sam Example"


def test_every_form_has_a_csrf_token(client, private_storage):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post(step_url("who"), {"filer_type": "self", "victim_name": "A"}).status_code == 403
    assert strict.post(reverse("takedowns:status_login"), {"reference": "x", "access_code": "y"}).status_code == 403
    walk_intake(client, submit=False)
    for step in ("who", "content", "where", "images", "contact", "statement", "review"):
        html = client.get(step_url(step)).content.decode()
        assert html.count("<form") == html.count('name="csrfmiddlewaretoken"')

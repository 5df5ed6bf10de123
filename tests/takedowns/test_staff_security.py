"""Staff sign-in and the API's doors: two-factor sign-in (django-otp), failed logins limited per user name and
per address (django-axes), hashed expiring API tokens with wrong tokens limited per address, uploads that never
touch the disk unencrypted, and cases that stopped taking URLs."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from knox.models import AuthToken
from rest_framework.test import APIClient

from takedowns.models import CaseState, Event, EventType, StaffEnrolmentLink
from takedowns.services.cases import CaseClosedError, locations_add
from takedowns.services.two_factor import recovery_code_digest
from tests.factories import CaseFactory
from tests.utils import THREE_URLS, api_token, app_code, enrol, intake_state, make_photo_like, post_ok, step_url

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"


@pytest.fixture
def two_factor_on(settings):
    settings.STAFF_2FA_REQUIRED = True
    # django-otp slows down after a wrong code (1 s, 2 s, …); these tests follow a wrong code with a right one.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0
    return settings


def sign_in(client, user, address="198.51.100.1"):
    return client.post(reverse("login"), {"username": user.username, "password": PASSWORD}, REMOTE_ADDR=address)


# --- two-factor sign-in -------------------------------------------------------------------------------------


def test_staff_without_a_device_reach_only_enrolment_after_the_password(client, two_factor_on, advocate):
    case = CaseFactory()
    assert sign_in(client, advocate).status_code == 302
    setup = reverse("takedowns:two_factor_setup")
    for path in (
        reverse("takedowns:dashboard"),
        reverse("takedowns:case_detail", args=[case.reference]),
        reverse("takedowns:outbox"),
        reverse("takedowns:two_factor_verify"),
        reverse("takedowns:two_factor_codes"),
        reverse("admin:index"),
    ):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith(setup), path
    # The API with the session cookie: a plain refusal, not a redirect to an HTML page.
    assert client.get("/api/v1/cases/").status_code == 403


def enrolment_path(user) -> str:
    from takedowns.services.two_factor import enrolment_link_issue

    return urlsplit(enrolment_link_issue(user=user)).path


def test_enrolment_with_a_local_qr_code_and_recovery_codes_shown_once(client, two_factor_on, advocate):
    sign_in(client, advocate)
    link = enrolment_path(advocate)
    assert client.get(link)["Location"] == reverse("takedowns:two_factor_setup")
    page = client.get(reverse("takedowns:two_factor_setup") + "?next=/dashboard/")
    html = page.content.decode()
    # The QR code is drawn into the page as SVG: no <img> from an outside QR service, no inline script.
    assert "<svg" in html and "<path" in html
    assert "chart.googleapis" not in html and "<script>" not in html and "qrserver" not in html
    device = TOTPDevice.objects.get(user=advocate, confirmed=False)
    secret = re.search(r'<code class="user-select-all">([A-Z2-7 ]+)</code>', html).group(1).replace(" ", "")
    assert f"secret={secret}" in device.config_url

    wrong = client.post(reverse("takedowns:two_factor_setup"), {"code": "000000", "next": "/dashboard/"})
    assert wrong.status_code == 200 and "That code is not right" in wrong.content.decode()
    confirmed = client.post(reverse("takedowns:two_factor_setup"), {"code": app_code(device), "next": "/dashboard/"})
    assert confirmed.status_code == 302 and confirmed["Location"].startswith(reverse("takedowns:two_factor_codes"))

    shown = client.get(confirmed["Location"]).content.decode()
    codes = re.findall(r"<li>([a-z0-9]{8,16})</li>", shown)
    assert len(codes) == 10
    # Stored as digests only: a copy of the database holds no working recovery code.
    stored = set(StaticToken.objects.filter(device__user=advocate).values_list("token", flat=True))
    assert stored == {recovery_code_digest(code) for code in codes} and not stored & set(codes)
    again = client.get(reverse("takedowns:two_factor_codes")).content.decode()
    assert not any(code in again for code in codes)
    assert client.get(reverse("takedowns:dashboard")).status_code == 200
    assert Event.objects.filter(type=EventType.STAFF_2FA_ENROLLED, actor_user=advocate).count() == 1
    # The link is spent.
    assert StaffEnrolmentLink.objects.get(user=advocate).used_at is not None
    client.post(reverse("logout"))
    sign_in(client, advocate)
    assert client.get(link).status_code == 302  # a device now: the middleware asks for its code first


def test_the_password_alone_cannot_enrol_a_device(client, two_factor_on, advocate):
    """Whoever learns a new colleague's password first must not be able to put their own phone on the account."""
    sign_in(client, advocate)
    setup = client.get(reverse("takedowns:two_factor_setup"))
    assert setup.status_code == 403 and "You need an enrolment link" in setup.content.decode()
    assert client.post(reverse("takedowns:two_factor_setup"), {"code": "123456"}).status_code == 403
    assert not TOTPDevice.objects.filter(user=advocate).exists()
    assert client.get(reverse("takedowns:dashboard"))["Location"].startswith(reverse("takedowns:two_factor_setup"))


def test_an_enrolment_link_is_bound_to_its_account_and_expires(client, two_factor_on, advocate, reddit_staff):
    from django.contrib.auth.models import User

    others_link = enrolment_path(reddit_staff)
    sign_in(client, advocate)
    assert client.get(others_link).status_code == 404
    assert client.get(reverse("takedowns:two_factor_setup")).status_code == 403

    link = enrolment_path(advocate)
    StaffEnrolmentLink.objects.filter(user=advocate).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get(link).status_code == 404
    # Reissuing makes a new link and kills the old one.
    first = enrolment_path(advocate)
    second = enrolment_path(advocate)
    assert client.get(first).status_code == 404 and client.get(second).status_code == 302
    # Signed out, the link sends to the sign-in page first (it is no key by itself).
    client.post(reverse("logout"))
    assert client.get(second)["Location"].startswith(reverse("login"))
    assert User.objects.get(pk=advocate.pk).totpdevice_set.count() == 0


def test_a_link_opened_in_two_sessions_is_spent_by_the_first_confirmation(two_factor_on, advocate):
    from django.test import Client

    link = enrolment_path(advocate)
    first, second = Client(), Client()
    for browser in (first, second):
        sign_in(browser, advocate)
        assert browser.get(link)["Location"] == reverse("takedowns:two_factor_setup")
    first.get(reverse("takedowns:two_factor_setup"))
    device = TOTPDevice.objects.get(user=advocate, confirmed=False)
    assert first.post(reverse("takedowns:two_factor_setup"), {"code": app_code(device)}).status_code == 302
    # The other session opened the same link, but it is spent: that session now needs the new device's code.
    assert second.get(reverse("takedowns:two_factor_setup"))["Location"].startswith(
        reverse("takedowns:two_factor_verify")
    )
    # Even with every device gone, the spent link does nothing.
    TOTPDevice.objects.filter(user=advocate).delete()
    StaticToken.objects.filter(device__user=advocate).delete()
    advocate.staticdevice_set.all().delete()
    assert second.get(reverse("takedowns:two_factor_setup")).status_code == 403


def test_create_portal_user_prints_an_enrolment_link_and_seed_demo_refuses_production(settings, db):
    from io import StringIO

    from django.core.management import CommandError, call_command

    out, err = StringIO(), StringIO()
    call_command(
        "create_portal_user", role="advocate", email="new@example.org", password=PASSWORD, stdout=out, stderr=err
    )
    assert len(out.getvalue().strip().split()) == 1  # stdout: the API token alone, for scripts
    link = re.search(r"https?://\S+/accounts/two-factor/enrol/\S+", err.getvalue()).group(0)
    assert StaffEnrolmentLink.objects.filter(user__email="new@example.org", used_at__isnull=True).count() == 1
    reissued = StringIO()
    call_command("enrolment_link", email="new@example.org", stdout=reissued)
    assert reissued.getvalue().strip() != link
    assert StaffEnrolmentLink.objects.filter(user__email="new@example.org").count() == 1

    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG=true"):
        call_command("seed_demo", stdout=StringIO())


def test_staff_with_a_device_confirm_each_sign_in_and_a_recovery_code_works_once(client, two_factor_on, advocate):
    device, codes = enrol(advocate)
    sign_in(client, advocate)
    blocked = client.get(reverse("takedowns:dashboard"))
    verify = reverse("takedowns:two_factor_verify")
    assert blocked["Location"] == f"{verify}?next=%2Fdashboard%2F"
    # Someone with the password but not the phone cannot enrol a device of their own instead.
    assert client.get(reverse("takedowns:two_factor_setup"))["Location"].startswith(verify)

    wrong = client.post(verify, {"code": "123 456", "next": "/dashboard/"})
    assert wrong.status_code == 200 and "That code is not right" in wrong.content.decode()
    assert Event.objects.filter(type=EventType.STAFF_2FA_FAILED, actor_user=advocate).exists()
    right = client.post(verify, {"code": app_code(device), "next": "/dashboard/"})
    assert right.status_code == 302 and right["Location"] == "/dashboard/"
    assert client.get(reverse("takedowns:dashboard")).status_code == 200

    client.post(reverse("logout"))
    sign_in(client, advocate)
    assert client.post(verify, {"code": codes[0]})["Location"] == reverse("takedowns:dashboard")
    client.post(reverse("logout"))
    sign_in(client, advocate)
    reused = client.post(verify, {"code": codes[0]})
    assert reused.status_code == 200 and client.get(reverse("takedowns:dashboard")).status_code == 302


def test_platform_staff_need_the_second_factor_too(client, two_factor_on, reddit_staff):
    sign_in(client, reddit_staff)
    assert client.get(reverse("takedowns:dashboard"))["Location"].startswith(reverse("takedowns:two_factor_setup"))


def test_verify_refuses_an_outside_next_address(client, two_factor_on, advocate):
    device, _codes = enrol(advocate)
    sign_in(client, advocate)
    response = client.post(
        reverse("takedowns:two_factor_verify"), {"code": app_code(device), "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("takedowns:dashboard")


def test_two_factor_off_for_local_development(client, settings, advocate):
    settings.STAFF_2FA_REQUIRED = False
    sign_in(client, advocate)
    assert client.get(reverse("takedowns:dashboard")).status_code == 200


def test_staff_passwords_are_stored_with_argon2_and_older_hashes_are_upgraded_at_sign_in(client, settings, advocate):
    """Production's hashers (the tests' settings use a fast one): a new password is stored with Argon2id; an
    account whose password was stored with Django's older default (PBKDF2) signs in with it and leaves with it
    re-hashed by Argon2."""
    from django.contrib.auth.hashers import make_password

    from portal.settings import security

    settings.PASSWORD_HASHERS = security.PASSWORD_HASHERS
    settings.STAFF_2FA_REQUIRED = False
    advocate.set_password(PASSWORD)
    advocate.save()
    assert advocate.password.startswith("argon2$argon2id$")
    advocate.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    advocate.save()
    assert sign_in(client, advocate).status_code == 302
    advocate.refresh_from_db()
    assert advocate.password.startswith("argon2$argon2id$") and advocate.check_password(PASSWORD)
    assert not advocate.check_password(PASSWORD + "x")


def test_staff_password_checks_run_a_bounded_number_at_a_time(settings, monkeypatch):
    """Each Argon2 check holds 100 MiB: with PASSWORD_CHECKS_AT_ONCE=2, five sign-ins at once in one process
    run two at a time, and every one of them is answered."""
    import threading

    from django.contrib.auth.hashers import Argon2PasswordHasher

    from takedowns import hashers

    settings.PASSWORD_CHECKS_AT_ONCE = 2
    monkeypatch.setattr(hashers, "_checks", None)  # the process's bound is made from the setting at first use
    lock, inside, most = threading.Lock(), [0], [0]
    entered, release = threading.Semaphore(0), threading.Event()

    def held_check(self, password, encoded):
        with lock:
            inside[0] += 1
            most[0] = max(most[0], inside[0])
        entered.release()
        release.wait(10)
        with lock:
            inside[0] -= 1
        return True

    monkeypatch.setattr(Argon2PasswordHasher, "verify", held_check)
    results = []
    checks = [
        threading.Thread(target=lambda: results.append(hashers.StaffPasswordHasher().verify("pw", "argon2$x")))
        for _ in range(5)
    ]
    for thread in checks:
        thread.start()
    assert entered.acquire(timeout=10) and entered.acquire(timeout=10)
    assert not entered.acquire(timeout=0.3)  # the third waits for a free slot
    release.set()
    for thread in checks:
        thread.join(timeout=10)
    assert most[0] == 2 and results == [True] * 5


# --- failed logins: locked per address and per (user name, address); a user name is slowed down (django-axes) --


def test_wrong_passwords_from_many_addresses_slow_the_account_down_but_never_lock_its_owner_out(
    client, settings, advocate, monkeypatch
):
    settings.AXES_FAILURE_LIMIT = 5
    waits = []
    monkeypatch.setattr("takedowns.services.sign_in.time.sleep", waits.append)
    for n in range(12):
        response = client.post(
            reverse("login"), {"username": advocate.username, "password": "wrong"}, REMOTE_ADDR=f"203.0.113.{n}"
        )
        assert response.status_code == 200  # the form again, never the lock-out page
    # The first five failures cost nothing; after them every try waits longer, up to a bound.
    assert waits[:3] == [0.5, 1.0, 2.0] and max(waits) == 5.0 and len(waits) == 12 - 5
    signed_in = sign_in(client, advocate, address="203.0.113.200")
    assert signed_in.status_code == 302 and client.session["_auth_user_id"] == str(advocate.pk)
    assert waits[-1] == 5.0  # the owner waited too: the name is slowed down, not locked


def test_wrong_passwords_for_one_account_from_one_address_lock_that_pair(client, settings, advocate):
    settings.AXES_FAILURE_LIMIT = 5
    for _ in range(5):
        client.post(reverse("login"), {"username": advocate.username, "password": "wrong"}, REMOTE_ADDR="203.0.113.7")
    assert sign_in(client, advocate, address="203.0.113.7").status_code == 429
    assert "_auth_user_id" not in client.session


def test_wrong_passwords_from_one_address_across_accounts_lock_that_address(client, settings, advocate):
    settings.AXES_FAILURE_LIMIT = 5
    for n in range(5):
        client.post(
            reverse("login"), {"username": f"guess{n}@example.org", "password": "wrong"}, REMOTE_ADDR="203.0.113.9"
        )
    assert sign_in(client, advocate, address="203.0.113.9").status_code == 429
    # Another address is not punished for it, and neither is the account.
    assert sign_in(client, advocate, address="203.0.113.10").status_code == 302


# --- API tokens --------------------------------------------------------------------------------------------


def api(token: str, address: str = "198.51.100.20") -> APIClient:
    client = APIClient(REMOTE_ADDR=address)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_api_tokens_are_stored_hashed_and_expire(settings, advocate):
    token = api_token(advocate)
    stored = AuthToken.objects.get(user=advocate, token_key=token[:15])
    assert token not in stored.digest and len(stored.digest) == 128
    expected = timezone.now() + timedelta(days=settings.API_TOKEN_TTL_DAYS)
    assert abs((stored.expiry - expected).total_seconds()) < 60
    assert api(token).get("/api/v1/platforms/").status_code == 200

    AuthToken.objects.filter(pk=stored.pk).update(expiry=timezone.now() - timedelta(seconds=1))
    expired = api(token).get("/api/v1/platforms/")
    assert expired.status_code == 401 and "expired" in expired.json()["detail"]


def test_wrong_tokens_are_limited_per_address(settings, advocate):
    settings.API_TOKEN_FAILURES_PER_ADDRESS = 3
    token = api_token(advocate)
    for n in range(3):
        assert api(f"{n}" * 64, address="198.51.100.66").get("/api/v1/cases/").status_code == 401
    # The guessing address is held off even with a right token; others are not affected.
    assert api(token, address="198.51.100.66").get("/api/v1/cases/").status_code == 429
    assert api(token, address="198.51.100.67").get("/api/v1/platforms/").status_code == 200


# --- cases that stopped -------------------------------------------------------------------------------------


@pytest.mark.parametrize("state", [CaseState.WITHDRAWN, CaseState.ERASED])
def test_withdrawn_or_erased_cases_take_no_new_urls_through_the_api(platforms, advocate, state):
    case = CaseFactory(state=state)
    response = api(api_token(advocate)).post(
        f"/api/v1/cases/{case.reference}/urls/", {"urls": ["https://x.com/someone/status/99"]}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["state"] == state and "takes no new URLs" in response.json()["detail"]
    assert case.locations.count() == 0
    with pytest.raises(CaseClosedError):
        locations_add(case=case, urls=["https://x.com/someone/status/99"], actor_kind="advocate")


# --- uploads never spooled to disk --------------------------------------------------------------------------


def to_images_step(client):
    post_ok(client, step_url("who"), {"filer_type": "self", "victim_name": "Sam Example"})
    post_ok(client, step_url("content"), {"nature": "synthetic", "posted": "posted", "under_18": "no"})
    post_ok(client, step_url("where"), {"urls": THREE_URLS, "action": "check"})
    post_ok(client, step_url("where"), {"urls": THREE_URLS, "action": "continue"})


@pytest.fixture
def no_spool_folder(settings, tmp_path):
    # A temporary-file folder that does not exist: any upload spooled to disk fails loudly instead of leaving
    # an unencrypted picture behind.
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "no-such-folder")


def test_a_picture_of_several_megabytes_stays_in_memory(client, platforms, no_spool_folder, private_storage):
    data = make_photo_like(width=1600, height=1200, fmt="PNG")
    assert len(data) > 2_621_440  # Django's default in-memory limit (2.5 MB), above which it spools to disk
    to_images_step(client)
    response = client.post(
        step_url("images"),
        {"images": [SimpleUploadedFile("big.png", data, content_type="image/png")], "action": "add"},
    )
    assert response.status_code in (200, 302)
    assert len(intake_state(client)["uploads"]) == 1


def test_a_file_over_the_limit_is_refused_not_spooled(client, platforms, no_spool_folder, private_storage, settings):
    to_images_step(client)
    too_big = b"\xff\xd8\xff" + b"\0" * (settings.IMAGE_MAX_BYTES + 1024)
    response = client.post(
        step_url("images"),
        {"images": [SimpleUploadedFile("huge.jpg", too_big, content_type="image/jpeg")], "action": "add"},
    )
    assert response.status_code == 200
    assert "This file is too large (26.2 MB; the limit is 26 MB)" in response.content.decode()
    assert not list(private_storage.rglob("*")) or not any(p.is_file() for p in private_storage.rglob("*"))


def test_files_together_larger_than_a_case_holds_are_refused(client, platforms, settings):
    settings.IMAGE_MAX_BYTES = 50_000
    settings.IMAGE_MAX_PER_CASE = 2
    to_images_step(client)
    files = [SimpleUploadedFile(f"p{n}.jpg", b"\xff" * 40_000, content_type="image/jpeg") for n in range(3)]
    response = client.post(step_url("images"), {"images": files, "action": "add"})
    assert response.status_code == 400


# --- the development outbox ---------------------------------------------------------------------------------


def test_the_outbox_is_off_outside_development(client, settings, advocate):
    settings.DEV_OUTBOX_ENABLED = False
    client.force_login(advocate)
    assert client.get(reverse("takedowns:outbox")).status_code == 404
    assert reverse("takedowns:outbox") not in client.get(reverse("takedowns:dashboard")).content.decode()


def test_axes_gets_an_ip_address_or_nothing():
    from django.test import RequestFactory

    from takedowns.addresses import axes_client_address

    assert axes_client_address(RequestFactory().get("/", REMOTE_ADDR="203.0.113.5")) == "203.0.113.5"
    no_address = RequestFactory().get("/")
    del no_address.META["REMOTE_ADDR"]
    # "unknown" would break PostgreSQL's inet column of axes' access log (force_login makes such requests).
    assert axes_client_address(no_address) is None

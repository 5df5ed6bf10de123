"""One small portal with every kind of object, and a signed-in client per role, for the security tests.

Two victims with a case each (signed in through the case sign-in page with their reference and access code),
an advocate and one staff member of each of two platforms (each signed in with the password and then a TOTP
code: STAFF_2FA_REQUIRED is on), and an API token per staff member. Every client enforces CSRF, as a browser
does. Distinctive values (names, e-mail addresses, hashes) are planted so that a page showing one victim's data
to someone else can be caught by text, not only by status code.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from takedowns.lifecycle import notice_transition
from takedowns.models import (
    Case,
    CrawledImage,
    Finding,
    Notice,
    Platform,
    ReferenceImage,
    ReportedLocation,
    WatchedSite,
    WebhookEndpoint,
)
from takedowns.notices import make_response_token
from takedowns.services import bundles
from takedowns.services.api_tokens import api_token_create
from takedowns.services.cases import access_code_normalise
from takedowns.services.images import image_add
from takedowns.services.notices import notices_draft
from takedowns.services.users import portal_user_create_or_update
from tests.factories import TEST_ACCESS_CODE, complete_case
from tests.utils import app_code, enrol, make_photo_like

PASSWORD = "correct-horse-battery"

# The roles, in the column order of the matrix (tests/security/test_access_matrix.py).
ROLES = ("anon", "victim", "victim2", "advocate", "staff_a", "staff_b", "token_adv", "token_a", "token_b")
SESSION_ROLES = ("anon", "victim", "victim2", "advocate", "staff_a", "staff_b")
TOKEN_ROLES = ("token_adv", "token_a", "token_b")
ADDRESSES = {role: f"198.51.100.{n + 10}" for n, role in enumerate(ROLES)}


@dataclass
class World:
    case1: Case
    case2: Case
    notice_a: Notice  # case 1 → platform A (reddit), sent
    notice_b: Notice  # case 1 → platform B (x), sent
    notice_a_draft: Notice  # case 2 → platform A, never sent: platform A must not see it
    notice_b2: Notice  # case 2 → platform B, sent
    image1: ReferenceImage  # case 1, original kept (its preview is revealed in the advocate's session)
    image2: ReferenceImage
    unknown_location: ReportedLocation  # case 1, a website the registry does not know
    location2: ReportedLocation
    bundle1_id: int
    bundle2_id: int
    finding1: Finding
    finding2: Finding
    site: WatchedSite
    webhook_a: WebhookEndpoint
    token_a: str  # the signed response link of notice_a
    clients: dict = field(default_factory=dict)
    # Text that must never appear in a response to a role (see canaries()).
    secrets: dict = field(default_factory=dict)


# --- staff sign-in with two factors ---------------------------------------------------------------------------


def csrf_token(client: Client) -> str:
    """The CSRF cookie's value, fetching a page with a form first if the browser has none yet."""
    if "csrftoken" not in client.cookies:
        client.get(reverse("takedowns:home"))
    return client.cookies["csrftoken"].value


def staff_sign_in(client: Client, user, device: TOTPDevice) -> None:
    """Password, then the authenticator code: the whole staff sign-in, CSRF tokens included."""
    response = client.post(
        reverse("login"),
        {"username": user.username, "password": PASSWORD, "csrfmiddlewaretoken": csrf_token(client)},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    response = client.post(
        reverse("takedowns:two_factor_verify"),
        {"code": app_code(device), "csrfmiddlewaretoken": csrf_token(client)},
    )
    assert response.status_code == 302 and "two-factor" not in response["Location"], response
    assert client.get(reverse("takedowns:dashboard")).status_code == 200


def victim_sign_in(client: Client, case: Case) -> None:
    response = client.post(
        reverse("takedowns:status_login"),
        {"reference": case.reference, "access_code": TEST_ACCESS_CODE, "csrfmiddlewaretoken": csrf_token(client)},
    )
    assert response.status_code == 302 and response["Location"] == reverse("takedowns:status"), response
    # Signing in rotates the CSRF token: fetch the new one now, as the next page load would.
    client.cookies.pop("csrftoken", None)
    csrf_token(client)


def token_client(token: str, address: str) -> APIClient:
    client = APIClient(enforce_csrf_checks=True, raise_request_exception=False, REMOTE_ADDR=address)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


# --- the objects --------------------------------------------------------------------------------------------


def _victim_case(name: str, email: str, urls: list[str], seed: int) -> Case:
    case = complete_case(urls=urls, hashed_images=0, victim_name=name, signature_name=name, contact_email=email)
    case.access_code_hash = make_password(access_code_normalise(TEST_ACCESS_CODE))
    case.save(update_fields=["access_code_hash"])
    image = image_add(
        case=case,
        data=make_photo_like(160, 120, seed=seed),
        image_format="JPEG",
        keep_as_evidence=True,
        actor_kind="victim",
    )
    # Fingerprinted, as the worker would leave it (the original is kept as evidence).
    ReferenceImage.objects.filter(pk=image.pk).update(
        state="hashed",
        sha256=f"{seed:064x}",
        md5=f"{seed:032x}",
        phash="d1c4a0b0f0e0c0b0",
        dhash="0f0f0f0f0f0f0f0f",
        whash="ffff0000ffff0000",
        pdq=f"{seed:060x}beef",
        pdq_quality=90,
        width=160,
        height=120,
    )
    return case


def _sent(notice: Notice) -> Notice:
    return notice_transition(notice=notice, to="sent", actor_kind="system")


def _finding(case: Case, site: WatchedSite, n: int) -> Finding:
    now = timezone.now()
    crawled = CrawledImage.objects.create(
        site=site,
        image_url=f"https://gallery.invalid/img/{n}.jpg",
        image_url_sha=f"{n:064x}",
        page_url=f"https://gallery.invalid/g/{n}",
        sha256=f"{n + 100:064x}",
        pdq="0" * 64,
        phash="0" * 16,
        first_seen_at=now,
        last_seen_at=now,
    )
    return Finding.objects.create(
        case=case,
        crawled_image=crawled,
        page_url=crawled.page_url,
        image_url=crawled.image_url,
        stage="hash",
        distance=12,
    )


def build_world(settings) -> World:
    settings.STAFF_2FA_REQUIRED = True
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    reddit, x = Platform.objects.get(slug="reddit"), Platform.objects.get(slug="x")

    case1 = _victim_case(
        "Quinn Canaryone",
        "quinn.canaryone@mail.test",
        [
            "https://www.reddit.com/r/example/comments/aaa111/one/",
            "https://x.com/someone/status/1111111111",
            "https://unknown-host.test/pics/1",
        ],
        seed=11,
    )
    case2 = _victim_case(
        "Robin Canarytwo",
        "robin.canarytwo@mail.test",
        ["https://www.reddit.com/r/example/comments/bbb222/two/", "https://x.com/other/status/2222222222"],
        seed=22,
    )
    for case in (case1, case2):
        notices_draft(case_id=case.pk)
    notice_a = _sent(case1.notices.get(platform=reddit))
    notice_b = _sent(case1.notices.get(platform=x))
    notice_a_draft = case2.notices.get(platform=reddit)
    notice_b2 = _sent(case2.notices.get(platform=x))

    bundle_ids = []
    for case in (case1, case2):
        bundle = bundles.bundle_request(case=case, actor_kind="victim")
        bundles.bundle_build(bundle_id=bundle.pk)
        bundle_ids.append(bundle.pk)

    advocate = portal_user_create_or_update(
        role="advocate", email="advocate@helpline.test", password=PASSWORD, validate=False
    )
    staff_a = portal_user_create_or_update(
        role="platform", email="trust@reddit.test", password=PASSWORD, platform_slug="reddit", validate=False
    )
    staff_b = portal_user_create_or_update(
        role="platform", email="safety@x.test", password=PASSWORD, platform_slug="x", validate=False
    )

    # The hash exchange: platform A may read the feed and look up; platform B was granted nothing.
    Platform.objects.filter(pk=reddit.pk).update(exchange_scopes=["exchange:read", "exchange:lookup"])

    site = WatchedSite.objects.create(name="Gallery", start_urls=["https://gallery.invalid/"], max_pages=10)
    world = World(
        case1=case1,
        case2=case2,
        notice_a=notice_a,
        notice_b=notice_b,
        notice_a_draft=notice_a_draft,
        notice_b2=notice_b2,
        image1=case1.images.get(),
        image2=case2.images.get(),
        unknown_location=case1.locations.get(platform__isnull=True),
        location2=case2.locations.first(),
        bundle1_id=bundle_ids[0],
        bundle2_id=bundle_ids[1],
        finding1=_finding(case1, site, 1),
        finding2=_finding(case2, site, 2),
        site=site,
        webhook_a=WebhookEndpoint.objects.create(platform=reddit, url="https://hooks.reddit.test/recourse"),
        token_a=make_response_token(notice_a),
    )

    # A crash is an answer like any other here: recorded as a 500 in the matrix, not raised.
    # Each role browses from an address of its own (limits on wrong codes count per address).
    clients = {
        role: Client(enforce_csrf_checks=True, raise_request_exception=False, REMOTE_ADDR=ADDRESSES[role])
        for role in SESSION_ROLES
    }
    for role in SESSION_ROLES:
        csrf_token(clients[role])
    victim_sign_in(clients["victim"], case1)
    victim_sign_in(clients["victim2"], case2)
    for role, made in (("advocate", advocate), ("staff_a", staff_a), ("staff_b", staff_b)):
        staff_sign_in(clients[role], made.user, enrol(made.user)[0])
    # An advocate who typed the password but not yet the code (not a column: see test_access_matrix.py).
    unverified = portal_user_create_or_update(
        role="advocate", email="advocate2@helpline.test", password=PASSWORD, validate=False
    ).user
    enrol(unverified)
    clients["unverified"] = Client(enforce_csrf_checks=True, raise_request_exception=False, REMOTE_ADDR="198.51.100.99")
    response = clients["unverified"].post(
        reverse("login"),
        {
            "username": unverified.username,
            "password": PASSWORD,
            "csrfmiddlewaretoken": csrf_token(clients["unverified"]),
        },
    )
    assert response.status_code == 302, response
    # The advocate revealed case 1's kept picture (a logged click): its preview is then theirs to see, and only
    # theirs.
    revealed = clients["advocate"].post(
        reverse("takedowns:case_reveal", args=[case1.reference]),
        {"what": f"image-{world.image1.pk}", "csrfmiddlewaretoken": csrf_token(clients["advocate"])},
    )
    assert revealed.status_code == 302, revealed
    for role, made in (("token_adv", advocate), ("token_a", staff_a), ("token_b", staff_b)):
        clients[role] = token_client(api_token_create(user=made.user), ADDRESSES[role])
    world.clients = clients

    # What each role must never be shown, on any page or API answer.
    victim1 = ["Quinn Canaryone", "quinn.canaryone@mail.test", case1.reference]
    victim2 = ["Robin Canarytwo", "robin.canarytwo@mail.test", case2.reference]
    contacts = ["quinn.canaryone@mail.test", "robin.canarytwo@mail.test"]
    case2_hash = f"{22:060x}beef"
    world.secrets = {
        "anon": victim1 + victim2,
        "victim": [*victim2, notice_a_draft.reference],
        "victim2": victim1,
        # Advocates see every case, but a contact address only after a logged reveal (none here).
        "advocate": contacts,
        # Platform A's only notice on case 2 was never sent: nothing of case 2 reaches it, nor platform B's notices.
        "staff_a": [*contacts, *victim2, case2_hash, notice_a_draft.reference, notice_b.reference, notice_b2.reference],
        "staff_b": [*contacts, notice_a.reference, notice_a_draft.reference, "hooks.reddit.test"],
        "token_adv": contacts,
        "token_a": [*contacts, *victim2, case2_hash, notice_a_draft.reference, notice_b.reference, notice_b2.reference],
        "token_b": [*contacts, notice_a.reference, notice_a_draft.reference, "hooks.reddit.test"],
    }
    return world

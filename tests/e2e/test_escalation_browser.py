"""The escalation journey, in headless Chromium: from an overdue notice on a site behind a CDN, the advocate sees who
serves the site (looked up live: a local DNS server and a local fake RDAP server, the bootstrap pointed at it),
records the Cloudflare web-form submission, sends the hosting provider's notice by e-mail (it reaches the local
SMTP server), reads the Google/Bing pieces and the FTC draft; beat's ladder runs, and every step is on the clock
board and on the victim's status page."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from takedowns.lifecycle import notice_transition
from takedowns.models import Notice, Platform, ReferenceImage
from takedowns.services import escalation
from takedowns.services.cases import case_create
from takedowns.services.notices import notices_draft
from tests.local_http import LocalServer, Route
from tests.takedowns.test_hosts import LocalDns, bootstrap_files, vcard

pytestmark = pytest.mark.django_db(transaction=True)

PAGE = "https://www.leaks.example/v/1"
IMAGE = "https://media.leaks.example/i/1.jpg"


def rdap(data: dict) -> Route:
    return Route(body=json.dumps(data).encode(), content_type="application/rdap+json")


def entity(role: str, name: str, email: str = "", children=()) -> dict:
    return {"objectClassName": "entity", "roles": [role], "vcardArray": vcard(name, email), "entities": list(children)}


@pytest.fixture
def internet(settings, tmp_path):
    """The outside world on loopback: DNS for the site's two hosts, RDAP for their networks and its domain."""
    settings.FETCH_ALLOW_PRIVATE_ADDRESSES = True
    server = LocalServer().start()
    server.routes["/rir/ip/104.16.5.5"] = rdap(
        {
            "objectClassName": "ip network",
            "handle": "NET-104-16-0-0-1",
            "name": "CLOUDFLARENET",
            "country": "US",
            "entities": [
                entity("registrant", "Cloudflare, Inc.", children=[entity("abuse", "", "abuse@cloudflare.example")])
            ],
        }
    )
    server.routes["/rir/ip/93.184.216.34"] = rdap(
        {
            "objectClassName": "ip network",
            "handle": "NET-93-184-0-0-1",
            "name": "EXAMPLE-HOSTING-NET",
            "country": "NL",
            "entities": [
                entity(
                    "registrant", "Example Hosting B.V.", children=[entity("abuse", "Abuse", "abuse@hosting.example")]
                )
            ],
        }
    )
    server.routes["/registry/domain/leaks.example"] = rdap(
        {
            "objectClassName": "domain",
            "ldhName": "LEAKS.EXAMPLE",
            "entities": [
                {
                    **entity(
                        "registrar",
                        "Example Registrar, Inc.",
                        children=[entity("abuse", "", "abuse@registrar.example")],
                    ),
                    "publicIds": [{"type": "IANA Registrar ID", "identifier": "9999"}],
                }
            ],
        }
    )
    settings.RDAP_BOOTSTRAP_DIR = str(bootstrap_files(tmp_path / "rdap", server.base))
    dns = LocalDns(
        {
            ("www.leaks.example", "CNAME"): ["www.leaks.example.cdn.cloudflare.net"],
            ("www.leaks.example.cdn.cloudflare.net", "A"): ["104.16.5.5"],
            ("media.leaks.example", "A"): ["93.184.216.34"],
        }
    )
    settings.HOSTID_NAMESERVERS = [f"127.0.0.1:{dns.port}"]
    yield server
    dns.stop()
    server.stop()


def overdue_notice():
    site = Platform.objects.create(
        slug="leaks",
        name="Leaks Example",
        domains=["www.leaks.example", "media.leaks.example"],
        channel="email",
        contact_email="abuse@leaks.example",
        regime="US",
        regimes=["US"],
        tida_covered=True,
        # Its TAKE IT DOWN Act process is the abuse address the notice goes to, so the 48 hours ran (§3(a)(3))
        # and the FTC complaint is offered once they passed.
        tida_process="abuse@leaks.example",
        service_type="user_to_user",
    )
    created = case_create(
        victim_name="Sam Example",
        contact_email="sam@example.org",
        good_faith_statement="I have a good-faith belief that these intimate images were published without my consent.",
        signature_name="Sam Example",
        attestations={"good_faith": True, "accuracy": True},
        urls=[PAGE, IMAGE],
    )
    ReferenceImage.objects.create(
        case=created.case,
        state="hashed",
        sha256="a" * 64,
        md5="b" * 32,
        phash="d1c4a0b0f0e0c0b0",
        pdq="c" * 64,
        pdq_quality=90,
    )
    (notice,) = notices_draft(case_id=created.case.pk)
    assert notice.platform == site
    # Delivered four days ago: 48 hours to act, so two days overdue.
    notice = notice_transition(notice=notice, to="sent", actor_kind="system", at=timezone.now() - timedelta(days=4))
    return notice, created.access_code


def test_advocate_escalates_an_overdue_notice_on_a_site_behind_a_cdn(
    page, live_server, advocate, smtp, internet, artifacts_dir
):
    notice, access_code = overdue_notice()
    case = notice.case
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Username").fill("advocate@example.org")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/dashboard/")
    row = page.locator(f'tr[data-notice="{notice.pk}"]')
    assert "OVERDUE" in row.inner_text()
    assert row.locator('li[data-step="upstream"][data-state="pending"]').count() == 1  # the plan, on the board
    row.get_by_role("link", name=case.reference).click()
    page.wait_for_url(f"**/cases/{case.reference}/**")

    # Who serves the site: looked up live through the local DNS and RDAP servers.
    for url in (PAGE, IMAGE):
        item = page.locator("li.list-group-item", has_text=url)
        item.get_by_role("button", name="Who can act on this website?").click()
        page.wait_for_load_state()
    www = page.locator('.host-identity[data-host="www.leaks.example"]')
    media = page.locator('.host-identity[data-host="media.leaks.example"]')
    assert "Behind Cloudflare; origin host unknown" in www.inner_text()
    assert "Example Registrar, Inc." in www.inner_text()
    assert "Example Hosting B.V." in media.inner_text() and "abuse@hosting.example" in media.inner_text()
    panel = page.locator(f'[data-testid="escalation-{notice.pk}"]')
    panel.locator("summary").first.click()
    providers = panel.locator(f'[data-testid="upstream-providers-{notice.pk}"] > li')
    assert [providers.nth(i).get_attribute("data-provider") for i in range(providers.count())] == [
        "cdn-cloudflare",
        "host-example-hosting-bv",
        "registrar-9999",
    ]
    page.screenshot(path=str(artifacts_dir / "escalation-01-host-chain.png"), full_page=True)

    # The CDN: Cloudflare's NCSEI form pieces, and the record of the submission (which starts its clock).
    panel.get_by_role("button", name="Prepare the notice to Cloudflare").click()
    page.wait_for_load_state()
    cdn = Notice.objects.get(escalates=notice, kind="cdn")
    cdn_panel = page.locator(f'section[aria-labelledby="notice-{cdn.pk}"]')
    assert cdn_panel.get_by_label("Report type").input_value() == "Non-Consensual Sexually Explicit Imagery (NCSEI)"
    assert (
        cdn_panel.get_by_label("URLs on www.leaks.example (one report per hostname; at most 250 URLs)").input_value()
        == PAGE
    )
    assert (
        cdn_panel.get_by_role("link", name="Open Cloudflare's abuse form").get_attribute("href")
        == "https://abuse.cloudflare.com/"
    )
    page.screenshot(path=str(artifacts_dir / "escalation-02-cloudflare-pieces.png"), full_page=True)
    # The browser runs in UTC here, like the server: the time typed is the time recorded.
    cdn_panel.get_by_label("Date and time you submitted it").fill(timezone.now().strftime("%Y-%m-%dT%H:%M"))
    cdn_panel.get_by_role("button", name="I submitted it").click()
    page.wait_for_load_state()
    cdn.refresh_from_db()
    assert cdn.status == "sent" and cdn.due_at == cdn.sent_at + timedelta(hours=72)

    # The host: an e-mail notice under DSA Art. 16 (an EU hosting network), sent to the local SMTP server.
    panel = page.locator(f'[data-testid="escalation-{notice.pk}"]')
    panel.locator("summary").first.click()
    panel.get_by_role("button", name="Prepare the notice to Example Hosting B.V.").click()
    page.wait_for_load_state()
    host = Notice.objects.get(escalates=notice, kind="host")
    page.locator(f'section[aria-labelledby="notice-{host.pk}"]').get_by_role("button", name="Send now").click()
    page.wait_for_load_state()
    host.refresh_from_db()
    assert host.status == "sent"
    mail = [m["message"] for m in smtp.messages if m["to"] == ["abuse@hosting.example"]]
    assert len(mail) == 1 and host.reference in mail[0]["Subject"]
    body = mail[0].get_body(preferencelist=("plain",)).get_content()
    assert "Article 16 of the Digital Services Act" in body and notice.reference in body and IMAGE in body
    assert "Sam Example" not in body and "sam@example.org" not in body

    # De-indexing pieces and the FTC draft.
    page.reload()
    panel = page.locator(f'[data-testid="escalation-{notice.pk}"]')
    panel.locator("summary").first.click()
    assert panel.get_by_role("region", name="US Federal Trade Commission (TAKE IT DOWN Act)").count() == 1
    assert "takeitdown.ftc.gov" in panel.inner_html()
    google = panel.get_by_role("region", name="Google Search: remove non-consensual explicit imagery")
    bing = panel.get_by_role("region", name="Bing: Report a Concern (non-consensual intimate imagery)")
    assert (
        PAGE in google.locator("textarea").first.input_value() and IMAGE in bing.locator("textarea").first.input_value()
    )
    page.screenshot(path=str(artifacts_dir / "escalation-03-deindex-and-ftc.png"), full_page=True)

    # Beat's ladder runs (all four steps are due two days after the deadline... the regulator at +72 h is not).
    result = escalation.escalation_ladder_run()
    assert result["done"] == 3
    assert sorted(Notice.objects.filter(escalates=notice).values_list("kind", flat=True)) == [
        "cdn",
        "host",
        "registrar",
    ]

    # Every step is on the clock board: the ladder on the platform's row, each upstream notice with its own clock.
    page.goto(live_server.url + "/dashboard/")
    row = page.locator(f'tr[data-notice="{notice.pk}"]')
    for step in ("reminder", "upstream", "deindex"):
        assert row.locator(f'li[data-step="{step}"][data-state="done"]').count() == 1, step
    assert row.locator('li[data-step="regulator"][data-state="pending"]').count() == 1
    assert "ESCALATED" in row.inner_text()
    for upstream in (cdn, host):
        upstream_row = page.locator(f'tr[data-notice="{upstream.pk}"]')
        assert f"escalates {notice.reference}" in upstream_row.inner_text()
        assert "left" in upstream_row.inner_text()  # its own clock, running
    page.screenshot(path=str(artifacts_dir / "escalation-04-board.png"), full_page=True)

    # The advocate stops the regulator step from the case page: it never runs.
    page.goto(f"{live_server.url}/cases/{case.reference}/")
    page.locator(f'[data-testid="ladder-{notice.pk}"]').get_by_role("button", name="Stop: Regulator complaint").click()
    page.wait_for_load_state()
    assert (
        page.locator(f'[data-testid="ladder-{notice.pk}"] li[data-step="regulator"]').get_attribute("data-state")
        == "stopped"
    )
    assert page.locator('#timeline tr[data-event="escalation.stopped"]').count() == 1
    page.screenshot(path=str(artifacts_dir / "escalation-05-case-ladder.png"), full_page=True)

    # The victim reads it calmly on their status page.
    page.context.clear_cookies()
    page.goto(live_server.url + "/case/sign-in/")
    page.get_by_label("Case reference").fill(case.reference)
    page.get_by_label("Access code").fill(access_code)
    page.get_by_role("button", name="Open my case").click()
    page.wait_for_url(f"{live_server.url}/case/")
    steps = page.locator('[data-testid="escalation-steps"]').inner_text()
    assert "We reminded Leaks Example" in steps and "We wrote to Cloudflare" in steps
    assert "We wrote to Example Hosting B.V." in steps and "An advocate decided not to take this step" in steps
    assert page.locator("article.platform-row").count() == 1  # providers are not platforms for the victim
    assert "Federal Trade Commission" in page.locator('[data-testid="overdue-next-step"]').inner_text()
    page.screenshot(path=str(artifacts_dir / "escalation-06-victim-status.png"), full_page=True)

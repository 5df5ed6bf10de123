"""Upstream notices to the CDN, the host and the registrar (their text, their own clock and
lifecycle), the escalation ladder run by beat (timing, idempotency, stopping), and who may see what."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from takedowns import selectors
from takedowns.lifecycle import notice_transition
from takedowns.models import (
    EscalationStep,
    Event,
    EventType,
    HostIdentity,
    Notice,
    Platform,
    PlatformKind,
)
from takedowns.notices import check_completeness, notice_content, render_notice, upstream_pieces
from takedowns.services import delivery, escalation, outcomes
from takedowns.services.notices import notices_draft
from takedowns.services.users import portal_user_create_or_update
from tests.factories import complete_case
from tests.utils import deliver_notifications

pytestmark = pytest.mark.django_db
URL = "https://www.leaks.example/v/1"
# The pages are served through Cloudflare; the pictures from a media host on a hosting network.
URL2 = "https://media.leaks.example/i/2.jpg"
HOST = "www.leaks.example"
MEDIA = "media.leaks.example"


@pytest.fixture
def site(db):
    return Platform.objects.create(
        slug="leaks",
        name="Leaks Example",
        domains=["www.leaks.example", "media.leaks.example", "leaks.example"],
        channel="email",
        contact_email="abuse@leaks.example",
        regime="US",
    )


def identity(*, country="NL", registrar_id="9999"):
    """www.leaks.example behind Cloudflare (its network is Cloudflare's: origin unknown), media.leaks.example on
    a hosting network in ``country``; one registrar for both."""
    registrar = {
        "registered_domain": "leaks.example",
        "registrar": "Example Registrar, Inc.",
        "registrar_iana_id": registrar_id,
        "looked_up_at": timezone.now(),
    }
    registrar_abuse = {"email": "abuse@registrar.example", "url": "", "name": "", "source": "registrar"}
    HostIdentity.objects.update_or_create(
        host=HOST,
        defaults={
            **registrar,
            "ips": ["104.16.5.5"],
            "cdn": "Cloudflare",
            "cdn_slug": "cloudflare",
            "network_owner": "Cloudflare, Inc.",
            "network": {"name": "CLOUDFLARENET", "country": "US"},
            "abuse_contacts": [
                {"email": "", "url": "https://abuse.cloudflare.com/", "name": "Cloudflare", "source": "cdn"},
                {"email": "abuse@cloudflare.example", "url": "", "name": "", "source": "network"},
                registrar_abuse,
            ],
        },
    )
    HostIdentity.objects.update_or_create(
        host=MEDIA,
        defaults={
            **registrar,
            "ips": ["93.184.216.34"],
            "network_owner": "Example Hosting B.V.",
            "network": {"name": "EXAMPLE-HOSTING-NET", "handle": "NET-1", "country": country},
            "abuse_contacts": [
                {"email": "abuse@hosting.example", "url": "", "name": "Abuse desk", "source": "network"},
                registrar_abuse,
            ],
        },
    )


def sent_notice(site, *, hours_ago=60, urls=(URL, URL2), **case_fields):
    case = complete_case(urls=list(urls), **case_fields)
    (notice,) = notices_draft(case_id=case.pk)
    return notice_transition(
        notice=notice, to="sent", actor_kind="system", at=timezone.now() - timedelta(hours=hours_ago)
    )


def target(notice, kind):
    return next(t for t in selectors.upstream_targets(notice) if t.kind == kind)


def draft(notice, kind):
    return escalation.upstream_notice_draft(notice=notice, target=target(notice, kind))


def text_of(notice) -> str:
    return " ".join(render_notice(notice).text.split())


# --- what upstream notices say -------------------------------------------------------------------------------


def test_an_eu_host_gets_a_dsa_article_16_notice_with_the_ignored_notice_and_the_fingerprints(site):
    identity(country="NL")
    notice = sent_notice(site)
    host = draft(notice, PlatformKind.HOST)
    assert host.kind == "host" and host.escalates_id == notice.pk and host.platform.kind == "host"
    assert host.recipient == "abuse@hosting.example" and host.response_hours == 72 and host.regime == "EU"
    text = text_of(host)
    assert "Article 16 of the Digital Services Act" in text and "Article 6(1)(b)" in text and "16(2)(d)" in text
    assert URL2 in text and URL not in text  # only the URLs it hosts
    assert notice.reference in text and notice.sent_at.strftime("%Y-%m-%d %H:%M") in text
    assert notice.due_at.strftime("%Y-%m-%d %H:%M") in text and "deadline passed" in text
    image = notice.case.images.get()
    assert image.pdq in text and image.md5 in text and image.sha256 not in text  # never the SHA-256
    # Sent in the organisation's name: may be forwarded to the site's operator, so no victim name or address.
    assert "Sam Example" not in text and "sam@example.org" not in text
    assert "Acceptable-use policies" in text and "not a statutory deadline" in text
    assert check_completeness(notice_content(host)).is_complete


def test_a_host_outside_the_eu_is_asked_under_its_policy_with_no_dsa_claim(site):
    identity(country="US")
    host = draft(sent_notice(site), PlatformKind.HOST)
    text = text_of(host)
    assert "Digital Services Act" not in text and "Article 16" not in text
    assert "we do not claim a statutory duty" in text


def test_uk_and_au_hosts_get_their_own_law_only_for_victims_there(site):
    identity(country="GB")
    uk = text_of(draft(sent_notice(site, jurisdiction="UK"), PlatformKind.HOST))
    assert "section 66B of the Sexual Offences Act 2003" in uk and "Online Safety Act's duties bind you" in uk
    us_victim = text_of(draft(sent_notice(site, jurisdiction="US", urls=(URL2,)), PlatformKind.HOST))
    assert "66B" not in us_victim
    identity(country="AU")
    au = text_of(draft(sent_notice(site, jurisdiction="AU", urls=(URL2,)), PlatformKind.HOST))
    assert "Online Safety Act 2021 (Cth) Part 6" in au and "not such a notice" in au


def test_the_cdn_is_not_told_it_is_the_host_and_cloudflare_gets_its_ncsei_form_pieces(site):
    identity()
    cdn = draft(sent_notice(site), PlatformKind.CDN)
    assert cdn.channel == "webform" and cdn.platform.webform_url == "https://abuse.cloudflare.com/"
    text = text_of(cdn)
    assert "you are not its host" in text and "Digital Services Act" not in text
    pieces = {p.key: p.text for p in upstream_pieces(notice_content(cdn))}
    assert pieces["category"] == "Non-Consensual Sexually Explicit Imagery (NCSEI)"
    assert pieces[f"urls-{HOST}"].splitlines() == [URL]
    # Cloudflare's own network is not offered as the host: behind a CDN the origin is unknown.
    assert [t.name for t in selectors.upstream_targets(cdn.escalates)] == [
        "Cloudflare",
        "Example Hosting B.V.",
        "Example Registrar, Inc.",
    ]
    assert "send-anon" in pieces["notify"] and cdn.reference in pieces["reference"]


def test_the_registrar_is_reminded_of_raa_3_18_1_only_when_icann_accredited(site):
    identity(registrar_id="9999")
    accredited = text_of(draft(sent_notice(site), PlatformKind.REGISTRAR))
    assert "section 3.18.1 of the 2013 Registrar Accreditation Agreement" in accredited and "9999" in accredited
    identity(registrar_id="")
    cctld = text_of(draft(sent_notice(site, urls=(URL,)), PlatformKind.REGISTRAR))
    assert "3.18.1" not in cctld and "we do not claim an obligation" in cctld


def test_providers_never_become_platforms_for_urls_intake_or_the_report(site, client, advocate):
    identity()
    notice = sent_notice(site)
    for kind in (PlatformKind.CDN, PlatformKind.HOST, PlatformKind.REGISTRAR):
        draft(notice, kind)
    assert Platform.objects.exclude(kind="platform").count() == 3
    assert all(p.domains == [] for p in Platform.objects.exclude(kind="platform"))
    slugs = {slug for slug, _ in [(p, n) for p, n in selectors.platform_choices()]}
    assert not Platform.objects.filter(pk__in=slugs).exclude(kind="platform").exists()
    client.force_login(advocate)
    api = client.get("/api/v1/platforms/?page_size=500").json()
    listed = {p["slug"] for p in api["results"]}
    assert "leaks" in listed and not any(slug.startswith(("cdn-", "host-", "registrar-")) for slug in listed)
    names = [f.name for f in selectors.platform_report(start=timezone.now() - timedelta(days=30), end=timezone.now())]
    assert "Leaks Example" in names and "Cloudflare" not in names and "Example Hosting B.V." not in names


# --- their own clock and lifecycle ---------------------------------------------------------------------------


def test_an_upstream_notice_is_sent_by_email_with_its_own_clock_and_escalates_the_platform_notice(site, smtp, client):
    identity()
    notice = sent_notice(site)
    host = draft(notice, PlatformKind.HOST)
    delivery.notice_queue(notice=host, actor_kind="advocate")
    delivery.notice_send(notice_id=host.pk)
    host.refresh_from_db()
    assert host.status == "sent" and host.due_at == host.sent_at + timedelta(hours=72)
    (message,) = [m["message"] for m in smtp.messages]
    assert message["To"] == "abuse@hosting.example"
    assert re.match(rf"notice-{host.pk}-\w+@", message["Reply-To"])
    assert any(part.get_filename() == f"{host.reference}.pdf" for part in message.walk())
    notice.refresh_from_db()
    assert notice.status == "escalated"
    assert Event.objects.filter(notice=notice, type="notice.escalated", data__upstream_notice=host.reference).exists()
    # The provider answers through its own signed link: the upstream notice's lifecycle, not the platform's.
    outcomes.notice_acknowledge(notice=host)
    host.refresh_from_db()
    notice.refresh_from_db()
    assert host.status == "acknowledged" and notice.status == "escalated"
    # A second draft for the same provider returns the same notice.
    assert draft(notice, PlatformKind.HOST).pk == host.pk
    # The signed link in the notice opens the answering page for the provider.
    from urllib.parse import urlsplit

    from takedowns.notices import response_link

    page = client.get(urlsplit(response_link(host)).path)
    assert page.status_code == 200 and host.reference in page.content.decode()
    # New URLs on the case never send a drafted upstream notice by themselves; the bundle carries each as sent.
    registrar = draft(notice, PlatformKind.REGISTRAR)
    delivery.notices_send_ready(case_id=notice.case_id, force=True)
    registrar.refresh_from_db()
    assert registrar.status == "draft"
    from takedowns.services import bundles

    bundle = bundles.bundle_request(case=notice.case, actor_kind="advocate")
    bundle = bundles.bundle_build(bundle_id=bundle.pk)
    assert bundle.state == "ready", bundle.error


def test_a_web_form_submission_starts_the_cdn_notice_clock(site, client, advocate):
    identity()
    notice = sent_notice(site)
    client.force_login(advocate)
    slug = target(notice, PlatformKind.CDN).slug
    response = client.post(reverse("takedowns:upstream_prepare", args=[notice.case.reference, notice.pk, slug]))
    cdn = Notice.objects.get(escalates=notice, kind="cdn")
    assert response.status_code == 302 and response.url.endswith(f"#notice-{cdn.pk}")
    page = client.get(reverse("takedowns:case_detail", args=[notice.case.reference])).content.decode()
    assert "Non-Consensual Sexually Explicit Imagery (NCSEI)" in page and "Open Cloudflare's abuse form" in page
    when = timezone.now()
    client.post(
        reverse("takedowns:notice_action", args=[notice.case.reference, cdn.pk, "webform"]),
        {"submitted_at": when.strftime("%Y-%m-%dT%H:%M"), "timezone": "UTC", "confirmation": "CF-123"},
    )
    cdn.refresh_from_db()
    assert cdn.status == "sent", [e.type for e in cdn.events.all()]
    assert cdn.due_at == cdn.sent_at + timedelta(hours=72)
    board = client.get(reverse("takedowns:dashboard")).content.decode()
    assert f'data-notice="{cdn.pk}"' in board and f"escalates {notice.reference}" in board


# --- the ladder ----------------------------------------------------------------------------------------------


def test_the_ladder_is_planned_at_delivery_from_the_setting(site):
    notice = sent_notice(site, hours_ago=1)
    steps = {s.step: s for s in notice.escalation_steps.all()}
    assert set(steps) == {"reminder", "upstream", "deindex", "regulator"}
    assert steps["reminder"].planned_at == notice.due_at
    assert steps["upstream"].planned_at == notice.due_at + timedelta(hours=24)
    assert steps["regulator"].planned_at == notice.due_at + timedelta(hours=72)
    assert Event.objects.get(notice=notice, type="notice.sent").data["ladder"][0]["step"] == "reminder"


def test_the_ladder_runs_each_step_at_its_time_once(site, smtp, advocate):
    identity()
    notice = sent_notice(site, hours_ago=1)
    due = notice.due_at
    assert escalation.escalation_ladder_run(now=due - timedelta(minutes=1))["done"] == 0
    # At the deadline: the reminder, through the resend mechanism.
    assert escalation.escalation_ladder_run(now=due + timedelta(minutes=1))["done"] == 1
    notice.refresh_from_db()
    assert notice.resend_requested_at is not None
    delivery.notice_resend(notice_id=notice.pk)
    assert smtp.messages[-1]["message"]["Subject"].startswith("Reminder:")
    # Run again: nothing more (idempotent).
    assert escalation.escalation_ladder_run(now=due + timedelta(minutes=2))["done"] == 0
    # A day later: upstream notices drafted (not sent: the default), de-indexing ready, the advocate alerted.
    later = due + timedelta(hours=24, minutes=1)
    assert escalation.escalation_ladder_run(now=later)["done"] == 2
    assert escalation.escalation_ladder_run(now=later)["done"] == 0
    upstream = Notice.objects.filter(escalates=notice)
    assert sorted(upstream.values_list("kind", flat=True)) == ["cdn", "host", "registrar"]
    assert set(upstream.values_list("status", flat=True)) == {"draft"}
    notice.refresh_from_db()
    assert notice.status == "escalated"
    assert Event.objects.filter(notice=notice, type=EventType.ESCALATION_UPSTREAM).count() == 1
    assert Event.objects.filter(notice=notice, type=EventType.ESCALATION_DEINDEX).count() == 1
    outbox_before = len(smtp.messages)
    deliver_notifications()
    alerts = [m["message"] for m in smtp.messages[outbox_before:] if "escalation step" in m["message"]["Subject"]]
    assert alerts and all(m["To"] != "sam@example.org" for m in alerts)
    # Three days after the deadline: the regulator draft.
    assert escalation.escalation_ladder_run(now=due + timedelta(hours=73))["done"] == 1
    assert notice.escalation_steps.get(step="regulator").done_at is not None
    assert Event.objects.filter(notice=notice, type__startswith="escalation.").count() == 4


def test_with_upstream_sending_on_the_email_notices_are_queued(site, settings):
    settings.ESCALATION_UPSTREAM_SEND = True
    identity()
    notice = sent_notice(site, hours_ago=80)
    escalation.escalation_ladder_run(now=timezone.now())
    statuses = dict(Notice.objects.filter(escalates=notice).values_list("kind", "status"))
    assert statuses == {"cdn": "draft", "host": "queued", "registrar": "queued"}  # a web form needs a person


def test_a_stopped_step_never_runs_and_records_who_stopped_it(site, client, advocate, reddit_staff):
    identity()
    notice = sent_notice(site, hours_ago=1)
    step = notice.escalation_steps.get(step="upstream")
    url = reverse("takedowns:ladder_step_stop", args=[notice.case.reference, notice.pk, step.pk])
    client.force_login(reddit_staff)
    assert client.post(url).status_code == 404
    client.force_login(advocate)
    assert client.post(url).status_code == 302
    step.refresh_from_db()
    assert step.stopped_by == advocate and step.stop_reason == "advocate"
    assert Event.objects.filter(type=EventType.ESCALATION_STOPPED, actor_user=advocate, notice=notice).exists()
    escalation.escalation_ladder_run(now=notice.due_at + timedelta(days=5))
    step.refresh_from_db()
    assert step.done_at is None and not Notice.objects.filter(escalates=notice).exists()
    assert notice.escalation_steps.get(step="regulator").done_at is not None
    # Stopping everything that is left.
    other = sent_notice(site, hours_ago=1, urls=("https://www.leaks.example/v/9",))
    client.post(reverse("takedowns:ladder_stop", args=[other.case.reference, other.pk]))
    assert not other.escalation_steps.filter(stopped_at__isnull=True).exists()


def test_an_acknowledgement_does_not_stop_the_ladder_only_a_verified_removal_does(site):
    notice = sent_notice(site, hours_ago=1)
    escalation.escalation_ladder_run(now=notice.due_at + timedelta(minutes=1))  # the reminder ran
    outcomes.notice_acknowledge(notice=notice)
    assert not notice.escalation_steps.filter(stopped_at__isnull=False).exists()
    assert "ladder_stopped" not in Event.objects.get(notice=notice, type="notice.acknowledged").data
    escalation.escalation_ladder_run(now=notice.due_at + timedelta(days=9))
    steps = {s.step: s for s in notice.escalation_steps.all()}
    assert steps["deindex"].done_at and steps["regulator"].done_at
    # A claimed removal holds the ladder until verification; a verified one ends it.
    claimed = sent_notice(site, hours_ago=1, urls=("https://www.leaks.example/v/9",))
    claimed = notice_transition(notice=claimed, to="removed", actor_kind="platform")
    assert escalation.escalation_ladder_run(now=claimed.due_at + timedelta(days=9))["done"] == 0
    assert not claimed.escalation_steps.filter(stopped_at__isnull=False).exists()
    notice_transition(notice=claimed, to="verified_removed", actor_kind="system")
    assert set(claimed.escalation_steps.values_list("stop_reason", flat=True)) == {"content_gone"}


def test_old_notices_get_a_ladder_at_the_first_run_and_a_dispute_does_not_stop_it(site):
    notice = sent_notice(site, hours_ago=60)
    EscalationStep.objects.filter(notice=notice).delete()
    outcomes.notice_dispute(notice=notice, reason="consent", message="We think this is consensual.")
    result = escalation.escalation_ladder_run(now=timezone.now())
    assert result["planned"] == 1
    assert notice.escalation_steps.count() == 4
    assert Event.objects.filter(notice=notice, type=EventType.ESCALATION_PLANNED).count() == 1
    escalation.escalation_ladder_run(now=timezone.now())
    assert notice.escalation_steps.get(step="reminder").outcome == {"skipped": "the notice is disputed"}


def test_the_upstream_step_asks_for_a_lookup_first_and_waits_for_it(site, django_capture_on_commit_callbacks):
    notice = sent_notice(site, hours_ago=80)  # no host identity yet
    now = timezone.now()
    with django_capture_on_commit_callbacks() as callbacks:
        escalation.escalation_ladder_run(now=now)
    step = notice.escalation_steps.get(step="upstream")
    assert step.done_at is None and step.outcome["lookup_requested_at"]
    assert len(callbacks) >= 1  # the host lookup, enqueued after commit
    identity()
    escalation.escalation_ladder_run(now=now + timedelta(minutes=5))
    step.refresh_from_db()
    assert step.done_at is not None and len(step.outcome["notices"]) == 3


def test_the_runner_is_safe_to_run_twice_concurrently_on_one_step(site):
    identity()
    notice = sent_notice(site, hours_ago=80)
    step = notice.escalation_steps.get(step="upstream")
    now = timezone.now()
    first = escalation.escalation_step_run(step_id=step.pk, now=now)
    second = escalation.escalation_step_run(step_id=step.pk, now=now + timedelta(seconds=1))
    assert first.done_at == second.done_at == now
    assert Notice.objects.filter(escalates=notice).count() == 3
    assert Event.objects.filter(notice=notice, type=EventType.ESCALATION_UPSTREAM).count() == 1


# --- permissions and the victim ------------------------------------------------------------------------------


def test_platform_staff_never_see_upstream_notices_of_providers(site, client, reddit_staff):
    identity()
    notice = sent_notice(site)
    host = draft(notice, PlatformKind.HOST)
    delivery.notice_queue(notice=host, actor_kind="advocate")
    Notice.objects.filter(pk=host.pk).update(status="sent", sent_at=timezone.now())
    client.force_login(reddit_staff)
    assert client.get(reverse("takedowns:inbox_notice", args=[host.pk])).status_code == 404
    assert client.get(f"/api/v1/notices/{host.pk}/").status_code == 404
    # The provider's own staff see their notice, and no other.
    provider_staff = portal_user_create_or_update(
        role="platform",
        email="abuse@hosting.example",
        password="correct-horse-battery",
        platform_slug=host.platform.slug,
        validate=False,
    ).user
    visible = set(selectors.notices_for_user(provider_staff).values_list("pk", flat=True))
    assert visible == {host.pk}
    prepare = reverse("takedowns:upstream_prepare", args=[notice.case.reference, notice.pk, host.platform.slug])
    client.force_login(provider_staff)
    assert client.post(prepare).status_code == 404


def test_the_victim_reads_the_ladder_in_plain_words_and_gets_no_email_per_upstream_notice(site, client, smtp):
    identity()
    notice = sent_notice(site, hours_ago=1)
    from takedowns.web.victim.presenters import case_status_view

    row = case_status_view(notice.case)["platforms"][0]
    assert row.name == "Leaks Example" and row.planned[0]["text"].startswith("we remind")
    escalation.escalation_ladder_run(now=notice.due_at + timedelta(hours=25))
    host = Notice.objects.get(escalates=notice, kind="host")
    delivery.notice_queue(notice=host, actor_kind="advocate")
    delivery.notice_send(notice_id=host.pk)
    deliver_notifications()
    to_victim = [m["message"]["Subject"] for m in smtp.messages if m["message"]["To"] == "sam@example.org"]
    assert not [subject for subject in to_victim if "Example Hosting" in subject]
    view = case_status_view(notice.case)
    assert [r.name for r in view["platforms"]] == ["Leaks Example"]  # providers are not platforms for the victim
    texts = " ".join(item["text"] for item in view["platforms"][0].escalation)
    assert "We reminded Leaks Example" in texts and "We wrote to Example Hosting B.V." in texts
    assert "regulator" in " ".join(item["text"] for item in view["platforms"][0].planned)


def test_the_case_api_lists_upstream_notices_and_ladder_steps_and_stops_a_step(site, client, advocate, x_staff):
    identity()
    notice = sent_notice(site)
    host = draft(notice, PlatformKind.HOST)
    client.force_login(advocate)
    body = client.get(f"/api/v1/cases/{notice.case.reference}/").json()
    rows = {n["reference"]: n for n in body["notices"]}
    assert rows[host.reference]["kind"] == "host" and rows[host.reference]["escalates"] == notice.reference
    assert rows[notice.reference]["kind"] == "platform" and rows[notice.reference]["escalates"] is None
    assert [s["step"] for s in rows[notice.reference]["escalation_steps"]] == [
        "reminder",
        "upstream",
        "deindex",
        "regulator",
    ]
    url = f"/api/v1/cases/{notice.case.reference}/notices/{notice.pk}/stop-escalation/"
    response = client.post(url, {"step": "regulator"}, content_type="application/json")
    assert response.status_code == 200
    steps = {
        s["step"]: s
        for s in {n["reference"]: n for n in response.json()["notices"]}[notice.reference]["escalation_steps"]
    }
    assert steps["regulator"]["state"] == "stopped" and steps["regulator"]["stop_reason"] == "advocate"
    assert client.post(url, {"step": "nonsense"}, content_type="application/json").status_code == 400
    upstream_url = f"/api/v1/cases/{notice.case.reference}/notices/{host.pk}/stop-escalation/"
    assert client.post(upstream_url, {}, content_type="application/json").status_code == 404
    client.force_login(x_staff)
    assert client.post(url, {}, content_type="application/json").status_code == 403


def test_the_ladder_setting_is_checked_and_beat_runs_the_ladder_under_a_lock(site, settings):
    from django.core.exceptions import ImproperlyConfigured

    from portal.settings.recourse import _parse_ladder
    from takedowns import tasks
    from takedowns.services.deadlines import job_last_ran

    assert _parse_ladder("reminder:0, upstream:24,deindex:24,regulator:72")[1] == ("upstream", 24)
    for bad in ("remind:0", "upstream:soon", "upstream:24,upstream:48", "regulator:99999"):
        with pytest.raises(ImproperlyConfigured, match="ESCALATION_LADDER"):
            _parse_ladder(bad)
    assert settings.CELERY_BEAT_SCHEDULE["escalation-ladder"]["task"] == "takedowns.tasks.escalation_ladder_run"
    settings.ESCALATION_PLAN = [("regulator", 0)]
    notice = sent_notice(site, hours_ago=60)
    assert list(notice.escalation_steps.values_list("step", flat=True)) == ["regulator"]
    tasks.escalation_ladder_run()
    assert notice.escalation_steps.get().done_at is not None and job_last_ran("escalation-ladder")

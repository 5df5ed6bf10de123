"""The case page as a workbench: masked details revealed by logged clicks, the blurred preview of a kept
original, the timeline, and the advocate's actions on the case."""

from __future__ import annotations

import io

import pytest
from django.core import mail
from django.urls import reverse
from PIL import Image

from takedowns.lifecycle import notice_transition
from takedowns.models import Event, EventType, Notice, Platform, ReportedLocation
from takedowns.services.images import image_add
from tests.factories import CaseFactory, NoticeFactory, load_email_platforms
from tests.utils import make_photo_like

pytestmark = pytest.mark.django_db


def page(client, case) -> str:
    return client.get(reverse("takedowns:case_detail", args=[case.reference])).content.decode()


def edge_strength(image) -> float:
    """Mean absolute difference between horizontally neighbouring pixels."""
    width, height = image.size
    px = image.load()
    diffs = [abs(px[x, y] - px[x + 1, y]) for y in range(height) for x in range(width - 1)]
    return sum(diffs) / len(diffs)


def reveal(client, case, what: str):
    return client.post(reverse("takedowns:case_reveal", args=[case.reference]), {"what": what})


def test_contact_and_filer_are_masked_until_a_logged_click(client, advocate):
    case = CaseFactory(victim_name="Robin Placeholder", contact_email="robin@example.org")
    client.force_login(advocate)
    html = page(client, case)
    assert "robin@example.org" not in html and "Robin Placeholder" not in html and "••••••" in html

    assert reveal(client, case, "contact").status_code == 302
    html = page(client, case)
    assert "robin@example.org" in html and "Robin Placeholder" not in html
    event = Event.objects.get(case=case, type=EventType.CASE_CONTACT_REVEALED)
    assert event.actor_user == advocate
    assert 'data-event="case.contact_revealed"' in html  # the reveal is on the timeline

    reveal(client, case, "filer")
    assert "Robin Placeholder" in page(client, case)
    assert Event.objects.filter(case=case, type=EventType.CASE_FILER_REVEALED).count() == 1
    assert reveal(client, case, "everything").status_code == 404


def test_blurred_greyscale_preview_only_for_a_kept_original_after_a_logged_click(
    client, advocate, reddit_staff, django_capture_on_commit_callbacks
):
    case = CaseFactory()
    with django_capture_on_commit_callbacks(execute=True):  # hashing runs (eagerly) and purges the other
        kept = image_add(
            case=case, data=make_photo_like(seed=3), image_format="JPEG", keep_as_evidence=True, actor_kind="victim"
        )
        purged = image_add(
            case=case, data=make_photo_like(seed=4), image_format="JPEG", keep_as_evidence=False, actor_kind="victim"
        )
    kept.refresh_from_db()
    purged.refresh_from_db()
    assert kept.file and not purged.file
    preview = reverse("takedowns:image_preview", args=[case.reference, kept.pk])
    client.force_login(advocate)
    assert "<img" not in page(client, case)
    assert client.get(preview).status_code == 404  # not before the click

    reveal(client, case, f"image-{kept.pk}")
    html = page(client, case)
    assert html.count("<img") == 1 and preview in html
    response = client.get(preview)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert "no-store" in response["Cache-Control"]
    shown = Image.open(io.BytesIO(response.content))
    assert shown.mode == "L" and max(shown.size) <= 240
    # Blurred: far less detail between neighbouring pixels than a sharp greyscale copy of the same size.
    sharp = Image.open(io.BytesIO(make_photo_like(seed=3))).convert("L").resize(shown.size)
    assert edge_strength(shown) < 0.35 * edge_strength(sharp)
    assert Event.objects.get(type=EventType.IMAGE_PREVIEW_REVEALED).data == {"image_id": kept.pk}

    # An image whose original was deleted has no preview, click or not.
    reveal(client, case, f"image-{purged.pk}")
    assert client.get(reverse("takedowns:image_preview", args=[case.reference, purged.pk])).status_code == 404
    # Platform staff never get it.
    client.force_login(reddit_staff)
    assert client.get(preview).status_code == 404


def test_assign_note_hold_and_add_urls(client, advocate, platforms, django_capture_on_commit_callbacks):
    case = CaseFactory()
    client.force_login(advocate)
    act = lambda action, data=None: client.post(  # noqa: E731
        reverse("takedowns:case_action", args=[case.reference, action]), data or {}
    )
    act("assign", {"advocate": advocate.pk})
    case.refresh_from_db()
    assert case.assigned_advocate == advocate
    act("note", {"text": "Called the victim; prefers e-mail."})
    act("note", {"text": "   "})
    act("hold")
    case.refresh_from_db()
    assert case.review_first is True
    act("add-urls", {"urls": "https://www.reddit.com/r/x/comments/zz1/p/\nftp://files.example/x"})
    assert case.locations.count() == 0  # one bad line: nothing added, the error says which line
    with django_capture_on_commit_callbacks(execute=True):
        act("add-urls", {"urls": "https://www.reddit.com/r/x/comments/zz1/p/"})
    assert case.locations.count() == 1
    # Held: the new notice is drafted, not sent.
    assert list(case.notices.values_list("status", flat=True)) == ["draft"]
    types = list(case.events.values_list("type", flat=True))
    assert types.count(EventType.CASE_NOTE_ADDED) == 1
    for kind in (EventType.CASE_ASSIGNED, EventType.CASE_HELD, EventType.CASE_LOCATIONS_ADDED):
        assert kind in types
    html = page(client, case)
    assert "Called the victim; prefers e-mail." in html and "On hold" in html


def test_add_unknown_website_to_the_registry_applies_to_every_open_case(
    client, advocate, django_capture_on_commit_callbacks
):
    first, second = CaseFactory(), CaseFactory()
    for case, path in ((first, "a"), (second, "b")):
        ReportedLocation.objects.create(
            case=case, url=f"https://clips.newsite.example/{path}", host="clips.newsite.example"
        )
    location = first.locations.get()
    client.force_login(advocate)
    url = reverse("takedowns:location_platform_add", args=[first.reference, location.pk])
    assert "Add this website to the registry" in page(client, first)
    bad = client.post(
        url, {"name": "Newsite", "domains": "newsite.example", "channel": "email", "regime": "US", "response_hours": 48}
    )
    assert "needs the contact address" in bad.content.decode()
    taken = client.post(
        url,
        {
            "name": "R",
            "domains": "reddit.com",
            "channel": "webform",
            "webform_url": "https://r.example/f",
            "regime": "US",
            "response_hours": 48,
        },
    )
    assert "already belongs" in taken.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {
                "name": "Newsite",
                "domains": "newsite.example",
                "channel": "email",
                "contact_email": "abuse@newsite.example",
                "regime": "US",
                "response_hours": 48,
            },
        )
    assert response.status_code == 302
    platform = Platform.objects.get(name="Newsite")
    assert set(ReportedLocation.objects.values_list("platform_id", flat=True)) == {platform.pk}
    assert Notice.objects.filter(platform=platform).count() == 2  # both cases got their notice drafted
    assert Event.objects.filter(type=EventType.CASE_PLATFORM_ADDED).count() == 2
    assert client.get(url).status_code == 404  # no longer unknown


def test_resend_sends_one_reminder_and_keeps_the_clock(client, advocate, django_capture_on_commit_callbacks):
    platforms = load_email_platforms()
    notice = NoticeFactory(
        platform=platforms["mailhost-a"],
        channel="email",
        recipient="ncii@mailhost-a.example",
        subject="Removal request",
    )
    notice = notice_transition(notice=notice, to="sent", actor_kind="system")
    due = notice.due_at
    client.force_login(advocate)
    url = reverse("takedowns:notice_action", args=[notice.case.reference, notice.pk, "resend"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)
    notice.refresh_from_db()
    assert len(mail.outbox) == 1 and mail.outbox[0].subject.startswith("Reminder:")
    assert notice.due_at == due and notice.last_resent_at and notice.resend_requested_at is None
    # The task running again finds no request: no second e-mail.
    from takedowns.tasks import notice_resend

    notice_resend(notice.pk)
    assert len(mail.outbox) == 1
    assert Event.objects.filter(notice=notice, type=EventType.NOTICE_RESENT).count() == 1
    notice_transition(notice=notice, to="removed", actor_kind="platform")
    client.post(url)
    assert len(mail.outbox) == 1  # nothing to remind about once removed


def test_workbench_actions_are_advocates_only(client, reddit_staff, platforms):
    notice = notice_transition(notice=NoticeFactory(platform=platforms["reddit"]), to="sent", actor_kind="system")
    case = notice.case
    client.force_login(reddit_staff)
    assert reveal(client, case, "contact").status_code == 404
    assert (
        client.post(reverse("takedowns:case_action", args=[case.reference, "note"]), {"text": "x"}).status_code == 404
    )
    assert not Event.objects.filter(type__in=[EventType.CASE_CONTACT_REVEALED, EventType.CASE_NOTE_ADDED]).exists()


def test_case_page_query_count_does_not_grow_with_notices(client, advocate, platforms, make_sent):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from takedowns.services import outcomes

    first = make_sent(platforms["reddit"], hours_ago=1)
    case = first.case
    client.force_login(advocate)
    counts = []
    for slug in ("x", "facebook", "instagram", None):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("takedowns:case_detail", args=[case.reference])).status_code == 200
        counts.append(len(ctx.captured_queries))
        if slug:
            notice = make_sent(platforms[slug], hours_ago=2, case=case, url=f"https://example-{slug}.test/{slug}/1")
            outcomes.notice_acknowledge(notice=notice)
    assert len(set(counts)) == 1, counts


def test_overdue_notice_is_marked_escalated_with_where_it_went(client, advocate, reddit_staff, platforms, make_sent):
    notice = make_sent(platforms["reddit"], hours_ago=53)
    case = notice.case
    url = reverse("takedowns:notice_action", args=[case.reference, notice.pk, "escalate"])
    page_url = reverse("takedowns:case_detail", args=[case.reference])
    client.force_login(reddit_staff)
    assert client.post(url, {"note": "Ofcom"}).status_code == 404  # platform staff cannot escalate themselves
    client.force_login(advocate)
    assert f'data-testid="escalate-{notice.pk}"' in client.get(page_url).content.decode()
    # Nothing said: refused with the reason, nothing changes.
    body = client.post(url, {"note": "  "}, follow=True).content.decode()
    assert "Say where it was escalated" in body
    notice.refresh_from_db()
    assert notice.status == "sent"
    body = client.post(url, {"note": "Ofcom complaint OF-1234"}, follow=True).content.decode()
    notice.refresh_from_db()
    assert notice.status == "escalated" and notice.escalated_at is not None
    event = Event.objects.get(notice=notice, type=EventType.NOTICE_ESCALATED)
    assert event.actor_user == advocate and event.data["note"] == "Ofcom complaint OF-1234"
    assert "Ofcom complaint OF-1234" in body  # on the timeline
    assert f'data-testid="escalate-{notice.pk}"' not in body  # done once: the form is gone
    # Twice is refused, not a second event.
    client.post(url, {"note": "again"})
    assert Event.objects.filter(notice=notice, type=EventType.NOTICE_ESCALATED).count() == 1


def test_add_this_website_holds_the_new_platform_to_the_registry_rules(advocate, platforms):
    from takedowns.services.workbench import WorkbenchError, platform_add_from_location

    case = CaseFactory()
    location = ReportedLocation.objects.create(
        case=case, url="https://clips.other.example/a", host="clips.other.example"
    )
    common = {"location": location, "name": "Other", "regime": "US", "response_hours": 48, "actor_user": advocate}
    # The form checks these too; the service must not rely on it (the registry file's rules, one validator).
    with pytest.raises(WorkbenchError, match="e-mail address"):
        platform_add_from_location(domains=["other.example"], channel="email", contact_email="nobody", **common)
    with pytest.raises(WorkbenchError, match="without a port"):
        platform_add_from_location(
            domains=["other.example:8080"], channel="email", contact_email="a@b.example", **common
        )
    with pytest.raises(WorkbenchError, match="already belongs"):
        platform_add_from_location(domains=["old.reddit.com"], channel="email", contact_email="a@b.example", **common)
    assert not Platform.objects.filter(name="Other").exists()

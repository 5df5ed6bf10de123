"""What an advocate does on a case page besides acting on one notice: see masked details (each reveal logged),
assign, note, hold, add URLs, resend, and add an unknown website to the platform registry."""

from __future__ import annotations

import io

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from PIL import ImageFilter

from hashing.decode import decode
from takedowns.audit import event_record
from takedowns.models import (
    ActorKind,
    Case,
    CaseState,
    Channel,
    EventType,
    ImageState,
    Notice,
    NoticeStatus,
    Platform,
    ReferenceImage,
    ReportedLocation,
)
from takedowns.registry import RegistryError, platform_validate
from takedowns.services.cases import locations_add, platform_matcher
from takedowns.services.jobs import enqueue_on_commit
from takedowns.services.platforms import platform_values
from takedowns.urlnorm import PlatformMatcher

NOTE_MAX = 4000
PREPARE_TASK = "takedowns.tasks.case_notices_prepare"
RESEND_TASK = "takedowns.tasks.notice_resend"

REVEAL_EVENTS = {"filer": EventType.CASE_FILER_REVEALED, "contact": EventType.CASE_CONTACT_REVEALED}


class WorkbenchError(ValueError):
    """The action cannot be done; the message says why, in words an advocate can act on."""


def case_detail_reveal(*, case: Case, field: str, actor_user) -> None:
    """An advocate asked to see the filer's name or the contact details: the audit log says who and when."""
    if field not in REVEAL_EVENTS:
        raise WorkbenchError(f"Unknown detail {field!r}.")
    event_record(type=REVEAL_EVENTS[field], actor_kind=ActorKind.ADVOCATE, actor_user=actor_user, case=case)


def image_preview_reveal(*, image: ReferenceImage, actor_user) -> None:
    """An advocate clicked to see the blurred preview of a kept reference image (logged; DESIGN.md §8)."""
    if not image.file or image.purged_at:
        raise WorkbenchError("The original of this image is not kept: only its fingerprints exist.")
    event_record(
        type=EventType.IMAGE_PREVIEW_REVEALED,
        actor_kind=ActorKind.ADVOCATE,
        actor_user=actor_user,
        case=image.case,
        data={"image_id": image.pk},
    )


def case_assign(*, case: Case, advocate, actor_user) -> Case:
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        if case.assigned_advocate_id == (advocate.pk if advocate else None):
            return case
        previous = case.assigned_advocate_id
        case.assigned_advocate = advocate
        case.save(update_fields=["assigned_advocate", "updated_at"])
        event_record(
            type=EventType.CASE_ASSIGNED,
            actor_kind=ActorKind.ADVOCATE,
            actor_user=actor_user,
            case=case,
            data={"advocate_id": advocate.pk if advocate else None, "previous_advocate_id": previous},
        )
    return case


def case_note_add(*, case: Case, text: str, actor_user) -> None:
    text = text.strip()
    if not text:
        raise WorkbenchError("The note is empty.")
    if len(text) > NOTE_MAX:
        raise WorkbenchError(f"A note can be at most {NOTE_MAX} characters.")
    event_record(
        type=EventType.CASE_NOTE_ADDED,
        actor_kind=ActorKind.ADVOCATE,
        actor_user=actor_user,
        case=case,
        data={"note": text},
    )


def case_hold_set(*, case: Case, hold: bool, actor_user) -> Case:
    """Hold: new and drafted notices wait for an advocate's "send". Release: back to the portal default (the
    advocate then sends each held draft; nothing goes out by surprise)."""
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        value = True if hold else None
        if case.review_first == value:
            return case
        case.review_first = value
        case.save(update_fields=["review_first", "updated_at"])
        event_record(
            type=EventType.CASE_HELD if hold else EventType.CASE_RELEASED,
            actor_kind=ActorKind.ADVOCATE,
            actor_user=actor_user,
            case=case,
        )
    return case


def case_urls_add(*, case: Case, urls: list[str], actor_user) -> list[ReportedLocation]:
    if case.state != CaseState.OPEN:
        raise WorkbenchError("URLs can only be added to an open case.")
    added = locations_add(case=case, urls=urls, actor_kind=ActorKind.ADVOCATE, actor_user=actor_user)
    if added:
        enqueue_on_commit(PREPARE_TASK, case.pk)
    return added


def notice_resend_request(*, notice: Notice, actor_user) -> Notice:
    """Send an unanswered e-mail notice again as a reminder. The clock does not restart: the law counts from
    the first delivery. The worker sends it once (the request stamp is cleared under a row lock)."""
    with transaction.atomic():
        notice = Notice.objects.select_for_update().select_related("platform").get(pk=notice.pk)
        if notice.status not in (NoticeStatus.SENT, NoticeStatus.ACKNOWLEDGED, NoticeStatus.INFO_REQUESTED):
            raise WorkbenchError("Only a delivered notice that is still waiting for an answer can be sent again.")
        if notice.channel != Channel.EMAIL or not notice.recipient:
            raise WorkbenchError(
                "This platform takes notices through its web form: submit it there again and record a reply."
            )
        if notice.resend_requested_at is None:
            notice.resend_requested_at = timezone.now()
            notice.resend_requested_by = actor_user if getattr(actor_user, "is_authenticated", False) else None
            notice.save(update_fields=["resend_requested_at", "resend_requested_by", "updated_at"])
            enqueue_on_commit(RESEND_TASK, notice.pk)
    return notice


def platform_add_from_location(
    *,
    location: ReportedLocation,
    name: str,
    domains: list[str],
    channel: str,
    contact_email: str = "",
    webform_url: str = "",
    regime: str = "US",
    response_hours: int = 48,
    actor_user,
) -> tuple[Platform, int]:
    """Add a website to the registry from a URL on an unknown website. Every URL of every open case on those
    domains is attached to it and those cases get their notices drafted. Returns (platform, URLs attached)."""
    if location.platform_id is not None:
        raise WorkbenchError("This URL's website is already in the registry.")
    base = slugify(name)[:40] or slugify(domains[0] if domains else "")[:40]
    if not base:
        raise WorkbenchError("Give the website a name.")
    slug, n = base, 1
    while Platform.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"[:50]
    fields = {
        "slug": slug,
        "name": name.strip()[:120],
        "domains": list(domains),
        "channel": channel,
        "contact_email": contact_email,
        "webform_url": webform_url,
        "regime": regime,
        "response_hours": response_hours,
        # No case reference: the registry is shared (platform staff, the API, exports) and a reference would tie
        # this website to one victim's case. The audit log on the case records who added it.
        "notes": f"Added by an advocate on {timezone.now():%Y-%m-%d}.",
    }
    try:
        # The registry file's rules; a domain under one the registry already holds (a subdomain) is taken too.
        spec = platform_validate(
            fields, source="workbench", domain_owner=platform_matcher().detect, require_webform_url=True
        )
    except RegistryError as exc:
        raise WorkbenchError(exc.reason) from exc
    with transaction.atomic():
        # The form does not ask which regimes the site is under: an empty list (not the file's default of the
        # one regime) lets the victim's own jurisdiction add the EU's (law.notice_regimes).
        platform = Platform.objects.create(slug=spec.slug, **{**platform_values(spec), "regimes": []})
        matcher = PlatformMatcher([(platform.slug, platform.domains)])
        attached: dict[int, list[int]] = {}
        unknown = ReportedLocation.objects.select_for_update().filter(platform__isnull=True, case__state=CaseState.OPEN)
        for loc in unknown.only("pk", "case_id", "url"):
            if matcher.detect(loc.url) == platform.slug:
                attached.setdefault(loc.case_id, []).append(loc.pk)
        ids = [pk for pks in attached.values() for pk in pks]
        ReportedLocation.objects.filter(pk__in=ids).update(platform=platform)
        for case_id, pks in attached.items():
            event_record(
                type=EventType.CASE_PLATFORM_ADDED,
                actor_kind=ActorKind.ADVOCATE,
                actor_user=actor_user,
                case=Case.objects.get(pk=case_id),
                # Not the originating case's reference: this event sits on other victims' cases too.
                data={"platform": platform.slug, "location_ids": pks},
            )
            enqueue_on_commit(PREPARE_TASK, case_id)
    return platform, len(ids)


def image_kept(image: ReferenceImage) -> bool:
    return bool(image.file) and image.purged_at is None and image.state != ImageState.FAILED


PREVIEW_SIDE = 240


def image_preview_bytes(*, image: ReferenceImage) -> bytes:
    """A small, greyscale, heavily blurred JPEG of a kept original: enough for an advocate to tell two
    pictures apart, not to see the person. Decoded with the same guards as the hashing (size, pixels,
    formats); the original is decrypted in memory only."""
    if not image_kept(image):
        raise WorkbenchError("The original of this image is not kept.")
    with image.file.open("rb") as handle:
        return blurred_preview(handle.read())


def blurred_preview(data: bytes) -> bytes:
    """The blurred greyscale JPEG of a picture's bytes (guarded decode); raises ``hashing.HashingError``."""
    grey = decode(data).grey
    grey.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE))
    blurred = grey.filter(ImageFilter.GaussianBlur(radius=max(6, max(grey.size) // 20)))
    out = io.BytesIO()
    blurred.save(out, "JPEG", quality=50)
    return out.getvalue()

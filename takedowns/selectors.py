"""Reads. Every object fetch is also a permission check (DESIGN.md §8, CONVENTIONS.md §6): the same 404
whether the object does not exist or is not the caller's."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from takedowns.lifecycle import CLOCK_RUNNING, OPEN_STATES
from takedowns.models import (
    Case,
    CaseState,
    EventType,
    HostIdentity,
    ImageState,
    Notice,
    ReferenceImage,
    ReportedLocation,
)
from takedowns.roles import is_advocate, platform_of


def cases_for_user(user) -> QuerySet[Case]:
    if is_advocate(user):
        return Case.objects.exclude(state=CaseState.DRAFT)
    return Case.objects.none()


def case_for_user(user, reference: str) -> Case:
    case = cases_for_user(user).filter(reference=reference).first()
    if case is None:
        raise Http404("No such case.")
    return case


def notices_for_user(user) -> QuerySet[Notice]:
    qs = Notice.objects.select_related("case", "platform")
    if is_advocate(user):
        return qs
    platform = platform_of(user)
    if platform is not None:
        # An allow-list: platform staff see a notice only once it was delivered to them (sent_at is set), never a
        # draft, a queued or failed one, nor one withdrawn before it was sent.
        return qs.filter(platform=platform, sent_at__isnull=False)
    return qs.none()


def notice_for_user(user, notice_id: int | str) -> Notice:
    try:
        pk = int(notice_id)
    except (TypeError, ValueError):
        raise Http404("No such notice.") from None
    notice = notices_for_user(user).filter(pk=pk).first()
    if notice is None:
        raise Http404("No such notice.")
    return notice


def notices_overdue(qs: QuerySet[Notice] | None = None, *, now=None) -> QuerySet[Notice]:
    qs = Notice.objects.all() if qs is None else qs
    return qs.filter(status__in=CLOCK_RUNNING, due_at__lt=now or timezone.now())


def dashboard_cases(user) -> QuerySet[Case]:
    """The advocate's case list: every open case with counts for the clock columns, in two queries."""
    now = timezone.now()
    return (
        cases_for_user(user)
        .filter(state=CaseState.OPEN)
        .select_related("assigned_advocate")
        .annotate(
            notice_count=Count("notices", distinct=True),
            open_notice_count=Count("notices", filter=Q(notices__status__in=OPEN_STATES), distinct=True),
            overdue_count=Count(
                "notices", filter=Q(notices__status__in=CLOCK_RUNNING, notices__due_at__lt=now), distinct=True
            ),
            location_count=Count("locations", distinct=True),
        )
        .order_by("-created_at")
    )


def case_detail(case: Case) -> Case:
    return (
        Case.objects.filter(pk=case.pk)
        .prefetch_related(
            "images",
            Prefetch("locations", queryset=ReportedLocation.objects.select_related("platform")),
            Prefetch("notices", queryset=Notice.objects.select_related("platform").order_by("platform__name")),
        )
        .get()
    )


def notices_hash_rows(notices: Iterable[Notice]) -> list[dict]:
    """The one source of the hashes a platform may see for its notices (inbox, API, webhooks, exports): those
    of each case's fingerprinted images, never the images. One query however many notices.

    A row: ``notice`` (reference), ``notice_id``, ``image`` (1-based, in filing order), ``pdq``,
    ``pdq_quality``, ``md5``, ``phash``, ``sha256``. Callers pass notices with ``case`` selected.
    """
    notices = list(notices)
    by_case: dict[int, list[ReferenceImage]] = {}
    images = ReferenceImage.objects.filter(case_id__in={n.case_id for n in notices}, state=ImageState.HASHED).order_by(
        "id"
    )
    for image in images.only("case_id", "pdq", "pdq_quality", "md5", "phash", "sha256"):
        by_case.setdefault(image.case_id, []).append(image)
    return [
        {
            "notice": notice.reference,
            "notice_id": notice.pk,
            "image": index,
            "pdq": image.pdq,
            "pdq_quality": image.pdq_quality,
            "md5": image.md5,
            "phash": image.phash,
            "sha256": image.sha256,
        }
        for notice in notices
        for index, image in enumerate(by_case.get(notice.case_id, []), start=1)
    ]


def notice_hash_rows(notice: Notice) -> list[dict]:
    return notices_hash_rows([notice])


RESPONSE_EVENT_TYPES = (
    EventType.NOTICE_ACKNOWLEDGED,
    EventType.NOTICE_REMOVED,
    EventType.NOTICE_LOCATIONS_REMOVED,
    EventType.NOTICE_INFO_REQUESTED,
    EventType.NOTICE_DISPUTED,
    EventType.NOTICE_REPLY_RECORDED,
    EventType.NOTICE_FAILED,
    EventType.NOTICE_OVERDUE,
)


def notice_responses(notice: Notice):
    """What the platform answered (and what was recorded about it), oldest first."""
    return notice.events.filter(type__in=RESPONSE_EVENT_TYPES).order_by("created_at", "id")


def case_notice_panels(case: Case) -> list[dict]:
    """Each notice of a case with what an advocate needs to act on it: completeness, web-form pieces, answers."""
    from takedowns.notices import check_completeness, notice_content, notice_queryset, webform_pieces

    panels = []
    # notice_queryset prefetches what notice_content reads, so the page costs the same for 1 or 20 notices.
    for notice in notice_queryset().filter(case=case).order_by("platform__name"):
        content = notice_content(notice)
        panels.append(
            {
                "notice": notice,
                "completeness": check_completeness(content),
                "pieces": webform_pieces(content) if notice.channel == "webform" else [],
                "responses": list(notice_responses(notice)),
            }
        )
    return panels


def platform_inbox_sections(user, *, now=None) -> list[dict]:
    """A platform's notices in the order staff work them: overdue, due within 12 hours, new, answered."""
    from datetime import timedelta

    from django.utils.translation import gettext_lazy as _

    now = now or timezone.now()
    soon = now + timedelta(hours=12)
    sections = {"overdue": [], "due-soon": [], "new": [], "answered": []}
    for notice in notices_for_user(user).order_by("due_at", "id")[:500]:
        running = notice.status in CLOCK_RUNNING and notice.due_at is not None
        if running and notice.due_at < now:
            sections["overdue"].append(notice)
        elif running and notice.due_at < soon:
            sections["due-soon"].append(notice)
        elif notice.status == "sent":
            sections["new"].append(notice)
        else:
            sections["answered"].append(notice)
    titles = {
        "overdue": _("Overdue"),
        "due-soon": _("Due within 12 hours"),
        "new": _("New"),
        "answered": _("Answered"),
    }
    return [{"key": key, "title": titles[key], "notices": items} for key, items in sections.items()]


def host_identities(case: Case) -> dict[str, HostIdentity]:
    """Who can act on each website of a case (takedowns/services/hosts.py), by host: one query for the page."""
    return {h.host: h for h in HostIdentity.objects.filter(host__in=case.locations.values("host"))}

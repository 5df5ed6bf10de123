"""Work queues: the advocate's clock board and the platform's inbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from takedowns.lifecycle import CLOCK_RUNNING, OPEN_STATES
from takedowns.models import (
    CaseState,
    EscalationStep,
    Notice,
    NoticeStatus,
    Platform,
    PlatformKind,
    ReportedLocation,
)
from takedowns.roles import is_advocate
from takedowns.selectors.access import notices_for_user

# --- The advocate's clock board -----------------------------------------------------------------------------

BOARD_DUE_SOON = timedelta(hours=12)
BOARD_PAGE_SIZE = 50


@dataclass(frozen=True)
class BoardFilters:
    """What the board is narrowed to; every field optional (forms/board.py parses the query string)."""

    platform_id: int | None = None
    status: str = ""
    regime: str = ""
    advocate_id: int | None = None
    mine: bool = False
    overdue: bool = False
    due_soon: bool = False
    q: str = ""


def board_notices(user, filters: BoardFilters | None = None, *, now=None) -> QuerySet[Notice]:
    """Every open notice of an open case, soonest deadline first (notices without a clock yet — drafts,
    queued, failed — after those with one). The row's columns come with it: no query per row."""
    filters = filters or BoardFilters()
    now = now or timezone.now()
    qs = (
        notices_for_user(user)
        .filter(case__state=CaseState.OPEN, status__in=OPEN_STATES)
        .select_related("case__assigned_advocate", "escalates")
        # Each row shows its escalation ladder: one query for the page.
        .prefetch_related(
            Prefetch(
                "escalation_steps",
                queryset=EscalationStep.objects.only(
                    "id", "notice_id", "step", "planned_at", "done_at", "stopped_at"
                ).order_by("planned_at", "id"),
                # A plain list on each row: without to_attr Django builds a filtered queryset per row to hold the
                # prefetched steps, which cost more than the steps themselves on every refresh.
                to_attr="ladder_steps",
            )
        )
        .only(
            "id",
            "kind",
            "escalates__public_reference",
            "status",
            "regime",
            "channel",
            "sent_at",
            "due_at",
            "statutory_due_at",
            "created_at",
            "case__reference",
            "case__is_minor_content",
            "case__assigned_advocate__email",
            "case__assigned_advocate__username",
            "platform__name",
            "platform__slug",
        )
    )
    if filters.platform_id:
        qs = qs.filter(platform_id=filters.platform_id)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.regime:
        qs = qs.filter(regime=filters.regime)
    if filters.mine:
        qs = qs.filter(case__assigned_advocate=user)
    elif filters.advocate_id:
        qs = qs.filter(case__assigned_advocate_id=filters.advocate_id)
    if filters.overdue:
        qs = qs.filter(status__in=CLOCK_RUNNING, due_at__lt=now)
    if filters.due_soon:
        qs = qs.filter(status__in=CLOCK_RUNNING, due_at__gte=now, due_at__lt=now + BOARD_DUE_SOON)
    q = filters.q.strip()
    if q:
        # A case reference or part of a reported URL; Exists keeps one row per notice. URLs are stored
        # normalised (lower-case host) and paths are case-sensitive, so a plain LIKE: no upper() on every row.
        qs = qs.filter(
            Q(case__reference=q.upper())
            | Q(Exists(ReportedLocation.objects.filter(notices=OuterRef("pk"), url__contains=q)))
        )
    return qs.order_by(F("due_at").asc(nulls_last=True), "created_at", "id")


def board_counters(user, *, now=None) -> dict[str, int]:
    """The numbers above the board, in two queries however many notices there are."""
    now = now or timezone.now()
    open_case = Q(case__state=CaseState.OPEN)
    running = open_case & Q(status__in=CLOCK_RUNNING)
    counts = notices_for_user(user).aggregate(
        open=Count("pk", filter=open_case & Q(status__in=OPEN_STATES)),
        due_soon=Count("pk", filter=running & Q(due_at__gte=now, due_at__lt=now + BOARD_DUE_SOON)),
        overdue=Count("pk", filter=running & Q(due_at__lt=now)),
        removed_week=Count("pk", filter=Q(removed_at__gte=now - timedelta(days=7))),
        drafts_held=Count("pk", filter=open_case & Q(status=NoticeStatus.DRAFT)),
    )
    counts["unknown_websites"] = board_unknown_locations(user).count()
    counts["waiting"] = counts["drafts_held"] + counts["unknown_websites"]
    return counts


def board_unknown_locations(user) -> QuerySet[ReportedLocation]:
    """Reported URLs on websites the registry does not know: no notice can go until someone adds the site."""
    if not is_advocate(user):
        return ReportedLocation.objects.none()
    return (
        ReportedLocation.objects.filter(case__state=CaseState.OPEN, platform__isnull=True)
        .select_related("case")
        .order_by("created_at", "id")
    )


def platform_choices() -> list[tuple[int, str]]:
    """Every platform, for the board's menu: the registry has tens of rows, and narrowing it to platforms with
    open notices would cost a join over every notice."""
    return list(Platform.objects.filter(kind=PlatformKind.PLATFORM).order_by("name").values_list("pk", "name"))


def advocate_choices() -> list[tuple[int, str]]:
    """Every active advocate (and superuser), labelled by e-mail, for filters and assignment."""
    from django.contrib.auth import get_user_model

    from takedowns.roles import ADVOCATES

    users = (
        get_user_model()
        .objects.filter(Q(groups__name=ADVOCATES) | Q(is_superuser=True), is_active=True)
        .distinct()
        .order_by("email", "username")
        .values_list("pk", "email", "username")
    )
    return [(pk, email or username) for pk, email, username in users]


def platform_inbox_sections(user, *, now=None) -> list[dict]:
    """A platform's notices in the order staff work them: overdue, due within 12 hours, new, answered."""
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

"""Fetch-and-authorise: every object fetch is also a permission check (DESIGN.md §8, CONVENTIONS.md §6), with
the same 404 whether the object does not exist or is not the caller's."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from takedowns.lifecycle import CLOCK_RUNNING
from takedowns.models import (
    Case,
    CaseState,
    Notice,
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


def notices_list_columns(qs: QuerySet[Notice]) -> QuerySet[Notice]:
    """Only what a notice list shows (api/serializers.py's NoticeListSerializer). Without it every row also
    decrypted its notice body (text and HTML) and the case's personal fields, none of which a list shows."""
    return (
        qs.select_related(None)
        .select_related("platform")
        .only("id", "public_reference", "platform__slug", "regime", "status", "sent_at", "due_at")
    )


def notices_overdue(qs: QuerySet[Notice] | None = None, *, now=None) -> QuerySet[Notice]:
    qs = Notice.objects.all() if qs is None else qs
    return qs.filter(status__in=CLOCK_RUNNING, due_at__lt=now or timezone.now())

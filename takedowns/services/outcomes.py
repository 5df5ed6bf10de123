"""What platforms answer, and what advocates record about it. Every action goes through the lifecycle module
(one Event each, actor "platform" for platform staff, signed links and API tokens) and notifies the advocate
and the victim."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from takedowns.audit import event_record
from takedowns.lifecycle import IllegalTransition, notice_transition
from takedowns.models import ActorKind, EventType, LocationState, Notice, NoticeStatus, ReportedLocation
from takedowns.services.notifications import notify
from takedowns.services.verification import locations_removal_reported

DISPUTE_REASONS = {
    "not_intimate": _("The content is not intimate imagery"),
    "consent": _("We have reason to believe the depicted person consented"),
    "not_depicted_person": _("The requester does not appear to be the depicted person or their representative"),
    "not_found": _("We cannot find the content at the URLs given"),
    "not_our_service": _("The content is not hosted on our service"),
    "insufficient": _("The request lacks information we need"),
    "other": _("Another reason (explained in the message)"),
}

MESSAGE_MAX = 5000


class OutcomeError(ValueError):
    """A platform action that cannot be applied to the notice as it stands; the message says why."""


def _transition(notice: Notice, to: str, *, actor_kind: str, actor_user, data: dict) -> Notice:
    try:
        return notice_transition(notice=notice, to=to, actor_kind=actor_kind, actor_user=actor_user, data=data)
    except IllegalTransition as exc:
        raise OutcomeError(
            f"This notice is “{notice.get_status_display()}”; it cannot be marked “{NoticeStatus(to).label}” now."
        ) from exc


def notice_acknowledge(*, notice: Notice, actor_kind: str = ActorKind.PLATFORM, actor_user=None) -> Notice:
    if notice.status == NoticeStatus.ACKNOWLEDGED:
        return notice  # a second click is not an error
    notice = _transition(notice, NoticeStatus.ACKNOWLEDGED, actor_kind=actor_kind, actor_user=actor_user, data={})
    notify(notice=notice, kind="acknowledged")
    return notice


def notice_report_removed(
    *,
    notice: Notice,
    location_ids: Iterable[int] | None = None,
    note: str = "",
    actor_kind: str = ActorKind.PLATFORM,
    actor_user=None,
) -> Notice:
    """Record removal of some or all of the notice's URLs; the notice is "removed" once every URL is."""
    note = (note or "").strip()[:MESSAGE_MAX]
    with transaction.atomic():
        notice = Notice.objects.select_for_update().select_related("case", "platform").get(pk=notice.pk)
        covered = {loc.pk: loc for loc in notice.locations.select_for_update()}
        wanted = set(covered) if location_ids is None else {int(pk) for pk in location_ids}
        unknown = wanted - set(covered)
        if unknown or not wanted:
            raise OutcomeError("Choose at least one of this notice's URLs.")
        if notice.status not in {
            NoticeStatus.SENT,
            NoticeStatus.ACKNOWLEDGED,
            NoticeStatus.INFO_REQUESTED,
            NoticeStatus.DISPUTED,
            NoticeStatus.ESCALATED,
            NoticeStatus.REMOVED,
        }:
            raise OutcomeError(f"This notice is “{notice.get_status_display()}”; removal cannot be recorded now.")
        now = timezone.now()
        # A reappeared location is reported again by its next round's notice.
        open_states = (LocationState.REPORTED, LocationState.REAPPEARED)
        newly = [covered[pk] for pk in sorted(wanted) if covered[pk].state in open_states]
        for loc in newly:
            loc.state = LocationState.REMOVED
            loc.removed_at = now
        ReportedLocation.objects.bulk_update(newly, ["state", "removed_at"])
        remaining = [loc for loc in covered.values() if loc.state in open_states]
        data = {"location_ids": [loc.pk for loc in newly], "message": note, "remaining": len(remaining)}
        if remaining or notice.status == NoticeStatus.REMOVED:
            event_record(
                type=EventType.NOTICE_LOCATIONS_REMOVED,
                actor_kind=actor_kind,
                actor_user=actor_user,
                notice=notice,
                data=data,
            )
            finished = False
        else:
            notice = _transition(notice, NoticeStatus.REMOVED, actor_kind=actor_kind, actor_user=actor_user, data=data)
            finished = True
        # A platform saying "removed" is a claim: check it (takedowns.services.verification).
        locations_removal_reported(location_ids=[loc.pk for loc in newly])
    if newly:
        notify(notice=notice, kind="removed", extra={"message": note, "partial": not finished})
    return notice


def notice_request_info(*, notice: Notice, message: str, actor_kind: str = ActorKind.PLATFORM, actor_user=None):
    message = (message or "").strip()[:MESSAGE_MAX]
    if not message:
        raise OutcomeError("Please write what information you need.")
    notice = _transition(
        notice, NoticeStatus.INFO_REQUESTED, actor_kind=actor_kind, actor_user=actor_user, data={"message": message}
    )
    notify(notice=notice, kind="info_requested", extra={"message": message})
    return notice


def notice_dispute(
    *, notice: Notice, reason: str, message: str = "", actor_kind: str = ActorKind.PLATFORM, actor_user=None
) -> Notice:
    if reason not in DISPUTE_REASONS:
        raise OutcomeError("Choose a reason from the list.")
    message = (message or "").strip()[:MESSAGE_MAX]
    if reason == "other" and not message:
        raise OutcomeError("Please explain the reason in the message.")
    notice = _transition(
        notice,
        NoticeStatus.DISPUTED,
        actor_kind=actor_kind,
        actor_user=actor_user,
        data={"reason": reason, "message": message},
    )
    notify(notice=notice, kind="disputed", extra={"message": message, "reason": str(DISPUTE_REASONS[reason])})
    return notice


def notice_answer_info(*, notice: Notice, message: str, actor_user) -> Notice:
    """The advocate answered the platform's question: the notice is back with the platform."""
    message = (message or "").strip()[:MESSAGE_MAX]
    if not message:
        raise OutcomeError("Write the answer that was sent.")
    return _transition(
        notice,
        NoticeStatus.ACKNOWLEDGED,
        actor_kind=ActorKind.ADVOCATE,
        actor_user=actor_user,
        data={"answer": message},
    )


def notice_escalate(*, notice: Notice, note: str, actor_user) -> Notice:
    """The advocate took an unanswered or refused notice further (a regulator's complaint, the host, search
    engines): the notice leaves the platform's clock and the victim's page says it was taken further."""
    note = (note or "").strip()[:MESSAGE_MAX]
    if not note:
        raise OutcomeError("Say where it was escalated (for example the regulator and its complaint reference).")
    return _transition(
        notice, NoticeStatus.ESCALATED, actor_kind=ActorKind.ADVOCATE, actor_user=actor_user, data={"note": note}
    )


def notice_record_reply(*, notice: Notice, text: str, actor_user) -> None:
    """Paste a reply that arrived by e-mail into the notice's record (no status change)."""
    text = (text or "").strip()[: MESSAGE_MAX * 4]
    if not text:
        raise OutcomeError("Paste the reply text.")
    event_record(
        type=EventType.NOTICE_REPLY_RECORDED,
        actor_kind=ActorKind.ADVOCATE,
        actor_user=actor_user,
        notice=notice,
        data={"message": text},
    )

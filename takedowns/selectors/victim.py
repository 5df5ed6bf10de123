"""What the victim's case page reads: the latest request to each platform with its replies, the upstream requests
that escalate it, the pictures, and the requests the person may send themselves through a platform's form.
The wording is the web layer's (takedowns/web/victim/presenters.py); what is shown, and to whom, is decided here."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Prefetch

from takedowns.models import Case, CaseState, Event, EventType, Notice, ReferenceImage, ReportedLocation

# The platform's answers the victim's page lists under each request.
VICTIM_REPLY_EVENT_TYPES = (
    EventType.NOTICE_ACKNOWLEDGED,
    EventType.NOTICE_REMOVED,
    EventType.NOTICE_INFO_REQUESTED,
    EventType.NOTICE_DISPUTED,
    EventType.NOTICE_REPLY_RECEIVED,
)


@dataclass
class VictimCase:
    case: Case
    latest: list[Notice]  # the latest platform notice per platform, by platform name
    upstream: dict[int, list[Notice]] = field(default_factory=dict)  # by the notice they escalate
    replies: dict[int, list[dict]] = field(default_factory=dict)  # by notice: at, type, message
    images: list[ReferenceImage] = field(default_factory=list)


def victim_case(case: Case) -> VictimCase:
    """One read for the victim's case page, a handful of queries however many notices."""
    case = (
        Case.objects.filter(pk=case.pk)
        .prefetch_related(
            Prefetch("locations", queryset=ReportedLocation.objects.select_related("platform").order_by("id")),
            Prefetch(
                "notices",
                queryset=Notice.objects.select_related("platform", "case", "account_answer").prefetch_related(
                    "locations", "escalation_steps"
                ),
            ),
        )
        .get()
    )
    latest: dict[int, Notice] = {}
    upstream: dict[int, list[Notice]] = {}
    for notice in case.notices.all():
        if notice.kind != "platform":
            # An upstream notice is told under the platform notice it escalates, never as a platform.
            upstream.setdefault(notice.escalates_id, []).append(notice)
            continue
        current = latest.get(notice.platform_id)
        if current is None or notice.round > current.round:
            latest[notice.platform_id] = notice
    replies: dict[int, list[dict]] = {}
    events = Event.objects.filter(notice__in=list(latest.values()), type__in=VICTIM_REPLY_EVENT_TYPES)
    for event in events.order_by("created_at"):
        data = event.data or {}
        # Mail to the relay address whose sender was not authenticated is not the platform's answer until an
        # advocate releases it: until then the victim does not even hear that it came.
        if event.type == EventType.NOTICE_REPLY_RECEIVED and not (data.get("authenticated") or data.get("released")):
            continue
        replies.setdefault(event.notice_id, []).append(
            {
                "at": event.created_at,
                "type": event.type,
                "message": data.get("message", "") if not event.redacted else "",
            }
        )
    return VictimCase(
        case=case,
        latest=sorted(latest.values(), key=lambda n: n.platform.name.lower()),
        upstream=upstream,
        replies=replies,
        images=case_images(case),
    )


def case_images(case: Case) -> list[ReferenceImage]:
    return list(case.images.all().order_by("created_at", "id"))


def victim_webform_steps(case: Case) -> list[dict]:
    """Requests the person can send themselves through a platform's own form, when no advocate handles the case:
    the prepared text in pieces, and what is still missing from it. Upstream notices (to a CDN, host or
    registrar) are sent by the organisation, never by the person, and e-mail notices by the portal itself."""
    from takedowns.notices import check_completeness, notice_content, webform_pieces

    if case.state != CaseState.OPEN or case.assigned_advocate_id:
        return []
    steps = []
    drafts = case.notices.filter(status__in=["draft", "failed"], kind="platform").select_related("platform", "case")
    for notice in drafts:
        if notice.channel == "email" and notice.platform.contact_email:
            continue
        content = notice_content(notice)
        steps.append(
            {"notice": notice, "pieces": webform_pieces(content), "missing": check_completeness(content).missing}
        )
    return steps

"""Escalation drafts to download: a regulator complaint (FTC, eSafety, Digital Services Coordinator,
Ofcom) or a de-indexing request, prefilled from a notice the platform has not acted on, as plain text or PDF.

Only for a notice that is overdue, disputed or escalated, and only a route that fits the notice's law and platform
(``notices.escalation.regulator_routes``: the FTC only for a TAKE IT DOWN Act covered platform). The "what to attach"
list links the case's latest evidence bundle, or says how to build one. Every download is an audit event."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone, translation

from takedowns import selectors
from takedowns.audit import event_record
from takedowns.links import absolute_url
from takedowns.models import (
    AccountOutcome,
    ActorKind,
    BundleState,
    Event,
    EventType,
    Notice,
    NoticeStatus,
    ReuploadOutcome,
)
from takedowns.notices import notice_content, notice_queryset, render_pdf, render_text
from takedowns.notices.escalation import DraftLinks, draft_routes, route_document
from takedowns.services.outcomes import DISPUTE_REASONS

FORMATS = {"txt": "text/plain; charset=utf-8", "pdf": "application/pdf"}
# Every route key a draft can have (regulator_routes and deindex_routes); anything else is not a page at all.
ROUTE_KEYS = frozenset({"ftc", "esafety", "dsc", "ofcom", "google", "google-fake", "bing"})
ROUTE_NAMES = {
    "ftc": "the US Federal Trade Commission complaint (TAKE IT DOWN Act covered platforms only)",
    "esafety": "the eSafety Commissioner report (Australian notices only)",
    "dsc": "the Digital Services Coordinator complaint (notices under the EU Digital Services Act only)",
    "ofcom": "the Ofcom complaint (UK notices only)",
    "google": "Google's form for real explicit images (cases not marked AI-made)",
    "google-fake": "Google's form for fake explicit images (cases marked AI-made)",
    "bing": "Bing's Report a Concern form",
}


class EscalationDraftError(ValueError):
    """The draft cannot be made for this notice; the message says why."""


@dataclass(frozen=True)
class Draft:
    filename: str
    content_type: str
    data: bytes


def escalation_eligible(notice: Notice) -> bool:
    """The case page shows the drafts for the same notices: overdue, disputed or escalated."""
    return notice.is_overdue or notice.status in (NoticeStatus.DISPUTED, NoticeStatus.ESCALATED)


def _links(notice: Notice) -> DraftLinks:
    case = notice.case
    bundle = case.bundles.filter(state=BundleState.READY).order_by("-finished_at", "-id").first()
    return DraftLinks(
        notice_pdf=absolute_url("takedowns:notice_action", reference=case.reference, notice_id=notice.pk, action="pdf"),
        case_page=absolute_url("takedowns:case_detail", reference=case.reference) + "#bundles",
        bundle=absolute_url("takedowns:bundle_download", reference=case.reference, bundle_id=bundle.pk)
        if bundle
        else None,
        bundle_built_at=bundle.finished_at if bundle else None,
        bundle_sha256=bundle.sha256 if bundle else "",
    )


def _answer_line(event: Event) -> str:
    """One answer in a regulator's words: when, what, and what was said (the platform's own words quoted)."""
    data = event.data or {}
    what = str(event.get_type_display())
    if data.get("account") in AccountOutcome.values:
        what += f": {AccountOutcome(data['account']).label}"
    elif data.get("reupload") in ReuploadOutcome.values:
        what += f": {ReuploadOutcome(data['reupload']).label}"
    elif data.get("reason"):
        what += f" (reason: {DISPUTE_REASONS.get(data['reason'], data['reason'])})"
    said = data.get("message") or ""
    when = event.created_at.strftime("%Y-%m-%d %H:%M UTC")
    return f"{when}: {what}" + (f' — "{said}"' if said and not event.redacted else "")


def escalation_draft(*, notice: Notice, route_key: str, fmt: str, actor_user=None) -> Draft:
    """The draft of one route for ``notice`` as text or PDF, and an audit event. Raises EscalationDraftError for a
    notice that is not overdue, disputed or escalated, or a route that does not fit it; UnprintableCharacters
    (from the PDF renderer) names characters no shipped font can show, never dropping them."""
    if fmt not in FORMATS:
        raise EscalationDraftError("Choose the text (txt) or PDF (pdf) version.")
    notice = notice_queryset().get(pk=notice.pk)
    if not escalation_eligible(notice):
        raise EscalationDraftError(
            f"Escalation drafts are for notices that are overdue, disputed or escalated. This notice is "
            f"“{notice.get_status_display()}” and its deadline has not passed: wait for the platform's answer."
        )
    now = timezone.now()
    content = notice_content(notice, now=now)
    route = next((r for r in draft_routes(content, now=now) if r.key == route_key), None)
    if route is None:
        raise EscalationDraftError(
            f"There is no draft of {ROUTE_NAMES.get(route_key, route_key)} for this notice: it does not fit "
            f"{notice.platform.name} or the law this notice was sent under."
        )
    # A draft for an English-language form, like the notices: the event and answer labels in English too.
    with translation.override("en"):
        answers = tuple(_answer_line(e) for e in selectors.notice_responses(notice))
    document = route_document(route, content, now=now, links=_links(notice), answers=answers)
    data = render_pdf(document, created_at=now) if fmt == "pdf" else render_text(document).encode()
    event_record(
        type=EventType.ESCALATION_DRAFT_DOWNLOADED,
        actor_kind=ActorKind.ADVOCATE,
        actor_user=actor_user,
        notice=notice,
        data={"route": route.key, "format": fmt},
    )
    return Draft(filename=f"{notice.reference}-{route.key}.{fmt}", content_type=FORMATS[fmt], data=data)

"""What an advocate can do to a notice now: the one answer the case page and the API show, so no template
restates the status rules. The services still check every action themselves (the transition table in
takedowns/lifecycle.py); this only decides what is offered."""

from __future__ import annotations

from takedowns.models import Channel, Notice, NoticeStatus, PlatformKind, Regime

S = NoticeStatus
# A delivered e-mail notice still waiting for its answer can be sent again as a reminder.
RESENDABLE = frozenset({S.SENT, S.ACKNOWLEDGED, S.INFO_REQUESTED})


def notice_escalating(notice: Notice) -> bool:
    """The platform missed its clock or refused: the case page offers the escalation routes."""
    return notice.kind == PlatformKind.PLATFORM and (notice.is_overdue or notice.status in (S.DISPUTED, S.ESCALATED))


def notice_allowed_actions(notice: Notice) -> frozenset[str]:
    """The advocate's actions on ``notice``: names as in takedowns/web/advocate.py's NOTICE_ACTIONS, plus
    ``pdf``. Reads ``notice.case`` and ``notice.platform``, so callers select them."""
    status = notice.status
    email = notice.channel == Channel.EMAIL
    allowed = {"pdf"}
    if status == S.DRAFT and email and notice.delivery_address:
        allowed.add("send")
    if status == S.FAILED:
        allowed.add("retry")
    if email and status in RESENDABLE and notice.recipient:
        allowed.add("resend")
    if (
        status == S.DRAFT
        and notice.regime != Regime.DMCA
        and not notice.case.is_minor_content
        and notice.kind == PlatformKind.PLATFORM
        and notice.platform.dmca_agent_email  # 512(c)(2): only the designated agent takes a DMCA notice
    ):
        allowed.add("dmca")
    # A web-form notice not yet submitted: its text in pieces to paste, and "I submitted it" to start the clock.
    if notice.channel == Channel.WEBFORM and status in (S.DRAFT, S.FAILED):
        allowed.add("webform")
    if status == S.INFO_REQUESTED:
        allowed.add("answer")
    if status != S.DRAFT:
        allowed.add("reply")
    if status != S.ESCALATED and notice_escalating(notice):
        allowed.add("escalate")
    return frozenset(allowed)

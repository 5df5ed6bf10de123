"""The notice's title, subject line, clock and response sentences."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings

from takedowns.notices import law
from takedowns.notices.content import NoticeContent
from takedowns.notices.document.model import utc


def subject(content: NoticeContent) -> str:
    n = len(content.locations)
    return f"{title(content)} — {n} URL{'' if n == 1 else 's'} — ref {content.reference}"


def title(content: NoticeContent) -> str:
    if content.is_minor_content and content.regime != "DMCA":
        # "I am not sure" stays uncertain: possible, not apparent.
        kind = "possible" if content.minor_age_uncertain else "apparent"
        return f"PRIORITY: {kind} child sexual abuse material — removal request"
    if content.regime == "US" and content.tida_covered is False:
        return "Removal request: non-consensual intimate imagery"
    names = [content.spec.subject_prefix] + [spec.name for spec in content.specs[1:]]
    return " + ".join(names)


def _base(content: NoticeContent) -> datetime | None:
    # The clock counts from the recorded delivery (DESIGN.md §4); a draft projects from "now".
    return content.sent_at if not content.deadline_projected and content.sent_at else content.generated_at


def _when(content: NoticeContent, hours: int) -> str:
    base = _base(content)
    if base is None:
        return f"Within {hours} hours of receipt of this notice."
    due = base + timedelta(hours=hours)
    if content.deadline_projected:
        return f"Within {hours} hours from receipt of this notice: by {utc(due)} if received on {utc(base)}."
    return f"{utc(due)} ({hours} hours after this notice was delivered on {utc(base)})."


def has_statutory_deadline(content: NoticeContent) -> bool:
    """Whether a law sets this recipient a period for this notice (the statutory deadline of "Two clocks")."""
    return content.statutory_hours is not None


def deadline_sentence(content: NoticeContent) -> str:
    """The portal's follow-up point (``response_hours``: the shortest period that applies, law.clock_hours)."""
    return _when(content, content.response_hours)


def deadline_rows(content: NoticeContent) -> list[tuple[str, str, str]]:
    """(label, when, note) per cited regime, each with the law's own period, never a registry's. Only a period a
    law sets for this recipient, for this request, is labelled a statutory deadline (docs/DECISIONS.md, "Two
    clocks"); the rest are requested times or the portal's follow-up point."""
    rows: list[tuple[str, str, str]] = []
    for spec in content.specs:
        code = spec.code
        if code == "US":
            if content.tida_covered is True and content.tida_process:
                rows.append((spec.deadline_label, _when(content, law.TIDA_HOURS), spec.deadline_note))
            elif content.tida_covered is None and content.tida_process:
                # §4(3): the duty binds covered platforms only; we do not know whether this recipient is one.
                rows.append(
                    (
                        "Statutory deadline if you are a covered platform (TAKE IT DOWN Act §3(a)(3), §4(3))",
                        _when(content, law.TIDA_HOURS),
                        spec.deadline_note,
                    )
                )
            elif content.tida_covered is not False:
                # §3(a)(3): the 48 hours run from a request "under the process described in paragraph (1)(A)(ii)",
                # the platform's own; a request sent any other way asks for the same time without claiming them.
                rows.append(
                    (
                        "Requested removal time (not a statutory deadline)",
                        _when(content, law.TIDA_HOURS),
                        "This request does not reach you through the removal process you provide under Section "
                        "3(a)(1)(A)(ii) of the TAKE IT DOWN Act, so we do not claim that the Act's 48-hour period "
                        "(Section 3(a)(3)) runs from it. We ask you to remove the content within 48 hours all "
                        "the same.",
                    )
                )
            else:
                rows.append(
                    (
                        "Requested response time (not a statutory deadline)",
                        _when(content, content.platform_hours),
                        "We ask for action within the time shown under your own policy; we do not claim a "
                        "statutory deadline for this request.",
                    )
                )
        elif code == "EU":
            rows.append((spec.deadline_label, _when(content, content.dsa_target_hours), spec.deadline_note))
        elif code == "UK":
            if content.uk_duty_in_force and content.service_type == "user_to_user":
                rows.append((spec.deadline_label, _when(content, law.UK_HOURS), spec.deadline_note))
        elif code == "AU":
            rows.append((spec.deadline_label, _when(content, law.AU_ESCALATION_HOURS), spec.deadline_note))
        else:  # DMCA: 512(c)(1)(C) "expeditiously", a condition of the safe harbour, no hours.
            rows.append((spec.deadline_label, _when(content, content.response_hours), spec.deadline_note))
    stated = [r for r in rows if r[1] == _when(content, content.response_hours)]
    if not stated and content.platform_hours == content.response_hours:
        # The registry records a faster response the platform itself promises; the law's periods stand.
        rows.append(
            (
                "Your own published response time",
                _when(content, content.response_hours),
                "This is the time your service says it responds in; it does not change any statutory period.",
            )
        )
    return rows


RELAY_NOTE = (
    "This address is a relay run by the portal sending this notice: your reply reaches the person shown, or "
    "their representative, without revealing their own address."
)


def response_sentence(content: NoticeContent) -> str:
    return (
        "Use this link to acknowledge this notice, report the removal, ask for more information or dispute "
        f"it. It needs no account and is valid for {settings.RESPONSE_LINK_MAX_AGE_DAYS} days. You may also "
        "reply to the contact address above."
    )


# DSA Art. 16(2)(d): "a statement confirming the bona fide belief of the individual or entity submitting the

"""Template helpers: one mapping from status to badge style (CONVENTIONS.md §14) and human clocks."""

from __future__ import annotations

from django import template
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from takedowns.models import AccountOutcome, LadderStep, NoticeStatus, ReuploadOutcome
from takedowns.notices.evidence import evidence_summary as _evidence_summary

register = template.Library()

# Colour is never the only signal: every badge also carries the status in words.
BADGE_STYLE = {
    "draft": "text-bg-secondary",
    "queued": "text-bg-info",
    "failed": "text-bg-danger",
    "sent": "text-bg-primary",
    "acknowledged": "text-bg-primary",
    "info_requested": "text-bg-warning",
    "disputed": "text-bg-warning",
    "removed": "text-bg-success",
    "verified_removed": "text-bg-success",
    "reappeared": "text-bg-danger",
    "escalated": "text-bg-danger",
    "closed": "text-bg-secondary",
    "withdrawn": "text-bg-secondary",
    "pending": "text-bg-info",
    "hashed": "text-bg-success",
    "reported": "text-bg-primary",
}


@register.filter
def badge_class(status: str) -> str:
    return BADGE_STYLE.get(str(status), "text-bg-secondary")


def _hours_minutes(seconds: float) -> str:
    minutes = int(abs(seconds) // 60)
    days, rem = divmod(minutes, 24 * 60)
    hours, mins = divmod(rem, 60)
    if days >= 2:
        return _("%(d)s d %(h)s h") % {"d": days, "h": hours}
    return _("%(h)s h %(m)s m") % {"h": days * 24 + hours, "m": mins}


@register.filter
def time_left(due_at, now=None) -> str:
    """'31 h 12 m left' or 'overdue by 5 h 3 m'."""
    if not due_at:
        return ""
    seconds = (due_at - (now or timezone.now())).total_seconds()
    if seconds >= 0:
        return _("%(span)s left") % {"span": _hours_minutes(seconds)}
    return _("overdue by %(span)s") % {"span": _hours_minutes(seconds)}


@register.filter
def notice_status_label(status: str) -> str:
    """The status in words, as ``get_status_display`` gives it: that method rebuilds a dict of every choice on
    each call, which the clock board did for each of its rows on every refresh."""
    try:
        return str(NoticeStatus(status).label)
    except ValueError:
        return str(status)


def _month_day_time(value) -> str:
    # As the template filter date:"m-d H:i" would write it: in the active time zone.
    return timezone.localtime(value).strftime("%m-%d %H:%M")


@register.filter
def escalation_ladder(steps) -> str:
    """A notice's escalation plan on the clock board, one item per step: done (✓ and when), stopped (struck
    through) or planned (○ and when). Built here rather than in the template: the board shows about four steps
    for each of its fifty rows, and the template engine's per-tag cost made this most of every refresh."""
    steps = list(steps)
    if not steps:
        return ""
    items = []
    for step in steps:
        label = LadderStep(step.step).label if step.step in LadderStep.values else step.step
        state = step.state
        if state == "done":
            inner = format_html('<span aria-hidden="true">✓</span> {} {}', label, _month_day_time(step.done_at))
        elif state == "stopped":
            inner = format_html('<span aria-hidden="true">✕</span> <s>{}</s> ({})', label, _("stopped"))
        else:
            inner = format_html('<span aria-hidden="true">○</span> {} {}', label, _month_day_time(step.planned_at))
        items.append((step.step, state, inner))
    return format_html(
        '<ul class="list-inline small mb-0 ladder" aria-label="{}">{}</ul>',
        _("Escalation plan"),
        format_html_join("", '\n          <li class="list-inline-item" data-step="{}" data-state="{}">{}</li>', items),
    )


@register.filter
def evidence_summary(evidence) -> str:
    """A location's match evidence in words ("Matches reference image 2 (PDQ distance 12)")."""
    return _evidence_summary(evidence if isinstance(evidence, dict) else {})


@register.filter
def utc_and_local(value) -> str:
    """A moment in UTC, marked up so that the browser adds the viewer's own time zone next to it
    (static/recourse/js/recourse.js). Without JavaScript the UTC time stands alone, labelled as UTC."""
    from datetime import UTC

    from django.utils.html import format_html

    if not value:
        return ""
    moment = value.astimezone(UTC)
    return format_html(
        '<time datetime="{}" data-local-time>{} UTC</time>',
        moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        moment.strftime("%Y-%m-%d %H:%M"),
    )


@register.filter
def answer_label(data) -> str:
    """The words of an account or re-upload answer stored in an event's data ("" for any other event)."""
    if not isinstance(data, dict):
        return ""
    if data.get("account") in AccountOutcome.values:
        return str(AccountOutcome(data["account"]).label)
    if data.get("reupload") in ReuploadOutcome.values:
        return str(ReuploadOutcome(data["reupload"]).label)
    return ""

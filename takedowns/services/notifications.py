"""E-mail notifications to the victim and the advocate, in the case's language.

Victims who gave no e-mail address see the same news on their status page (it is read from the audit log),
so a notification that cannot be e-mailed is not lost.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from takedowns.links import absolute_url
from takedowns.models import Case, Notice
from takedowns.roles import ADVOCATES

log = logging.getLogger(__name__)

# What each notification is about, for the subject line; the body templates are per kind.
KINDS = {
    "sent": _("Your removal request was sent to %(platform)s"),
    "acknowledged": _("%(platform)s has received your removal request"),
    "removed": _("%(platform)s reports the content was removed"),
    "verified_removed": _("We checked: the content is gone from %(platform)s"),
    "reappeared": _("The content is back on %(platform)s"),
    "info_requested": _("%(platform)s asks for more information"),
    "disputed": _("%(platform)s disputes the removal request"),
    "overdue": _("%(platform)s has missed its deadline"),
    "deadline_near": _("%(platform)s: 75%% of the response time has passed"),
    "failed": _("A removal request to %(platform)s could not be delivered"),
}
# Kinds that go to the victim; advocates receive every kind.
VICTIM_KINDS = {
    "sent",
    "acknowledged",
    "removed",
    "verified_removed",
    "reappeared",
    "info_requested",
    "disputed",
    "overdue",
}


def _advocate_addresses(case: Case) -> list[str]:
    if case.assigned_advocate_id and case.assigned_advocate.email:
        return [case.assigned_advocate.email]
    if settings.ADVOCATE_ALERTS_EMAIL:
        return [settings.ADVOCATE_ALERTS_EMAIL]
    return list(
        get_user_model()
        .objects.filter(is_active=True, groups__name=ADVOCATES)
        .exclude(email="")
        .values_list("email", flat=True)
    )


def _send(*, to: Iterable[str], kind: str, notice: Notice, language: str, audience: str, extra: dict) -> int:
    recipients = [address for address in to if address]
    if not recipients:
        return 0
    with translation.override(language):
        context = {
            "notice": notice,
            "case": notice.case,
            "platform": notice.platform,
            "kind": kind,
            "audience": audience,
            "status_url": absolute_url("takedowns:status_login", query={"reference": notice.case.reference}),
            "case_url": absolute_url("takedowns:case_detail", reference=notice.case.reference),
            **extra,
        }
        subject = str(KINDS[kind] % {"platform": notice.platform.name})
        text = render_to_string("takedowns/notifications/notification.txt", context)
        html = render_to_string("takedowns/notifications/notification.html", context)
    message = EmailMultiAlternatives(
        subject=f"[Recourse {notice.case.reference}] {subject}",
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=recipients,
    )
    message.attach_alternative(html, "text/html")
    return message.send()


def notify(*, notice: Notice, kind: str, extra: dict | None = None) -> None:
    """Tell the victim (if they gave an e-mail and the kind concerns them) and the advocate.

    Mail errors are logged, never raised: a notification must not undo the state change it reports.
    """
    if kind not in KINDS:
        raise ValueError(f"Unknown notification kind {kind!r}.")
    case = notice.case
    extra = extra or {}
    try:
        if kind in VICTIM_KINDS and case.contact_email:
            _send(
                to=[case.contact_email],
                kind=kind,
                notice=notice,
                language=case.language or "en",
                audience="victim",
                extra=extra,
            )
        _send(
            to=_advocate_addresses(case),
            kind=kind,
            notice=notice,
            language=settings.LANGUAGE_CODE,
            audience="advocate",
            extra=extra,
        )
    except Exception:
        log.exception("Could not send the %s notification for notice %s.", kind, notice.pk)

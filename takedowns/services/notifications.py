"""E-mail notifications to the victim and the advocate, in the case's language.

Victims who gave no e-mail address see the same news on their status page (it is read from the audit log),
so a notification that cannot be e-mailed is not lost. Every notification is an outbox row sent by a task with
retries; the reconcile job re-enqueues rows left pending.
"""

from __future__ import annotations

import json
import logging
import smtplib
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from takedowns.links import absolute_url
from takedowns.models import Case, CaseState, Notice, Notification, NotificationStatus
from takedowns.roles import ADVOCATES
from takedowns.services.jobs import enqueue_on_commit

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
    "reply_received": _("%(platform)s replied by e-mail"),
    # A step of the escalation ladder ran (advocates only; the victim reads it on the status page).
    "escalation": _("%(platform)s: an escalation step is ready"),
    # Advocates only: the victim reads the good news on their case page, in one calm sentence.
    "account_answered": _("%(platform)s answered about the uploader's account or re-uploads"),
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
    "reply_received",
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


NOTIFICATION_TASK = "takedowns.tasks.notification_send"


class NotificationRetry(Exception):
    """A transient mail error: the task retries with back-off."""


def notify(*, notice: Notice, kind: str, extra: dict | None = None, victim: bool = True) -> list[Notification]:
    """Queue the notification for the victim (if the kind concerns them and ``victim`` is true) and the
    advocate: one outbox row each, sent by a task after commit. Recipients are looked up when sending, so an
    erased address is never used."""
    if kind not in KINDS:
        raise ValueError(f"Unknown notification kind {kind!r}.")
    payload = json.dumps(extra or {}, default=str)
    # Upstream notices (to a CDN, host or registrar) are the advocate's work: the victim's status page shows them
    # in plain words under the platform they escalate, without an e-mail for each.
    victim = victim and notice.kind == "platform"
    audiences = (["victim"] if victim and kind in VICTIM_KINDS else []) + ["advocate"]
    rows = [Notification.objects.create(notice=notice, kind=kind, audience=a, extra=payload) for a in audiences]
    for row in rows:
        enqueue_on_commit(NOTIFICATION_TASK, row.pk)
    return rows


def notification_send(*, notification_id: int) -> Notification | None:
    """Send one queued notification. Claim, commit, send, record: no mail server is waited on inside a row lock.
    Raises NotificationRetry on a transient error (the row stays pending)."""
    with transaction.atomic():
        row = Notification.objects.select_for_update().filter(pk=notification_id).first()
        if row is None or row.status != NotificationStatus.PENDING:
            return row
        row.attempts += 1
        row.save(update_fields=["attempts"])
    notice = Notice.objects.select_related("case", "platform", "case__assigned_advocate").get(pk=row.notice_id)
    case = notice.case
    if row.audience == "victim":
        to, language = ([case.contact_email] if case.contact_email else []), case.language or "en"
    else:
        to, language = _advocate_addresses(case), settings.LANGUAGE_CODE
    outcome, error = NotificationStatus.SKIPPED, ""
    if to and case.state != CaseState.ERASED:
        try:
            _send(
                to=to,
                kind=row.kind,
                notice=notice,
                language=language,
                audience=row.audience,
                extra=json.loads(row.extra or "{}"),
            )
            outcome = NotificationStatus.SENT
        except (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, ConnectionError, TimeoutError) as exc:
            Notification.objects.filter(pk=row.pk).update(last_error=str(exc)[:500])
            raise NotificationRetry(str(exc)) from exc
        except Exception as exc:  # a permanent refusal: recorded, never retried
            log.exception("Could not send the %s notification %s.", row.kind, row.pk)
            outcome, error = NotificationStatus.FAILED, str(exc)[:500]
    Notification.objects.filter(pk=row.pk, status=NotificationStatus.PENDING).update(
        status=outcome, last_error=error, sent_at=timezone.now() if outcome == NotificationStatus.SENT else None
    )
    row.refresh_from_db()
    return row


def notification_failed(*, notification_id: int, reason: str) -> None:
    Notification.objects.filter(pk=notification_id, status=NotificationStatus.PENDING).update(
        status=NotificationStatus.FAILED, last_error=reason[:500]
    )


def notifications_reconcile(*, older_than_seconds: int = 600) -> list[int]:
    """Re-enqueue notifications still pending after the threshold (broker down at commit, worker killed)."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    ids = list(
        Notification.objects.filter(status=NotificationStatus.PENDING, created_at__lt=cutoff).values_list(
            "pk", flat=True
        )
    )
    for pk in ids:
        enqueue_on_commit(NOTIFICATION_TASK, pk)
    return ids

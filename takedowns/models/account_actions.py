"""What a platform answered about the uploader's account and about blocking re-uploads (platforms should freeze
and ban accounts that post NCII; see docs/DECISIONS.md#account-action-is-asked-never-claimed). One row per notice,
holding the latest answer to each question; every answer is also an Event (``notice.account_answered``,
``notice.reupload_answered``), so the history stays in the audit log."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from takedowns.models.events import ActorKind


class AccountOutcome(models.TextChoices):
    SUSPENDED = "suspended", _("Account suspended")
    REMOVED = "removed", _("Account removed (banned)")
    WARNED = "warned", _("Account warned or restricted")
    NO_ACTION = "no_action", _("No action on the account")
    NOT_FOUND = "not_found", _("Account not found")
    NOT_APPLICABLE = "not_applicable", _("Not applicable (no account named, or no accounts on the service)")


# The answers that count as "acted on" in the accountability report.
ACCOUNT_ACTED_ON = frozenset({AccountOutcome.SUSPENDED, AccountOutcome.REMOVED, AccountOutcome.WARNED})


class ReuploadOutcome(models.TextChoices):
    BLOCKING = "blocking", _("Re-uploads are blocked by fingerprint")
    NOT_POSSIBLE = "not_possible", _("Blocking by fingerprint is not possible on this service")
    DECLINED = "declined", _("Declined to block re-uploads")


class AccountAnswer(models.Model):
    notice = models.OneToOneField("takedowns.Notice", on_delete=models.CASCADE, related_name="account_answer")
    account = models.CharField(max_length=20, choices=AccountOutcome.choices, blank=True, db_index=True)
    account_at = models.DateTimeField(null=True, blank=True)
    account_by_kind = models.CharField(max_length=10, choices=ActorKind.choices, blank=True)
    reupload = models.CharField(max_length=20, choices=ReuploadOutcome.choices, blank=True, db_index=True)
    reupload_at = models.DateTimeField(null=True, blank=True)
    reupload_by_kind = models.CharField(max_length=10, choices=ActorKind.choices, blank=True)
    note = models.TextField(blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"account answer of notice {self.notice_id}: {self.account or '-'} / {self.reupload or '-'}"

    @property
    def account_acted_on(self) -> bool:
        return self.account in ACCOUNT_ACTED_ON

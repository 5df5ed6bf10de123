"""What a platform answered about the uploader's account and about blocking re-uploads by fingerprint.

Every response path ends here: the signed-link page and the platform inbox (takedowns/web/platform.py), the REST
API (``POST notices/{id}/account-action/``) and the advocate recording an answer that came by e-mail or phone
(the case page). Both answers are optional, but a call must give at least one; an unknown value is refused with
the list of accepted ones and nothing is stored. Each answer is written as an Event in the same transaction."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from takedowns.audit import event_record
from takedowns.models import AccountAnswer, AccountOutcome, ActorKind, EventType, Notice, ReuploadOutcome
from takedowns.services.notifications import notify

NOTE_MAX = 2000


class AccountAnswerError(ValueError):
    """The answer cannot be recorded; the message says why (and which values are accepted)."""


def _check(value: str, choices: type, what: str) -> str:
    value = (value or "").strip()
    if value and value not in choices.values:
        accepted = ", ".join(choices.values)
        raise AccountAnswerError(f"“{value}” is not an answer about {what}. Use one of: {accepted}.")
    return value


def notice_account_answer_record(
    *,
    notice: Notice,
    account: str = "",
    reupload: str = "",
    note: str = "",
    actor_kind: str = ActorKind.PLATFORM,
    actor_user=None,
) -> AccountAnswer:
    """Record the platform's answer about the account (``AccountOutcome``) and/or about re-uploads
    (``ReuploadOutcome``). Repeating the answer already stored (with no new note) writes nothing; a changed
    answer replaces it and is logged again, so the audit log keeps every answer given."""
    account = _check(account, AccountOutcome, "the account")
    reupload = _check(reupload, ReuploadOutcome, "re-uploads")
    note = (note or "").strip()[:NOTE_MAX]
    if not account and not reupload:
        raise AccountAnswerError("Choose an answer about the account, about re-uploads, or both.")
    with transaction.atomic():
        notice = Notice.objects.select_for_update().select_related("case").get(pk=notice.pk)
        if notice.sent_at is None:
            raise AccountAnswerError("This notice has not been sent; there is no answer to record yet.")
        answer, _created = AccountAnswer.objects.select_for_update().get_or_create(notice=notice)
        now = timezone.now()
        changed: list[str] = []
        # The same answer again with a new note is news too: the note is kept, not dropped.
        new_note = bool(note) and note != answer.note
        if account and (account != answer.account or new_note):
            answer.account, answer.account_at, answer.account_by_kind = account, now, actor_kind
            changed += ["account", "account_at", "account_by_kind"]
            event_record(
                type=EventType.NOTICE_ACCOUNT_ANSWERED,
                actor_kind=actor_kind,
                actor_user=actor_user,
                notice=notice,
                data={"account": account, "message": note},
            )
        if reupload and (reupload != answer.reupload or new_note):
            answer.reupload, answer.reupload_at, answer.reupload_by_kind = reupload, now, actor_kind
            changed += ["reupload", "reupload_at", "reupload_by_kind"]
            event_record(
                type=EventType.NOTICE_REUPLOAD_ANSWERED,
                actor_kind=actor_kind,
                actor_user=actor_user,
                notice=notice,
                data={"reupload": reupload, "message": note},
            )
        if changed:
            if note:
                answer.note = note
                changed.append("note")
            answer.updated_by = actor_user if getattr(actor_user, "is_authenticated", False) else None
            answer.save(update_fields=[*changed, "updated_by", "updated_at"])
    if changed and actor_kind == ActorKind.PLATFORM:
        # The advocate hears of it (an advocate who recorded it already knows).
        said = [
            f"Account: {AccountOutcome(answer.account).label}" if account else "",
            f"Re-uploads: {ReuploadOutcome(answer.reupload).label}" if reupload else "",
            note,
        ]
        notify(notice=notice, kind="account_answered", extra={"message": "\n".join(filter(None, said))}, victim=False)
    return answer

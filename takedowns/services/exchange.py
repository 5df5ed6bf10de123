"""Writes for the hash exchange: what a case shares follows the person's choice and the case's state, every change
goes on the feed, and platforms' opinions come back.

The one rule: a case shares the PDQ and MD5 of its fingerprinted reference images while it is open and the person
said yes (``selectors_exchange.exchange_shareable_hashes``). ``exchange_case_sync`` makes the live signals agree
with that rule — adding what is missing, removing what is no longer wanted — and is called wherever the inputs
change (the choice, a withdrawal, an erasure, a picture fingerprinted) and by the reconcile job for any path that
did not. A signal an advocate retracted is never shared again for that picture.
"""

from __future__ import annotations

import secrets

from django.db import transaction
from django.utils import timezone

from takedowns.audit import event_record
from takedowns.models import (
    EXCHANGE_SCOPES,
    ActorKind,
    Case,
    CaseState,
    ChangeKind,
    EventType,
    ExchangeChange,
    ExchangeFeedLock,
    ExchangeOpinion,
    ExchangeSignal,
    OpinionKind,
    Platform,
    RemovalReason,
    SignalType,
)
from takedowns.models.pdq import pdq_blocks_values
from takedowns.selectors_exchange import (
    exchange_cases_to_sync,
    exchange_false_positive_platforms,
    exchange_lookup_match,
    exchange_shareable_hashes,
)

# Two platforms independently calling a signal a false positive is evidence worth an advocate's look; one could be
# a platform's own mistake.
FALSE_POSITIVE_FLAG_PLATFORMS = 2


def _signal_public_id() -> str:
    # Random, never derived from the case or the hash: the id ties a match to nothing a platform could look up.
    return "sg_" + secrets.token_urlsafe(15)


def exchange_feed_lock() -> None:
    """Hold the feed's single lock row until the transaction ends, so feed ids become visible in the order they
    were handed out: a subscriber that has read id N can never later find an id below N appear (PostgreSQL
    sequences do not promise that across concurrent transactions). SQLite serialises writers anyway."""
    lock = ExchangeFeedLock.objects.select_for_update().filter(pk=1).first()
    if lock is None:
        ExchangeFeedLock.objects.get_or_create(pk=1)
        ExchangeFeedLock.objects.select_for_update().get(pk=1)


def _removal_reason(case: Case) -> str:
    if case.state == CaseState.ERASED:
        return RemovalReason.CASE_ERASED
    if case.state == CaseState.WITHDRAWN:
        return RemovalReason.CASE_WITHDRAWN
    if case.state == CaseState.CLOSED:
        return RemovalReason.CASE_CLOSED
    if not case.share_with_platforms:
        return RemovalReason.CONSENT_WITHDRAWN
    return RemovalReason.IMAGE_GONE


def _signal_remove(signal: ExchangeSignal, *, reason: str, now) -> None:
    signal.active = False
    signal.removal_reason = reason
    signal.removed_at = now
    for name, value in pdq_blocks_values(None).items():
        setattr(signal, name, value)  # out of every lookup and of the partial indexes
    signal.save()
    ExchangeChange.objects.create(signal=signal, kind=ChangeKind.DELETION)


def exchange_case_sync(*, case: Case, actor_kind: str = ActorKind.SYSTEM, actor_user=None) -> tuple[int, int]:
    """Make the case's live signals match what it should share; returns (added, removed). Idempotent."""
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        wanted = exchange_shareable_hashes(case)
        signals = list(ExchangeSignal.objects.select_for_update().filter(case=case))
        live = {(s.image_id, s.signal_type, s.value): s for s in signals if s.active}
        retracted = {
            (s.image_id, s.signal_type, s.value) for s in signals if s.removal_reason == RemovalReason.RETRACTED
        }
        to_add = sorted(wanted - set(live) - retracted, key=lambda k: (k[0], k[1]))
        to_remove = [s for key, s in live.items() if key not in wanted]
        if not to_add and not to_remove:
            return 0, 0
        exchange_feed_lock()
        now = timezone.now()
        reason = _removal_reason(case)
        for signal in sorted(to_remove, key=lambda s: s.pk):
            _signal_remove(signal, reason=reason, now=now)
        for image_id, signal_type, value in to_add:
            signal = ExchangeSignal.objects.create(
                public_id=_signal_public_id(),
                case=case,
                image_id=image_id,
                signal_type=signal_type,
                value=value,
                **pdq_blocks_values(value if signal_type == SignalType.PDQ else None),
            )
            ExchangeChange.objects.create(signal=signal, kind=ChangeKind.ADDITION)
        if to_remove:
            event_record(
                type=EventType.EXCHANGE_SIGNALS_REMOVED,
                actor_kind=actor_kind,
                actor_user=actor_user,
                case=case,
                data={"count": len(to_remove), "reason": reason},
            )
        if to_add:
            event_record(
                type=EventType.EXCHANGE_SIGNALS_ADDED,
                actor_kind=actor_kind,
                actor_user=actor_user,
                case=case,
                data={"count": len(to_add)},
            )
    return len(to_add), len(to_remove)


def case_sharing_set(*, case: Case, share: bool, actor_kind: str, actor_user=None) -> Case:
    """Record the person's choice to share her fingerprints with platforms (or to stop), then share or withdraw
    the signals accordingly. A closed, withdrawn or erased case records the choice but shares nothing."""
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if locked.share_with_platforms != share:
            locked.share_with_platforms = share
            locked.save(update_fields=["share_with_platforms", "updated_at"])
            event_record(
                type=EventType.CASE_SHARING_CHANGED,
                actor_kind=actor_kind,
                actor_user=actor_user,
                case=locked,
                data={"share_with_platforms": share},
            )
        exchange_case_sync(case=locked, actor_kind=actor_kind, actor_user=actor_user)
    case.share_with_platforms = share
    return locked


def exchange_case_erase(*, case: Case) -> int:
    """On erasure: withdraw any live signal, then blank the shared values (the deletions reach subscribers by
    signal id). Returns how many signals were blanked."""
    exchange_case_sync(case=case)
    return ExchangeSignal.objects.filter(case=case).exclude(value="").update(value="", **pdq_blocks_values(None))


class ExchangeError(ValueError):
    pass


def exchange_signal_retract(*, signal: ExchangeSignal, actor_user) -> ExchangeSignal:
    """An advocate takes one signal off the exchange (wrong picture, not intimate content): it goes on the feed as
    a deletion and is not shared again for that picture."""
    with transaction.atomic():
        locked = ExchangeSignal.objects.select_for_update().get(pk=signal.pk)
        if not locked.active:
            raise ExchangeError("This fingerprint is no longer shared.")
        exchange_feed_lock()
        _signal_remove(locked, reason=RemovalReason.RETRACTED, now=timezone.now())
        locked.needs_review = False
        locked.save(update_fields=["needs_review"])
        event_record(
            type=EventType.EXCHANGE_SIGNAL_RETRACTED,
            actor_kind=ActorKind.ADVOCATE,
            actor_user=actor_user,
            case=locked.case,
            data={"signal_id": locked.public_id},
        )
    return locked


def exchange_signal_review(*, signal: ExchangeSignal, keep: bool, actor_user) -> ExchangeSignal:
    """An advocate's decision on a flagged signal: keep sharing it (clears the flag) or retract it."""
    if not keep:
        return exchange_signal_retract(signal=signal, actor_user=actor_user)
    with transaction.atomic():
        locked = ExchangeSignal.objects.select_for_update().get(pk=signal.pk)
        locked.needs_review = False
        locked.reviewed_at = timezone.now()
        locked.save(update_fields=["needs_review", "reviewed_at"])
        event_record(
            type=EventType.EXCHANGE_SIGNAL_REVIEWED,
            actor_kind=ActorKind.ADVOCATE,
            actor_user=actor_user,
            case=locked.case,
            data={"signal_id": locked.public_id, "kept": True},
        )
    return locked


def exchange_opinion_record(
    *, signals: list[ExchangeSignal], platform: Platform, kind: str, actor_user=None
) -> list[ExchangeOpinion]:
    """A platform says it blocked an upload with these signals, or that they are false positives. A signal two or
    more platforms call a false positive is flagged for an advocate's review; it stays shared until then."""
    if kind not in OpinionKind.values:
        raise ExchangeError(f"opinion must be one of {', '.join(OpinionKind.values)}")
    recorded = []
    with transaction.atomic():
        for signal in signals:
            opinion = ExchangeOpinion.objects.create(signal=signal, platform=platform, kind=kind, actor_user=actor_user)
            recorded.append(opinion)
            event_record(
                type=EventType.EXCHANGE_OPINION,
                actor_kind=ActorKind.PLATFORM,
                actor_user=actor_user,
                case=signal.case,
                data={"signal_id": signal.public_id, "platform": platform.slug, "opinion": kind},
            )
            if kind != OpinionKind.FALSE_POSITIVE or signal.needs_review or signal.reviewed_at:
                continue
            if exchange_false_positive_platforms(signal) >= FALSE_POSITIVE_FLAG_PLATFORMS:
                ExchangeSignal.objects.filter(pk=signal.pk).update(needs_review=True)
                signal.needs_review = True
                event_record(
                    type=EventType.EXCHANGE_SIGNAL_FLAGGED,
                    actor_kind=ActorKind.SYSTEM,
                    case=signal.case,
                    data={"signal_id": signal.public_id},
                )
    return recorded


def exchange_lookup(*, platform: Platform, values: list[tuple[str, str]], actor_user=None) -> list[dict]:
    """Match a platform's hashes against the shared signals and audit the call (how many, how many matched —
    never the values, which may be of unrelated people's pictures)."""
    results = exchange_lookup_match(values=values)
    event_record(
        type=EventType.EXCHANGE_LOOKUP,
        actor_kind=ActorKind.PLATFORM,
        actor_user=actor_user,
        data={
            "platform": platform.slug,
            "count": len(values),
            "matched": sum(1 for r in results if r["match"]),
            "signal_ids": sorted({r["signal_id"] for r in results if r["match"]}),
        },
    )
    return results


def exchange_reconcile() -> list[int]:
    """Sync every case whose signals may disagree with what it should share (a picture fingerprinted by a path
    that did not sync, a case closed elsewhere). Returns the case ids synced."""
    ids = exchange_cases_to_sync()
    for case in Case.objects.filter(pk__in=ids):
        exchange_case_sync(case=case)
    return ids


def platform_exchange_scopes_set(*, platform: Platform, scopes: list[str], actor_user=None) -> Platform:
    """An administrator grants (or takes away) a platform's hash-exchange scopes; every token of its staff gets
    them at once. Audited."""
    unknown = set(scopes) - set(EXCHANGE_SCOPES)
    if unknown:
        raise ExchangeError(f"Unknown scope(s): {', '.join(sorted(unknown))}. Known: {', '.join(EXCHANGE_SCOPES)}.")
    wanted = [scope for scope in EXCHANGE_SCOPES if scope in scopes]
    with transaction.atomic():
        locked = Platform.objects.select_for_update().get(pk=platform.pk)
        if list(locked.exchange_scopes or []) != wanted:
            before = list(locked.exchange_scopes or [])
            locked.exchange_scopes = wanted
            locked.save(update_fields=["exchange_scopes", "updated_at"])
            event_record(
                type=EventType.EXCHANGE_SCOPES_GRANTED,
                actor_kind=ActorKind.SYSTEM if actor_user is None else ActorKind.ADVOCATE,
                actor_user=actor_user,
                data={"platform": locked.slug, "before": before, "scopes": wanted},
            )
    platform.exchange_scopes = wanted
    return locked

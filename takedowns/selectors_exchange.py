"""Reads for the hash exchange: the feed a platform's matching tool pages through, lookups, and what advocates and
the accountability report see. Nothing here returns a case reference or anything about the person to a platform.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q

from hashing.signals import PDQ
from takedowns.models import (
    Case,
    CaseState,
    ExchangeChange,
    ExchangeOpinion,
    ExchangeSignal,
    ImageState,
    Notice,
    OpinionKind,
    Platform,
    ReferenceImage,
    SignalType,
)
from takedowns.models.pdq import pdq_within

FEED_PAGE_MAX = 1000
LOOKUP_MAX = 100


@dataclass(frozen=True)
class FeedPage:
    entries: list[dict]
    cursor: int  # resume after this id (the last entry's, or the one asked for when nothing is new)
    more: bool


def exchange_feed_page(*, platform: Platform, after: int = 0, limit: int = FEED_PAGE_MAX) -> FeedPage:
    """Additions and deletions after ``after``, oldest first. The notice reference appears only where the signal's
    case has a notice to this same platform (so it can tie a match to a notice it already holds)."""
    limit = max(1, min(limit, FEED_PAGE_MAX))
    changes = list(
        ExchangeChange.objects.filter(id__gt=after)
        .order_by("id")
        .values_list(
            "id", "kind", "created_at", "signal__public_id", "signal__signal_type", "signal__value", "signal__case_id"
        )[: limit + 1]
    )
    more = len(changes) > limit
    changes = changes[:limit]
    own: dict[int, list[str]] = defaultdict(list)
    case_ids = {row[6] for row in changes}
    if case_ids:
        notices = Notice.objects.filter(platform=platform, case_id__in=case_ids).order_by("pk")
        for case_id, reference in notices.values_list("case_id", "public_reference"):
            own[case_id].append(reference)
    entries = [
        {
            "cursor": change_id,
            "change": kind,
            "signal_id": public_id,
            "signal_type": signal_type,
            "value": value,
            "at": at,
            "notice_references": own.get(case_id, []),
        }
        for change_id, kind, at, public_id, signal_type, value, case_id in changes
    ]
    return FeedPage(entries=entries, cursor=changes[-1][0] if changes else after, more=more)


def exchange_lookup_match(*, values: list[tuple[str, str]], radius: int = PDQ.threshold) -> list[dict]:
    """For each (signal type, value): whether it matches a shared signal, the nearest one's id and distance.
    PDQ matches within ``radius`` bits (multi-index hashing in PostgreSQL, ``takedowns.models.pdq``), MD5 exactly."""
    pdq = [value for kind, value in values if kind == SignalType.PDQ]
    md5 = [value for kind, value in values if kind == SignalType.MD5]
    live = ExchangeSignal.objects.filter(active=True)
    pdq_found = pdq_within(live.filter(signal_type=SignalType.PDQ), "value", pdq, radius) if pdq else {}
    ids = {pk for matches in pdq_found.values() for pk, _v, _d in matches[:1]}
    public = dict(ExchangeSignal.objects.filter(pk__in=ids).values_list("pk", "public_id")) if ids else {}
    md5_found = dict(
        live.filter(signal_type=SignalType.MD5, value__in=md5).order_by("pk").values_list("value", "public_id")
    )
    results = []
    for kind, value in values:
        if kind == SignalType.PDQ:
            best = pdq_found.get(value.lower(), [])[:1]
            hit = {"signal_id": public[best[0][0]], "distance": best[0][2]} if best else None
        else:
            signal_id = md5_found.get(value.lower())
            hit = {"signal_id": signal_id, "distance": 0} if signal_id else None
        results.append(
            {
                "signal_type": kind,
                "value": value,
                "match": hit is not None,
                **(hit or {"signal_id": None, "distance": None}),
            }
        )
    return results


def exchange_signal_by_public_id(public_id: str) -> ExchangeSignal | None:
    return ExchangeSignal.objects.filter(public_id=public_id).first()


def exchange_signals_by_value(*, signal_type: str, value: str) -> list[ExchangeSignal]:
    return list(ExchangeSignal.objects.filter(signal_type=signal_type, value=value.lower(), active=True))


def case_exchange_signals(case: Case) -> list[ExchangeSignal]:
    """A case's shared signals (live and removed) with how many platforms blocked with each or called it a false
    positive: what an advocate sees."""
    return list(
        case.exchange_signals.annotate(
            blocked_count=Count("opinions", filter=Q(opinions__kind=OpinionKind.BLOCKED)),
            false_positive_platforms=Count(
                "opinions__platform", filter=Q(opinions__kind=OpinionKind.FALSE_POSITIVE), distinct=True
            ),
        ).order_by("pk")
    )


def exchange_false_positive_platforms(signal: ExchangeSignal) -> int:
    return signal.opinions.filter(kind=OpinionKind.FALSE_POSITIVE).values("platform_id").distinct().count()


def exchange_signals_for_review() -> list[ExchangeSignal]:
    return list(ExchangeSignal.objects.filter(needs_review=True).select_related("case").order_by("pk"))


def exchange_shareable_hashes(case: Case) -> set[tuple[int, str, str]]:
    """The (image id, signal type, value) a case shares while it is open and the person said yes: every stored
    PDQ and MD5 of its fingerprinted reference images, server-made or device-made alike."""
    if not case.share_with_platforms or case.state != CaseState.OPEN or case.is_minor_content:
        return set()
    wanted = set()
    images = ReferenceImage.objects.filter(case=case, state=ImageState.HASHED).values_list("pk", "pdq", "md5")
    for image_id, pdq, md5 in images:
        if pdq:
            wanted.add((image_id, SignalType.PDQ.value, pdq.lower()))
        if md5:
            wanted.add((image_id, SignalType.MD5.value, md5.lower()))
    return wanted


def exchange_cases_to_sync() -> list[int]:
    """Cases whose shared signals may disagree with what they should share: fingerprinted pictures of a sharing,
    open case with no signal yet, and live signals of a case that is no longer open or no longer sharing."""
    missing = (
        ReferenceImage.objects.filter(
            state=ImageState.HASHED, case__share_with_platforms=True, case__state=CaseState.OPEN, exchange_signals=None
        )
        .exclude(pdq="", md5="")
        .values_list("case_id", flat=True)
    )
    stale = ExchangeSignal.objects.filter(active=True).filter(
        ~Q(case__state=CaseState.OPEN) | Q(case__share_with_platforms=False)
    )
    return sorted(set(missing) | set(stale.values_list("case_id", flat=True)))


def platform_exchange_opinions(platform: Platform, *, limit: int = 50) -> list[ExchangeOpinion]:
    return list(
        ExchangeOpinion.objects.filter(platform=platform)
        .select_related("signal")
        .order_by("-created_at", "-pk")[:limit]
    )


def exchange_blocked_by_platform(*, since: datetime | None = None, until: datetime | None = None) -> dict[int, int]:
    """Re-uploads each platform reported blocking with a shared signal: {platform id: count}."""
    opinions = ExchangeOpinion.objects.filter(kind=OpinionKind.BLOCKED)
    if since is not None:
        opinions = opinions.filter(created_at__gte=since)
    if until is not None:
        opinions = opinions.filter(created_at__lt=until)
    return dict(opinions.values("platform_id").annotate(n=Count("pk")).values_list("platform_id", "n"))

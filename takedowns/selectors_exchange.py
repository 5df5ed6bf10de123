"""Reads for the hash exchange: the feed a platform's matching tool pages through, lookups, and what advocates and
the accountability report see. Nothing here returns a case reference or anything about the person to a platform.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from itertools import islice

from django.db.models import Count, Q

from hashing.mih import MultiIndex, distance
from hashing.signals import PDQ
from takedowns.models import (
    Case,
    CaseState,
    ChangeKind,
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

FEED_PAGE_MAX = 1000
LOOKUP_MAX = 100


@dataclass(frozen=True)
class FeedPage:
    entries: list[dict]
    cursor: int  # resume after this id (the last entry's, or the one asked for when nothing is new)
    more: bool


def _iso(at: datetime) -> str:
    """ISO 8601 with UTC as "Z": exactly what DRF's JSON encoder wrote before the feed page stopped using it."""
    text = at.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def exchange_feed_page(*, platform: Platform, after: int = 0, limit: int = FEED_PAGE_MAX) -> FeedPage:
    """Additions and deletions after ``after``, oldest first, as the JSON-ready entries of the documented shape
    (``at`` already a string). The notice reference appears only where the signal's case has a notice to this same
    platform (so it can tie a match to a notice it already holds)."""
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
            "at": _iso(at),
            "notice_references": own.get(case_id, []),
        }
        for change_id, kind, at, public_id, signal_type, value, case_id in changes
    ]
    return FeedPage(entries=entries, cursor=changes[-1][0] if changes else after, more=more)


LOAD_CHUNK = 50_000


class _LivePdqIndex:
    """This process's in-memory index of the live PDQ signals, kept current from the feed.

    Probing the block columns in PostgreSQL found the candidates quickly but then read each of them (~4,000 a
    query hash at a million signals) from a random heap page before the distance could drop them: seconds per
    lookup. Here the candidates and their distances are a few NumPy passes (``hashing.mih.MultiIndex``). The feed
    is the change log that keeps it current: before each lookup the entries after the last one applied are read
    (one indexed query, usually empty), as HMA does with its fetched signals. The feed's ids become visible in
    order (``exchange_feed_lock``), so entries applied up to id N leave nothing below N to miss. The first lookup in
    a process loads every live signal (3–5 s at a million, measured); the index holds ~110 bytes a signal.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.index = MultiIndex()
        # The last feed entry applied, by id and time: if that entry is gone or different (a test database rolled
        # back and reused its ids), the index is rebuilt rather than trusted.
        self.mark: tuple[int, datetime | None] | None = None

    def current(self) -> MultiIndex:
        with self.lock:
            if self.mark is None:
                self._load()
            else:
                last, at = self.mark
                changes = list(
                    ExchangeChange.objects.filter(id__gte=last)
                    .order_by("id")
                    .values_list("id", "created_at", "kind", "signal_id", "signal__signal_type", "signal__value")
                )
                if last and (not changes or changes[0][:2] != (last, at)):
                    self._load()
                else:
                    self._apply([c for c in changes if c[0] != last])
            return self.index

    def _load(self) -> None:
        top = ExchangeChange.objects.order_by("-id").values_list("id", "created_at").first()
        live = ExchangeSignal.objects.filter(active=True, signal_type=SignalType.PDQ).exclude(value="")
        index = MultiIndex()
        # In chunks: a million rows as Python tuples at once would double the process's peak memory.
        rows = live.order_by().values_list("pk", "value").iterator(chunk_size=LOAD_CHUNK)
        while chunk := list(islice(rows, LOAD_CHUNK)):
            index.add([pk for pk, _v in chunk], [v for _pk, v in chunk], build=False)
        index.build()
        self.index = index
        self.mark = top or (0, None)

    def _apply(self, changes: list[tuple]) -> None:
        if not changes:
            return
        added = [(pk, v) for _i, _at, kind, pk, t, v in changes if kind == ChangeKind.ADDITION and t == SignalType.PDQ]
        added = [(pk, v) for pk, v in added if v]  # an erased case's values are blanked
        self.index.add([pk for pk, _v in added], [v for _pk, v in added])
        # Signals are never re-activated (sharing again makes new ones), so removing after adding is safe.
        self.index.remove([pk for _i, _at, kind, pk, _t, _v in changes if kind == ChangeKind.DELETION])
        self.mark = changes[-1][:2]


_live_pdq = _LivePdqIndex()


def _pdq_lookup(queries: list[str], radius: int) -> dict[str, tuple[str, int]]:
    """The nearest live PDQ signal within ``radius`` of each query: {query: (public id, distance)}. The index
    proposes; the database confirms (still live, same value, distance recomputed), so a match is exact against
    what the database holds now."""
    queries = list(dict.fromkeys(q.lower() for q in queries))
    proposed = _live_pdq.current().search(queries, radius)
    if not proposed:
        return {}
    confirmed = {
        pk: (public_id, value)
        for pk, public_id, value in ExchangeSignal.objects.filter(
            active=True, signal_type=SignalType.PDQ, pk__in={pk for _q, pk, _d in proposed}
        ).values_list("pk", "public_id", "value")
    }
    best: dict[str, tuple[int, int, str]] = {}
    for q, pk, _d in proposed:
        if pk not in confirmed:
            continue
        public_id, value = confirmed[pk]
        d = distance(queries[q], value)
        if d <= radius and (d, pk) < best.get(queries[q], (radius + 1, 0, ""))[:2]:
            best[queries[q]] = (d, pk, public_id)
    return {q: (public_id, d) for q, (d, _pk, public_id) in best.items()}


def exchange_lookup_match(*, values: list[tuple[str, str]], radius: int = PDQ.threshold) -> list[dict]:
    """For each (signal type, value): whether it matches a shared signal, the nearest one's id and distance (ties
    by the older signal). PDQ matches within ``radius`` bits (``_LivePdqIndex``), MD5 exactly."""
    pdq = [value for kind, value in values if kind == SignalType.PDQ]
    md5 = [value for kind, value in values if kind == SignalType.MD5]
    pdq_found = _pdq_lookup(pdq, radius) if pdq else {}
    md5_found = dict(
        ExchangeSignal.objects.filter(active=True, signal_type=SignalType.MD5, value__in=md5)
        .order_by("pk")
        .values_list("value", "public_id")
    )
    results = []
    for kind, value in values:
        if kind == SignalType.PDQ:
            best = pdq_found.get(value.lower())
            hit = {"signal_id": best[0], "distance": best[1]} if best else None
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

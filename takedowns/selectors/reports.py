"""Platform accountability: each platform's record over a period, for the public report and the advocates."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Q
from django.utils import timezone

from takedowns.lifecycle import CLOCK_RUNNING
from takedowns.models import (
    ACCOUNT_ACTED_ON,
    AccountAnswer,
    Notice,
    NoticeStatus,
    Platform,
    PlatformKind,
    ReuploadOutcome,
)

# Public figures: a count below this is shown as "fewer than 5", and a time or share computed from fewer
# notices is not shown at all, so that no single case can be picked out.
PUBLIC_MIN_COUNT = 5


@dataclass(frozen=True)
class PlatformFigures:
    """One platform's record over a period. Hours are floats; a share is 0..1; None = nothing to measure."""

    platform_id: int
    name: str
    sent: int
    answered: int
    ack_median_h: float | None
    ack_p90_h: float | None
    removed: int
    removal_median_h: float | None
    removal_p90_h: float | None
    decided: int
    removed_in_time: int
    share_in_time: float | None
    overdue_now: int
    disputes: int
    # What the platform said about uploaders' accounts and re-uploads (notices sent in the period).
    account_answers: int = 0
    accounts_acted_on: int = 0
    reuploads_blocked: int = 0


def _percentile(values: list[float], fraction: float) -> float | None:
    """Linear interpolation between the closest ranks (the common spreadsheet/NumPy default)."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def platform_report(*, start, end, now=None) -> list[PlatformFigures]:
    """Per platform, for the notices **sent** in [start, end):

    - time to acknowledge: from sending to the platform's first answer (acknowledgement, question, dispute or
      removal, whichever came first); median and 90th percentile, in hours;
    - time to removal: from sending to the reported removal;
    - share removed within the deadline: removed by ``due_at``, out of the notices whose outcome is known
      (removed, or the deadline has passed);
    - disputes: notices the platform disputed; overdue now: notices whose clock is running past ``due_at``
      today, whenever they were sent, and those escalated after missing it (escalation stops the clock
      but not the platform's failure).

    Platform notices only: upstream notices to CDNs, hosts and registrars are not a platform's record,
    and those providers are not listed.

    - accounts acted on: notices whose platform said it suspended, removed or warned the uploader's account (out
      of the notices with an answer about the account); re-uploads blocked: notices whose platform said it blocks
      re-uploads by fingerprint.

    Four queries however many notices: the period's figures (aggregated in PostgreSQL; elsewhere from the time
    stamps alone), the account answers, overdue counts, platform names.
    """
    now = now or timezone.now()
    per = _report_sql(start, end, now) if connection.vendor == "postgresql" else _report_python(start, end, now)
    failing = Q(status__in=CLOCK_RUNNING) | Q(status=NoticeStatus.ESCALATED)
    overdue = dict(
        Notice.objects.filter(failing, kind=PlatformKind.PLATFORM, due_at__lt=now)
        .values("platform_id")
        .annotate(n=Count("pk"))
        .values_list("platform_id", "n")
    )
    names = dict(
        Platform.objects.filter(pk__in=set(per) | set(overdue), kind=PlatformKind.PLATFORM).values_list("pk", "name")
    )
    accounts = _account_figures(start, end)
    figures = []
    for platform_id, name in names.items():
        entry = per.get(platform_id) or _EMPTY_ENTRY
        figures.append(
            PlatformFigures(
                platform_id=platform_id,
                name=name,
                **entry,
                share_in_time=entry["removed_in_time"] / entry["decided"] if entry["decided"] else None,
                overdue_now=overdue.get(platform_id, 0),
                **accounts.get(platform_id, {}),
            )
        )
    return sorted(figures, key=lambda f: (-f.sent, f.name))


def _account_figures(start, end) -> dict[int, dict]:
    rows = (
        AccountAnswer.objects.filter(notice__sent_at__gte=start, notice__sent_at__lt=end)
        .values("notice__platform_id")
        .annotate(
            answers=Count("pk", filter=~Q(account="")),
            acted=Count("pk", filter=Q(account__in=list(ACCOUNT_ACTED_ON))),
            blocked=Count("pk", filter=Q(reupload=ReuploadOutcome.BLOCKING)),
        )
    )
    return {
        row["notice__platform_id"]: {
            "account_answers": row["answers"],
            "accounts_acted_on": row["acted"],
            "reuploads_blocked": row["blocked"],
        }
        for row in rows
    }


_EMPTY_ENTRY = {
    "sent": 0,
    "answered": 0,
    "ack_median_h": None,
    "ack_p90_h": None,
    "removed": 0,
    "removal_median_h": None,
    "removal_p90_h": None,
    "decided": 0,
    "removed_in_time": 0,
    "disputes": 0,
}

# PostgreSQL computes the percentiles itself (percentile_cont interpolates linearly between ranks, as
# _percentile does), so 50,000 rows never cross the wire. LEAST ignores NULLs there: the first answer.
_REPORT_SQL = """
SELECT platform_id, count(*), count(fa),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY fa), percentile_cont(0.9) WITHIN GROUP (ORDER BY fa),
       count(rm), percentile_cont(0.5) WITHIN GROUP (ORDER BY rm), percentile_cont(0.9) WITHIN GROUP (ORDER BY rm),
       count(*) FILTER (WHERE removed_at IS NOT NULL OR due_at < %s),
       count(*) FILTER (WHERE removed_at <= due_at),
       count(*) FILTER (WHERE disputed_at IS NOT NULL)
FROM (
  SELECT platform_id, due_at, removed_at, disputed_at,
         EXTRACT(EPOCH FROM LEAST(acknowledged_at, info_requested_at, disputed_at, removed_at) - sent_at) / 3600 AS fa,
         EXTRACT(EPOCH FROM removed_at - sent_at) / 3600 AS rm
  FROM takedowns_notice WHERE sent_at >= %s AND sent_at < %s AND kind = 'platform'
) AS period
GROUP BY platform_id
"""


def _report_sql(start, end, now) -> dict[int, dict]:
    keys = list(_EMPTY_ENTRY)
    with connection.cursor() as cursor:
        cursor.execute(_REPORT_SQL, [now, start, end])
        rows = cursor.fetchall()
    return {
        row[0]: {key: (float(v) if isinstance(v, Decimal) else v) for key, v in zip(keys, row[1:], strict=True)}
        for row in rows
    }


def _report_python(start, end, now) -> dict[int, dict]:
    rows = Notice.objects.filter(sent_at__gte=start, sent_at__lt=end, kind=PlatformKind.PLATFORM).values_list(
        "platform_id", "sent_at", "due_at", "acknowledged_at", "info_requested_at", "disputed_at", "removed_at"
    )
    raw: dict[int, dict] = {}
    for platform_id, sent, due, ack, info, disputed, removed in rows.iterator(chunk_size=5000):
        entry = raw.setdefault(
            platform_id, {"sent": 0, "ack": [], "removal": [], "decided": 0, "in_time": 0, "disputes": 0}
        )
        entry["sent"] += 1
        answers = [t for t in (ack, info, disputed, removed) if t is not None]
        if answers:
            entry["ack"].append((min(answers) - sent).total_seconds() / 3600)
        if removed is not None:
            entry["removal"].append((removed - sent).total_seconds() / 3600)
        if removed is not None or (due is not None and due < now):
            entry["decided"] += 1
            if removed is not None and due is not None and removed <= due:
                entry["in_time"] += 1
        if disputed is not None:
            entry["disputes"] += 1
    return {
        platform_id: {
            "sent": e["sent"],
            "answered": len(e["ack"]),
            "ack_median_h": _percentile(e["ack"], 0.5),
            "ack_p90_h": _percentile(e["ack"], 0.9),
            "removed": len(e["removal"]),
            "removal_median_h": _percentile(e["removal"], 0.5),
            "removal_p90_h": _percentile(e["removal"], 0.9),
            "decided": e["decided"],
            "removed_in_time": e["in_time"],
            "disputes": e["disputes"],
        }
        for platform_id, e in raw.items()
    }


# Outcomes by route: which way of asking works where. One route per notice, the first that applies:
ROUTES = ("upstream", "dmca", "deindex", "TIDA", "DSA", "UK", "AU", "policy")
# Search engines in the shipped registry: a notice to one asks for de-indexing, not removal from a host. (Microsoft
# is Bing and OneDrive in one registry row, so its notices cannot be told apart and count by their law.)
SEARCH_ENGINE_SLUGS = ("google-search",)


@dataclass(frozen=True)
class RouteFigures:
    """One platform's record for one route over a period: removal rate and median hours from sending to removal."""

    platform_id: int
    name: str
    route: str
    sent: int
    removed: int
    removal_median_h: float | None

    @property
    def removal_rate(self) -> float | None:
        return self.removed / self.sent if self.sent else None


def notice_route(*, kind: str, regime: str, regimes, slug: str, tida_covered: bool | None) -> str:
    """The route a notice took: upstream (to a CDN, host or registrar); DMCA (17 U.S.C. 512(c)(3)); de-indexing
    (to a search engine); a statute that binds the recipient — TIDA (only for a covered platform, §4(3)), the DSA
    (Art. 16), the UK or the Australian Online Safety Act — in that order; else the platform's own policy only."""
    cited = set(regimes or ()) | {regime}
    if kind != PlatformKind.PLATFORM:
        return "upstream"
    if regime == "DMCA":
        return "dmca"
    if slug in SEARCH_ENGINE_SLUGS:
        return "deindex"
    if "US" in cited and tida_covered is True:
        return "TIDA"
    for code, route in (("EU", "DSA"), ("UK", "UK"), ("AU", "AU")):
        if code in cited:
            return route
    return "policy"


def route_report(*, start, end) -> list[RouteFigures]:
    """Per platform (and upstream provider) and route, for the notices **sent** in [start, end): how many, how
    many were removed, and the median hours from sending to removal. Two queries however many notices: the
    figures (in PostgreSQL, with the route decided in SQL; elsewhere in Python) and the names."""
    per = _routes_sql(start, end) if connection.vendor == "postgresql" else _routes_python(start, end)
    names = dict(Platform.objects.filter(pk__in={pid for pid, _route in per}).values_list("pk", "name"))
    figures = [
        RouteFigures(platform_id=pid, name=names.get(pid, ""), route=route, **entry)
        for (pid, route), entry in per.items()
    ]
    return sorted(figures, key=lambda f: (f.name, ROUTES.index(f.route)))


def _routes_python(start, end) -> dict[tuple[int, str], dict]:
    rows = Notice.objects.filter(sent_at__gte=start, sent_at__lt=end).values_list(
        "platform_id", "kind", "regime", "regimes", "platform__slug", "platform__tida_covered", "sent_at", "removed_at"
    )
    raw: dict[tuple[int, str], dict] = {}
    for pid, kind, regime, regimes, slug, covered, sent, removed in rows.iterator(chunk_size=5000):
        route = notice_route(kind=kind, regime=regime, regimes=regimes, slug=slug, tida_covered=covered)
        entry = raw.setdefault((pid, route), {"sent": 0, "hours": []})
        entry["sent"] += 1
        if removed is not None:
            entry["hours"].append((removed - sent).total_seconds() / 3600)
    return {
        key: {"sent": e["sent"], "removed": len(e["hours"]), "removal_median_h": _percentile(e["hours"], 0.5)}
        for key, e in raw.items()
    }


# The same rule as notice_route, in SQL: the jsonb containment (@>) asks whether the notice cites a regime.
_ROUTES_SQL = """
SELECT platform_id, route, count(*), count(rm), percentile_cont(0.5) WITHIN GROUP (ORDER BY rm)
FROM (
  SELECT n.platform_id,
         CASE
           WHEN n.kind <> 'platform' THEN 'upstream'
           WHEN n.regime = 'DMCA' THEN 'dmca'
           WHEN p.slug = ANY(%s) THEN 'deindex'
           WHEN (n.regime = 'US' OR n.regimes @> '["US"]'::jsonb) AND p.tida_covered IS TRUE THEN 'TIDA'
           WHEN n.regime = 'EU' OR n.regimes @> '["EU"]'::jsonb THEN 'DSA'
           WHEN n.regime = 'UK' OR n.regimes @> '["UK"]'::jsonb THEN 'UK'
           WHEN n.regime = 'AU' OR n.regimes @> '["AU"]'::jsonb THEN 'AU'
           ELSE 'policy'
         END AS route,
         EXTRACT(EPOCH FROM n.removed_at - n.sent_at) / 3600 AS rm
  FROM takedowns_notice n JOIN takedowns_platform p ON p.id = n.platform_id
  WHERE n.sent_at >= %s AND n.sent_at < %s
) AS period
GROUP BY platform_id, route
"""


def _routes_sql(start, end) -> dict[tuple[int, str], dict]:
    with connection.cursor() as cursor:
        cursor.execute(_ROUTES_SQL, [list(SEARCH_ENGINE_SLUGS), start, end])
        rows = cursor.fetchall()
    return {
        (pid, route): {
            "sent": sent,
            "removed": removed,
            "removal_median_h": float(median) if isinstance(median, Decimal) else median,
        }
        for pid, route, sent, removed, median in rows
    }

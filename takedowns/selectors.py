"""Reads. Every object fetch is also a permission check (DESIGN.md §8, CONVENTIONS.md §6): the same 404
whether the object does not exist or is not the caller's."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlsplit

from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.text import slugify

from takedowns.lifecycle import CLOCK_RUNNING, OPEN_STATES
from takedowns.models import (
    ACCOUNT_ACTED_ON,
    AccountAnswer,
    Case,
    CaseState,
    Channel,
    ComputedOn,
    EscalationStep,
    Event,
    EventType,
    EvidenceBundle,
    Finding,
    FindingStatus,
    HostIdentity,
    ImageState,
    LocationState,
    Notice,
    NoticeStatus,
    Platform,
    PlatformKind,
    ReferenceImage,
    ReportedLocation,
    ReuploadOutcome,
    WatchedSite,
)
from takedowns.roles import is_advocate, platform_of


def cases_for_user(user) -> QuerySet[Case]:
    if is_advocate(user):
        return Case.objects.exclude(state=CaseState.DRAFT)
    return Case.objects.none()


def case_for_user(user, reference: str) -> Case:
    case = cases_for_user(user).filter(reference=reference).first()
    if case is None:
        raise Http404("No such case.")
    return case


def notices_for_user(user) -> QuerySet[Notice]:
    qs = Notice.objects.select_related("case", "platform")
    if is_advocate(user):
        return qs
    platform = platform_of(user)
    if platform is not None:
        # An allow-list: platform staff see a notice only once it was delivered to them (sent_at is set), never a
        # draft, a queued or failed one, nor one withdrawn before it was sent.
        return qs.filter(platform=platform, sent_at__isnull=False)
    return qs.none()


def notice_for_user(user, notice_id: int | str) -> Notice:
    try:
        pk = int(notice_id)
    except (TypeError, ValueError):
        raise Http404("No such notice.") from None
    notice = notices_for_user(user).filter(pk=pk).first()
    if notice is None:
        raise Http404("No such notice.")
    return notice


def notices_overdue(qs: QuerySet[Notice] | None = None, *, now=None) -> QuerySet[Notice]:
    qs = Notice.objects.all() if qs is None else qs
    return qs.filter(status__in=CLOCK_RUNNING, due_at__lt=now or timezone.now())


def case_detail(case: Case) -> Case:
    return (
        Case.objects.filter(pk=case.pk)
        .prefetch_related(
            "images",
            Prefetch("locations", queryset=ReportedLocation.objects.select_related("platform")),
            Prefetch(
                "notices",
                queryset=Notice.objects.select_related("platform", "escalates", "account_answer")
                .order_by("platform__name")
                # The API lists each notice's timeline and escalation ladder: one query each for every notice.
                .prefetch_related(
                    Prefetch("events", queryset=Event.objects.order_by("created_at", "id")),
                    Prefetch("escalation_steps", queryset=EscalationStep.objects.order_by("planned_at", "id")),
                ),
            ),
        )
        .get()
    )


def notices_hash_rows(notices: Iterable[Notice]) -> list[dict]:
    """The one source of the hashes a platform may see for its notices (inbox, API, webhooks, exports): those
    of each case's fingerprinted images, never the images. Two queries however many notices.

    Data minimisation (DESIGN.md §8): where verification linked the notice's URLs to particular reference
    images, the platform gets only those images' fingerprints; where nothing is linked yet (content behind a
    login, not yet checked), every image of the case, since any of them may be the one shown. The SHA-256 of the
    victim's original is never shared: MD5, pHash and PDQ serve the platforms' matching tools.

    A row: ``notice`` (reference), ``notice_id``, ``image`` (1-based, in filing order, as the notice numbers
    them), ``pdq``, ``pdq_quality``, ``md5``, ``phash``. Callers pass notices with ``case`` selected.
    """
    notices = list(notices)
    by_case: dict[int, list[ReferenceImage]] = {}
    images = ReferenceImage.objects.filter(case_id__in={n.case_id for n in notices}, state=ImageState.HASHED).order_by(
        "id"
    )
    for image in images.only("case_id", "pdq", "pdq_quality", "md5", "phash", "computed_on"):
        by_case.setdefault(image.case_id, []).append(image)
    linked: dict[int, set[int]] = {}
    through = Notice.locations.through.objects.filter(notice_id__in=[n.pk for n in notices])
    for notice_id, evidence in through.values_list("notice_id", "reportedlocation__match_evidence"):
        if (evidence or {}).get("status") == "match" and (evidence or {}).get("reference_image_id"):
            linked.setdefault(notice_id, set()).add(int(evidence["reference_image_id"]))
    rows = []
    for notice in notices:
        wanted = linked.get(notice.pk)
        for index, image in enumerate(by_case.get(notice.case_id, []), start=1):
            if wanted and image.pk not in wanted:
                continue
            if notice.case.is_minor_content and image.computed_on != ComputedOn.DEVICE:
                continue  # under 18: only fingerprints made on the person's device, never of a picture held here
            rows.append(
                {
                    "notice": notice.reference,
                    "notice_id": notice.pk,
                    "image": index,
                    "pdq": image.pdq,
                    "pdq_quality": image.pdq_quality,
                    "md5": image.md5,
                    "phash": image.phash,
                }
            )
    return rows


def notice_hash_rows(notice: Notice) -> list[dict]:
    return notices_hash_rows([notice])


RESPONSE_EVENT_TYPES = (
    EventType.NOTICE_ACKNOWLEDGED,
    EventType.NOTICE_REMOVED,
    EventType.NOTICE_LOCATIONS_REMOVED,
    EventType.NOTICE_INFO_REQUESTED,
    EventType.NOTICE_DISPUTED,
    EventType.NOTICE_REPLY_RECORDED,
    EventType.NOTICE_REPLY_RECEIVED,
    EventType.NOTICE_FAILED,
    EventType.NOTICE_OVERDUE,
    EventType.NOTICE_ACCOUNT_ANSWERED,
    EventType.NOTICE_REUPLOAD_ANSWERED,
)


def notice_account_answer(notice: Notice) -> AccountAnswer | None:
    """What the platform said about the uploader's account and re-uploads, or None before any answer."""
    return AccountAnswer.objects.filter(notice=notice).first()


def notice_responses(notice: Notice):
    """What the platform answered (and what was recorded about it), oldest first."""
    return notice.events.filter(type__in=RESPONSE_EVENT_TYPES).order_by("created_at", "id")


def case_notice_panels(case: Case, *, identities: dict | None = None) -> list[dict]:
    """Each notice of a case with what an advocate needs to act on it: completeness, web-form pieces, answers;
    for a platform notice its escalation ladder and, once it can be escalated, the providers serving its website
    (each with its upstream notice, if prepared); each upstream notice follows the notice it escalates."""
    from takedowns.notices import check_completeness, notice_content, notice_queryset, upstream_pieces, webform_pieces
    from takedowns.notices.escalation import deindex_routes, regulator_routes

    panels = []
    now = timezone.now()
    identities = host_identities(case) if identities is None else identities
    # notice_queryset prefetches what notice_content reads, and the answers of every notice come in one query,
    # so the page costs the same for 1 or 20 notices.
    every = list(
        notice_queryset()
        .select_related("account_answer")
        .filter(case=case)
        .prefetch_related("escalation_steps__stopped_by")
        .order_by("platform__name")
    )
    upstream_of: dict[int, list[Notice]] = {}
    for notice in every:
        if notice.escalates_id:
            upstream_of.setdefault(notice.escalates_id, []).append(notice)
    notices = []
    for notice in every:
        if notice.kind == PlatformKind.PLATFORM:
            notices += [notice, *upstream_of.get(notice.pk, [])]
    responses: dict[int, list[Event]] = {}
    answers = Event.objects.filter(notice__in=notices, type__in=RESPONSE_EVENT_TYPES).order_by("created_at", "id")
    for event in answers:
        responses.setdefault(event.notice_id, []).append(event)
    for notice in notices:
        content = notice_content(notice)
        upstream = notice.kind != PlatformKind.PLATFORM
        escalating = not upstream and (notice.is_overdue or notice.status in ("disputed", "escalated"))
        providers = []
        if escalating:
            prepared = {n.platform.slug: n for n in upstream_of.get(notice.pk, []) if n.status not in ("withdrawn",)}
            targets = upstream_targets(
                notice, {loc.host: identities[loc.host] for loc in notice.locations.all() if loc.host in identities}
            )
            providers = [{"target": t, "notice": prepared.get(t.slug)} for t in targets]
        panels.append(
            {
                "notice": notice,
                "upstream": upstream,
                "completeness": check_completeness(content),
                "pieces": (upstream_pieces(content) if upstream else webform_pieces(content))
                if notice.channel == "webform"
                else [],
                "responses": responses.get(notice.pk, []),
                "steps": (steps := list(notice.escalation_steps.all())),
                "ladder_pending": any(step.state == "pending" for step in steps),
                # Once the platform has missed its clock or refused: the regulator's complaint and de-indexing, and
                # the providers serving the website, each with its upstream notice (issue 14).
                "escalation": (
                    {
                        "regulators": regulator_routes(content, now=now),
                        "upstream": providers,
                        "search": deindex_routes(content),
                    }
                    if escalating
                    else None
                ),
            }
        )
    return panels


# --- who serves a website: upstream notice targets (issue 14) -------------------------------------------------

OPEN_LOCATION_STATES = (LocationState.REPORTED, LocationState.REAPPEARED)


def _contact(identity: HostIdentity, source: str) -> dict:
    return next((c for c in identity.abuse_contacts or [] if c.get("source") == source), {})


@dataclass
class Target:
    """One provider that serves some of a notice's URLs: who, how to reach them, and which URLs."""

    kind: str
    key: str
    name: str
    email: str = ""
    webform_url: str = ""
    facts: dict = field(default_factory=dict)
    location_ids: list[int] = field(default_factory=list)
    hosts: list[str] = field(default_factory=list)

    @property
    def slug(self) -> str:
        return f"{self.kind}-{slugify(self.key)}"[:50] or self.kind

    @property
    def channel(self) -> str:
        return Channel.EMAIL if self.email else Channel.WEBFORM


def _targets_for(identity: HostIdentity) -> list[Target]:
    targets = []
    if identity.cdn:
        contact = _contact(identity, "cdn")
        targets.append(
            Target(
                kind=PlatformKind.CDN,
                key=identity.cdn_slug or identity.cdn,
                name=identity.cdn,
                email=contact.get("email", ""),
                webform_url=contact.get("url", ""),
                facts={"cdn_slug": identity.cdn_slug},
            )
        )
    # Behind a CDN the addresses are the CDN's own: its network is not the site's host (the origin is unknown),
    # so no host notice; the CDN passes the report to the host (reference/escalation.md §3).
    if identity.network_owner and not identity.cdn:
        contact = _contact(identity, "network")
        targets.append(
            Target(
                kind=PlatformKind.HOST,
                key=identity.network_owner,
                name=identity.network_owner,
                email=contact.get("email", ""),
                webform_url=contact.get("url", ""),
                facts={
                    "country": str((identity.network or {}).get("country") or "").upper(),
                    "handle": (identity.network or {}).get("handle", ""),
                },
            )
        )
    if identity.registrar:
        contact = _contact(identity, "registrar")
        targets.append(
            Target(
                kind=PlatformKind.REGISTRAR,
                key=identity.registrar_iana_id or identity.registrar,
                name=identity.registrar,
                email=contact.get("email", ""),
                webform_url=contact.get("url", ""),
                facts={"registrar_iana_id": identity.registrar_iana_id},
            )
        )
    return targets


def notice_identities(notice: Notice) -> dict[str, HostIdentity]:
    hosts = {loc.host for loc in notice.locations.all() if loc.host}
    return {h.host: h for h in HostIdentity.objects.filter(host__in=hosts)}


def upstream_targets(notice: Notice, identities: dict[str, HostIdentity] | None = None) -> list[Target]:
    """Every CDN, host and registrar serving the notice's URLs still online, one per provider (a CDN in front of
    two of the notice's hosts gets one notice with both hosts' URLs), CDN first: it is the quickest route."""
    identities = notice_identities(notice) if identities is None else identities
    by_key: dict[tuple[str, str], Target] = {}
    for loc in notice.locations.all():
        if loc.state not in OPEN_LOCATION_STATES:
            continue
        identity = identities.get((loc.host or urlsplit(loc.url).hostname or "").lower())
        if identity is None:
            continue
        for target in _targets_for(identity):
            found = by_key.setdefault((target.kind, target.slug), target)
            found.location_ids.append(loc.pk)
            if identity.host not in found.hosts:
                found.hosts.append(identity.host)
    order = {PlatformKind.CDN: 0, PlatformKind.HOST: 1, PlatformKind.REGISTRAR: 2}
    return sorted(by_key.values(), key=lambda t: (order[t.kind], t.name.lower()))


def platform_inbox_sections(user, *, now=None) -> list[dict]:
    """A platform's notices in the order staff work them: overdue, due within 12 hours, new, answered."""
    from django.utils.translation import gettext_lazy as _

    now = now or timezone.now()
    soon = now + timedelta(hours=12)
    sections = {"overdue": [], "due-soon": [], "new": [], "answered": []}
    for notice in notices_for_user(user).order_by("due_at", "id")[:500]:
        running = notice.status in CLOCK_RUNNING and notice.due_at is not None
        if running and notice.due_at < now:
            sections["overdue"].append(notice)
        elif running and notice.due_at < soon:
            sections["due-soon"].append(notice)
        elif notice.status == "sent":
            sections["new"].append(notice)
        else:
            sections["answered"].append(notice)
    titles = {
        "overdue": _("Overdue"),
        "due-soon": _("Due within 12 hours"),
        "new": _("New"),
        "answered": _("Answered"),
    }
    return [{"key": key, "title": titles[key], "notices": items} for key, items in sections.items()]


def host_identities(case: Case) -> dict[str, HostIdentity]:
    """Who can act on each website of a case (takedowns/services/hosts.py), by host: one query for the page."""
    return {h.host: h for h in HostIdentity.objects.filter(host__in=case.locations.values("host"))}


# --- The advocate's clock board -----------------------------------------------------------------------------

BOARD_DUE_SOON = timedelta(hours=12)
BOARD_PAGE_SIZE = 50


@dataclass(frozen=True)
class BoardFilters:
    """What the board is narrowed to; every field optional (forms/board.py parses the query string)."""

    platform_id: int | None = None
    status: str = ""
    regime: str = ""
    advocate_id: int | None = None
    mine: bool = False
    overdue: bool = False
    due_soon: bool = False
    q: str = ""


def board_notices(user, filters: BoardFilters | None = None, *, now=None) -> QuerySet[Notice]:
    """Every open notice of an open case, soonest deadline first (notices without a clock yet — drafts,
    queued, failed — after those with one). The row's columns come with it: no query per row."""
    filters = filters or BoardFilters()
    now = now or timezone.now()
    qs = (
        notices_for_user(user)
        .filter(case__state=CaseState.OPEN, status__in=OPEN_STATES)
        .select_related("case__assigned_advocate", "escalates")
        # Each row shows its escalation ladder (issue 14): one query for the page.
        .prefetch_related(Prefetch("escalation_steps", queryset=EscalationStep.objects.order_by("planned_at", "id")))
        .only(
            "id",
            "kind",
            "escalates__public_reference",
            "status",
            "regime",
            "channel",
            "sent_at",
            "due_at",
            "created_at",
            "case__reference",
            "case__is_minor_content",
            "case__assigned_advocate__email",
            "case__assigned_advocate__username",
            "platform__name",
            "platform__slug",
        )
    )
    if filters.platform_id:
        qs = qs.filter(platform_id=filters.platform_id)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.regime:
        qs = qs.filter(regime=filters.regime)
    if filters.mine:
        qs = qs.filter(case__assigned_advocate=user)
    elif filters.advocate_id:
        qs = qs.filter(case__assigned_advocate_id=filters.advocate_id)
    if filters.overdue:
        qs = qs.filter(status__in=CLOCK_RUNNING, due_at__lt=now)
    if filters.due_soon:
        qs = qs.filter(status__in=CLOCK_RUNNING, due_at__gte=now, due_at__lt=now + BOARD_DUE_SOON)
    q = filters.q.strip()
    if q:
        # A case reference or part of a reported URL; Exists keeps one row per notice. URLs are stored
        # normalised (lower-case host) and paths are case-sensitive, so a plain LIKE: no upper() on every row.
        qs = qs.filter(
            Q(case__reference=q.upper())
            | Q(Exists(ReportedLocation.objects.filter(notices=OuterRef("pk"), url__contains=q)))
        )
    return qs.order_by(F("due_at").asc(nulls_last=True), "created_at", "id")


def board_counters(user, *, now=None) -> dict[str, int]:
    """The numbers above the board, in two queries however many notices there are."""
    now = now or timezone.now()
    open_case = Q(case__state=CaseState.OPEN)
    running = open_case & Q(status__in=CLOCK_RUNNING)
    counts = notices_for_user(user).aggregate(
        open=Count("pk", filter=open_case & Q(status__in=OPEN_STATES)),
        due_soon=Count("pk", filter=running & Q(due_at__gte=now, due_at__lt=now + BOARD_DUE_SOON)),
        overdue=Count("pk", filter=running & Q(due_at__lt=now)),
        removed_week=Count("pk", filter=Q(removed_at__gte=now - timedelta(days=7))),
        drafts_held=Count("pk", filter=open_case & Q(status=NoticeStatus.DRAFT)),
    )
    counts["unknown_websites"] = board_unknown_locations(user).count()
    counts["waiting"] = counts["drafts_held"] + counts["unknown_websites"]
    return counts


def board_unknown_locations(user) -> QuerySet[ReportedLocation]:
    """Reported URLs on websites the registry does not know: no notice can go until someone adds the site."""
    if not is_advocate(user):
        return ReportedLocation.objects.none()
    return (
        ReportedLocation.objects.filter(case__state=CaseState.OPEN, platform__isnull=True)
        .select_related("case")
        .order_by("created_at", "id")
    )


def platform_choices() -> list[tuple[int, str]]:
    """Every platform, for the board's menu: the registry has tens of rows, and narrowing it to platforms with
    open notices would cost a join over every notice."""
    return list(Platform.objects.filter(kind=PlatformKind.PLATFORM).order_by("name").values_list("pk", "name"))


def advocate_choices() -> list[tuple[int, str]]:
    """Every active advocate (and superuser), labelled by e-mail, for filters and assignment."""
    from django.contrib.auth import get_user_model

    from takedowns.roles import ADVOCATES

    users = (
        get_user_model()
        .objects.filter(Q(groups__name=ADVOCATES) | Q(is_superuser=True), is_active=True)
        .distinct()
        .order_by("email", "username")
        .values_list("pk", "email", "username")
    )
    return [(pk, email or username) for pk, email, username in users]


def case_timeline(case: Case) -> list[Event]:
    """Everything that happened on a case, oldest first, with who did it (one query)."""
    return list(
        case.events.select_related("actor_user", "notice__case", "notice__platform").order_by("created_at", "id")
    )


def case_bundles(case: Case) -> QuerySet[EvidenceBundle]:
    return case.bundles.order_by("-created_at", "-id")


# --- Platform accountability ---------------------------------------------------------------------------------

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
    # Issue 14: what the platform said about uploaders' accounts and re-uploads (notices sent in the period).
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
      today, whenever they were sent, and those escalated after missing it (issue 14: escalation stops the clock
      but not the platform's failure).

    Platform notices only: upstream notices to CDNs, hosts and registrars (issue 14) are not a platform's record,
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


def findings_for_user(user) -> QuerySet[Finding]:
    """Findings are for advocates only (platform staff never see a case)."""
    if is_advocate(user):
        return Finding.objects.exclude(case__state=CaseState.DRAFT).select_related("case")
    return Finding.objects.none()


def case_findings(case: Case, *, status: str | None = None) -> QuerySet[Finding]:
    qs = Finding.objects.filter(case=case).select_related("case").order_by("status", "-created_at", "-id")
    return qs.filter(status=status) if status else qs


def case_places_found(case: Case) -> int:
    """What the victim's page counts: places an advocate confirmed (unreviewed findings may be mistaken)."""
    return Finding.objects.filter(case=case, status=FindingStatus.CONFIRMED).count()


def watchlist_rows(user) -> list[dict]:
    """Each watched site with its latest crawl and that crawl's frontier counts (advocates only)."""
    if not is_advocate(user):
        return []
    sites = list(WatchedSite.objects.filter(active=True).order_by("name", "id"))
    rows = []
    for site in sites:
        run = site.runs.order_by("-started_at", "-id").first()
        queued = run.pages.filter(state="queued").count() if run else 0
        findings = site.images.filter(findings__isnull=False).distinct().count()
        rows.append({"site": site, "run": run, "queued": queued, "findings": findings})
    return rows

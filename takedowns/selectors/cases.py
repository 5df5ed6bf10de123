"""A case and its notices as the advocate's case page and the API show them."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from takedowns.models import (
    AccountAnswer,
    Case,
    ComputedOn,
    EscalationStep,
    Event,
    EventType,
    EvidenceBundle,
    ImageState,
    Notice,
    PlatformKind,
    ReferenceImage,
    ReportedLocation,
)
from takedowns.selectors.actions import notice_allowed_actions, notice_escalating
from takedowns.selectors.hosts import host_identities, upstream_targets


def case_dmca_status(case: Case) -> dict | None:
    """For a case whose person shown took the picture and asked for a DMCA notice alongside: the platforms whose
    notice got one (with the agent's address) and those that got none because the registry names no designated
    agent (17 U.S.C. 512(c)(2)), so the advocate sees why. None when no DMCA notice was asked for. Uses the
    prefetched notices of :func:`case_detail`."""
    attestations = case.attestations or {}
    if attestations.get("dmca_alongside") is not True:
        return None
    notices = [n for n in case.notices.all() if n.kind == "platform"]
    with_dmca = {n.alongside_id for n in notices if n.alongside_id}
    platform_notices = [n for n in notices if n.alongside_id is None]
    return {
        "sent_to": sorted({(n.platform.name, n.platform.dmca_agent_email) for n in notices if n.alongside_id}),
        "no_agent": sorted(
            {n.platform.name for n in platform_notices if n.pk not in with_dmca and not n.platform.dmca_agent_email}
        ),
        "owner_named": attestations.get("dmca_show_name") is True,
    }


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
        escalating = notice_escalating(notice)
        providers = []
        if escalating:
            prepared = {n.platform.slug: n for n in upstream_of.get(notice.pk, []) if n.status not in ("withdrawn",)}
            targets = upstream_targets(
                notice, {loc.host: identities[loc.host] for loc in notice.locations.all() if loc.host in identities}
            )
            providers = [{"target": t, "notice": prepared.get(t.slug)} for t in targets]
        pieces = (
            (upstream_pieces(content) if upstream else webform_pieces(content)) if notice.channel == "webform" else []
        )
        panels.append(
            {
                "notice": notice,
                "upstream": upstream,
                "completeness": check_completeness(content),
                "pieces": pieces,
                "actions": notice_allowed_actions(notice),
                "responses": responses.get(notice.pk, []),
                "steps": (steps := list(notice.escalation_steps.all())),
                "ladder_pending": any(step.state == "pending" for step in steps),
                # Once the platform has missed its clock or refused: the regulator's complaint and de-indexing, and
                # the providers serving the website, each with its upstream notice.
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


def case_timeline(case: Case) -> list[Event]:
    """Everything that happened on a case, oldest first, with who did it (one query)."""
    return list(
        case.events.select_related("actor_user", "notice__case", "notice__platform").order_by("created_at", "id")
    )


def case_bundles(case: Case) -> QuerySet[EvidenceBundle]:
    return case.bundles.order_by("-created_at", "-id")

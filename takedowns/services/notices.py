"""Notices: drafting one per (case, platform, round) over the case's locations on that platform."""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction

from takedowns.audit import event_record
from takedowns.lifecycle import OPEN_STATES
from takedowns.models import ActorKind, Case, CaseState, EventType, LocationState, Notice, Regime, ReportedLocation
from takedowns.notices import law
from takedowns.services.delivery import notices_send_ready
from takedowns.services.jobs import enqueue_on_commit
from takedowns.services.verification import locations_evidence_request


def _regimes_for(case: Case, platform) -> tuple[str, ...]:
    # The platform's law first (TIDA binds a covered platform whatever the victim's residence), then the
    # victim's own; see takedowns/notices/law.py.
    return law.notice_regimes(
        platform_regime=platform.regime or Regime.US,
        platform_regimes=platform.regimes or (),
        jurisdiction=case.jurisdiction or "",
    )


def _response_hours(regimes: tuple[str, ...], platform) -> int:
    # Statutory periods are the law's own; the registry may only shorten the clock (law.clock_hours).
    return law.clock_hours(
        regimes=regimes,
        tida_covered=platform.tida_covered,
        uk_in_force=settings.NOTICES_UK_48H_IN_FORCE,
        registry_hours=platform.response_hours,
        dsa_target_hours=settings.NOTICES_DSA_TARGET_HOURS,
    )


def _statutory_hours(regimes: tuple[str, ...], platform, *, channel: str, recipient: str) -> int | None:
    # Only a law's own period, only where it binds this recipient (docs/DECISIONS.md, "Two clocks").
    return law.statutory_deadline_hours(
        regimes=regimes,
        tida_covered=platform.tida_covered,
        uk_in_force=settings.NOTICES_UK_48H_IN_FORCE,
        tida_process=law.through_tida_process(
            tida_process=platform.tida_process,
            channel=channel,
            recipient=recipient,
            webform_url=platform.webform_url,
        ),
        service_type=platform.service_type,
    )


def notices_draft(*, case_id: int, actor_kind: str = ActorKind.SYSTEM) -> list[Notice]:
    """Draft the notices a case is missing. Idempotent: locations already covered by an open notice of their
    platform are attached to it; a second run creates nothing (and the unique constraint backs this up)."""
    created: list[Notice] = []
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case_id)
        if case.state != CaseState.OPEN:
            return created
        locations = (
            ReportedLocation.objects.filter(case=case, platform__isnull=False)
            .select_related("platform")
            .prefetch_related("notices")
        )
        by_platform: dict[int, list[ReportedLocation]] = {}
        for loc in locations:
            # Only platform notices cover a URL: an open upstream notice never stops the next round.
            if any(
                n.kind == "platform" and (n.status in OPEN_STATES or n.status == "removed") for n in loc.notices.all()
            ):
                continue
            if loc.state in (LocationState.REMOVED, LocationState.VERIFIED_REMOVED):
                continue  # a new round after a reappearance covers only what reappeared
            by_platform.setdefault(loc.platform_id, []).append(loc)
        for platform_id, locs in by_platform.items():
            platform = locs[0].platform
            notice = (
                Notice.objects.filter(
                    case=case, platform_id=platform_id, status="draft", kind="platform", alongside__isnull=True
                )
                .order_by("-round")
                .first()
            )
            if notice is None:
                last = Notice.objects.filter(case=case, platform_id=platform_id).order_by("-round").first()
                regimes = _regimes_for(case, platform)
                try:
                    with transaction.atomic():
                        notice = Notice.objects.create(
                            case=case,
                            platform=platform,
                            round=(last.round + 1) if last else 1,
                            regime=regimes[0],
                            regimes=list(regimes),
                            channel=platform.channel,
                            recipient=platform.contact_email,
                            response_hours=_response_hours(regimes, platform),
                            statutory_hours=_statutory_hours(
                                regimes, platform, channel=platform.channel, recipient=platform.contact_email
                            ),
                        )
                except IntegrityError:
                    continue
                created.append(notice)
                event_record(
                    type=EventType.NOTICE_DRAFTED,
                    actor_kind=actor_kind,
                    notice=notice,
                    data={
                        "platform": platform.slug,
                        "round": notice.round,
                        "regime": notice.regime,
                        "regimes": notice.regimes,
                    },
                )
            notice.locations.add(*locs)
            companion, new = _dmca_alongside_draft(case=case, notice=notice, actor_kind=actor_kind)
            if companion is not None and companion.status == "draft":
                companion.locations.add(*locs)
            if new:
                created.append(companion)
    return created


def dmca_alongside_wanted(case: Case) -> bool:
    """The person shown took the picture herself and asked for a DMCA notice alongside the platform notice,
    authorising the operator to sign it as her agent. Never for content made under 18: that is reported as
    apparent child sexual abuse material, not as a copyright claim."""
    attestations = case.attestations or {}
    return (
        attestations.get("self_taken") is True
        and attestations.get("dmca_alongside") is True
        and not case.is_minor_content
    )


def _dmca_alongside_draft(*, case: Case, notice: Notice, actor_kind: str) -> tuple[Notice | None, bool]:
    # One DMCA notice per platform notice, to the platform's designated agent (17 U.S.C. 512(c)(2)); a platform
    # without a known agent gets none (the case page says why, selectors.cases.dmca_alongside_rows).
    if notice.kind != "platform" or not dmca_alongside_wanted(case) or not notice.platform.dmca_agent_email:
        return None, False
    existing = notice.dmca_notices.first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            companion = Notice.objects.create(
                case=case,
                platform=notice.platform,
                round=notice.round,
                alongside=notice,
                regime=Regime.DMCA,
                regimes=[Regime.DMCA.value],
                channel="email",
                recipient=notice.platform.dmca_agent_email,
                # The DMCA sets no hours (512(c)(1)(C) "expeditiously"): the platform's registry time is the target.
                response_hours=notice.platform.response_hours,
            )
    except IntegrityError:
        return None, False
    event_record(
        type=EventType.NOTICE_DRAFTED,
        actor_kind=actor_kind,
        notice=companion,
        data={
            "platform": notice.platform.slug,
            "round": companion.round,
            "regime": companion.regime,
            "regimes": companion.regimes,
            "alongside": notice.reference,
        },
    )
    return companion, True


def notices_prepare(*, case_id: int) -> list[Notice]:
    """Everything a case needs after submission or new URLs: draft what is missing, then queue every complete
    e-mail notice unless the case waits for an advocate's review. Returns the newly drafted notices."""
    drafted = notices_draft(case_id=case_id)
    notices_send_ready(case_id=case_id)
    with transaction.atomic():
        locations_evidence_request(case_id=case_id)  # new URLs of a case whose references are hashed
    return drafted


def case_notices_prepare_enqueue(*, case: Case) -> None:
    enqueue_on_commit("takedowns.tasks.case_notices_prepare", case.pk)


class NoticeRouteError(ValueError):
    """The DMCA route was refused; the message says why, in words an advocate can act on."""


def notice_route_dmca(
    *,
    notice: Notice,
    copyrighted_work: str,
    attest_copyright_authority: bool,
    attest_accuracy: bool,
    actor_user=None,
) -> Notice:
    """Turn a draft notice into a DMCA 512(c)(3) notice, which an advocate chooses explicitly.

    A DMCA notice is a copyright claim, so it cites the DMCA alone; the advocate, as the owner's agent,
    attests accuracy and, under penalty of perjury, authority (512(c)(3)(A)(vi)). Never for content made when
    the person was under 18: that is apparent child sexual abuse material, not a copyright matter."""
    work = " ".join((copyrighted_work or "").split())
    with transaction.atomic():
        locked = Notice.objects.select_for_update().select_related("case", "platform").get(pk=notice.pk)
        case = locked.case
        if locked.status != "draft":
            raise NoticeRouteError("Only a draft notice can be changed to a DMCA notice.")
        if case.is_minor_content:
            raise NoticeRouteError(
                "This case concerns content made when the person was under 18: it is reported as apparent child "
                "sexual abuse material, never as a copyright claim."
            )
        if not locked.platform.dmca_agent_email:
            raise NoticeRouteError(
                f"{locked.platform.name} has no designated DMCA agent in the registry: a DMCA notice has legal "
                "effect only at that address (17 U.S.C. 512(c)(3)(A)). Add the agent from the Copyright Office's "
                "directory (dmca.copyright.gov) to the registry first."
            )
        if not work:
            raise NoticeRouteError("Describe the copyrighted work (the original photo or video and who made it).")
        if not (attest_copyright_authority and attest_accuracy):
            raise NoticeRouteError(
                "A DMCA notice needs both statements: that it is accurate, and, under penalty of perjury, that you "
                "are authorised to act for the copyright owner."
            )
        case.attestations = {
            **(case.attestations or {}),
            "copyrighted_work": work,
            "perjury": True,
            "dmca_attested_by": getattr(actor_user, "pk", None),
        }
        case.save(update_fields=["attestations", "updated_at"])
        locked.regime = Regime.DMCA
        locked.regimes = [Regime.DMCA.value]
        # The DMCA sets no hours (512(c)(1)(C) "expeditiously"): the platform's own registry time is the target.
        locked.response_hours = locked.platform.response_hours
        locked.statutory_hours = None  # 512(c)(1)(C) "expeditiously" is a safe-harbour condition, not a deadline
        # 512(c)(3)(A): to the designated agent, by e-mail, whatever channel the platform notice used.
        locked.channel = "email"
        locked.recipient = locked.platform.dmca_agent_email
        locked.save(
            update_fields=[
                "regime",
                "regimes",
                "response_hours",
                "statutory_hours",
                "channel",
                "recipient",
                "updated_at",
            ]
        )
        event_record(
            type=EventType.NOTICE_ROUTE_CHOSEN,
            actor_kind=ActorKind.ADVOCATE,
            actor_user=actor_user,
            notice=locked,
            data={"regime": Regime.DMCA.value},
        )
    return locked


class NoDraftNotice(NoticeRouteError):
    """The case has no draft notice to that platform, even after drafting what was missing."""


def case_notice_route_dmca(*, case: Case, platform_slug: str, actor_user=None, **statements) -> Notice:
    """The API's DMCA route for one platform: draft what the case is missing, then make the latest draft notice
    to that platform a DMCA notice (:func:`notice_route_dmca`, which ``statements`` are passed to)."""
    notices_draft(case_id=case.pk, actor_kind=ActorKind.ADVOCATE)
    notice = (
        case.notices.filter(platform__slug=platform_slug, status="draft", alongside__isnull=True)
        .order_by("-round")
        .first()
    )
    if notice is None:
        raise NoDraftNotice("This case has no draft notice to that platform.")
    return notice_route_dmca(notice=notice, actor_user=actor_user, **statements)


def case_notices_send_all(*, case: Case, actor_user) -> tuple[list[Notice], list[Notice]]:
    """An advocate's "send everything": draft what is missing, then queue every complete notice, their review
    counting as done. Returns (queued, held back), as :func:`notices_send_ready` does."""
    notices_draft(case_id=case.pk, actor_kind=ActorKind.ADVOCATE)
    return notices_send_ready(case_id=case.pk, actor_kind=ActorKind.ADVOCATE, actor_user=actor_user, force=True)

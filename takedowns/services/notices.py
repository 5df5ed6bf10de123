"""Notices: drafting one per (case, platform, round) over the case's locations on that platform."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from takedowns.audit import event_record
from takedowns.lifecycle import OPEN_STATES
from takedowns.models import ActorKind, Case, CaseState, EventType, LocationState, Notice, Regime, ReportedLocation
from takedowns.services.delivery import notices_send_ready
from takedowns.services.jobs import enqueue_on_commit
from takedowns.services.verification import locations_evidence_request


def _regime_for(case: Case, platform) -> str:
    # The victim's jurisdiction adds its regime; a US case follows the platform's registry regime.
    if case.jurisdiction and case.jurisdiction != Regime.US:
        return case.jurisdiction
    return platform.regime or Regime.US


def _response_hours(regime: str, platform) -> int:
    # Australia's eSafety scheme is a 24-hour trigger; otherwise the platform's registry hours apply.
    return 24 if regime == Regime.AU else platform.response_hours


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
            if any(n.status in OPEN_STATES or n.status == "removed" for n in loc.notices.all()):
                continue
            if loc.state in (LocationState.REMOVED, LocationState.VERIFIED_REMOVED):
                continue  # a new round after a reappearance covers only what reappeared
            by_platform.setdefault(loc.platform_id, []).append(loc)
        for platform_id, locs in by_platform.items():
            platform = locs[0].platform
            notice = (
                Notice.objects.filter(case=case, platform_id=platform_id, status="draft").order_by("-round").first()
            )
            if notice is None:
                last = Notice.objects.filter(case=case, platform_id=platform_id).order_by("-round").first()
                regime = _regime_for(case, platform)
                try:
                    with transaction.atomic():
                        notice = Notice.objects.create(
                            case=case,
                            platform=platform,
                            round=(last.round + 1) if last else 1,
                            regime=regime,
                            channel=platform.channel,
                            recipient=platform.contact_email,
                            response_hours=_response_hours(regime, platform),
                        )
                except IntegrityError:
                    continue
                created.append(notice)
                event_record(
                    type=EventType.NOTICE_DRAFTED,
                    actor_kind=actor_kind,
                    notice=notice,
                    data={"platform": platform.slug, "round": notice.round, "regime": notice.regime},
                )
            notice.locations.add(*locs)
    return created


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

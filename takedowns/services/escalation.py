"""Escalation of a platform notice that was ignored: upstream notices to those who serve the website,
and the ladder of steps that beat runs after the deadline.

Upstream notices are ``Notice`` rows of kind ``cdn`` / ``host`` / ``registrar`` addressed to a provider
``Platform`` row made from the host identification (takedowns/services/hosts.py), with ``escalates`` pointing to
the ignored notice: the lifecycle, the clock (``UPSTREAM_RESPONSE_HOURS``), e-mail delivery with the relay
Reply-To and the PDF, the signed response link, web-form records, reconcile and the clock board all apply
unchanged. What they say is in takedowns/notices/upstream.py.

The ladder (``settings.ESCALATION_PLAN``) is planned per platform notice when it is delivered (lifecycle.py) or,
for notices delivered before, at the ladder's first run; each step is an ``EscalationStep`` run once by
:func:`escalation_ladder_run` under a row lock (several workers, or beat and a manual run, never run a step twice),
writes an ``escalation.*`` event, and alerts the advocate through the notification outbox. An advocate can stop a
step (it then never runs); a verified removal or the notice's closing stops the rest (lifecycle.py); an
acknowledgement does not.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from takedowns.audit import event_record
from takedowns.lifecycle import can_transition, ladder_plan, notice_transition
from takedowns.models import (
    ActorKind,
    CaseState,
    Channel,
    EscalationStep,
    EventType,
    LadderStep,
    Notice,
    NoticeStatus,
    Platform,
    PlatformKind,
    Regime,
    StopReason,
)
from takedowns.notices import notice_content
from takedowns.notices.escalation import deindex_routes, regulator_routes
from takedowns.notices.upstream import EU_MEMBER_STATES
from takedowns.selectors import OPEN_LOCATION_STATES, Target, notice_identities, upstream_targets
from takedowns.services import delivery
from takedowns.services.jobs import enqueue_on_commit
from takedowns.services.notifications import notify

log = logging.getLogger(__name__)

IDENTIFY_TASK = "takedowns.tasks.host_identify"
RESEND_TASK = "takedowns.tasks.notice_resend"

# A platform notice in these statuses is still being escalated: an acknowledgement or a question is not a removal
# (docs/DECISIONS.md, "Acknowledgement is not removal"). A claimed removal holds the ladder until verification
# says whether the content is gone; any other status ends it.
LADDER_ACTIVE = frozenset(
    {
        NoticeStatus.SENT,
        NoticeStatus.ACKNOWLEDGED,
        NoticeStatus.INFO_REQUESTED,
        NoticeStatus.DISPUTED,
        NoticeStatus.ESCALATED,
    }
)
LADDER_HELD = frozenset({NoticeStatus.REMOVED})
# Statuses in which the platform still has the request in front of it: a reminder is worth sending.
REMINDABLE = frozenset({NoticeStatus.SENT, NoticeStatus.ACKNOWLEDGED})
# Statuses from which a platform notice may be escalated by hand (once overdue or refused).
ESCALATABLE = frozenset(
    {
        NoticeStatus.SENT,
        NoticeStatus.ACKNOWLEDGED,
        NoticeStatus.INFO_REQUESTED,
        NoticeStatus.DISPUTED,
        NoticeStatus.ESCALATED,
    }
)
# The upstream step waits this long for host lookups it asked for before drafting with what it has.
LOOKUP_WAIT = timedelta(minutes=30)

STEP_EVENTS = {
    LadderStep.REMINDER: EventType.ESCALATION_REMINDER,
    LadderStep.UPSTREAM: EventType.ESCALATION_UPSTREAM,
    LadderStep.DEINDEX: EventType.ESCALATION_DEINDEX,
    LadderStep.REGULATOR: EventType.ESCALATION_REGULATOR,
}


class EscalationError(ValueError):
    """An escalation action that cannot be done now; the message says why in words an advocate can act on."""


# --- providers and upstream notices ------------------------------------------------------------------------


def provider_platform(*, target: Target) -> Platform:
    """The provider's row, created from the host identification or updated with what it found since. Fields an
    operator set by hand (contact, web form, policy) are kept; an empty one is filled."""
    regime = Regime.EU if target.kind == PlatformKind.HOST and target.facts.get("country") in EU_MEMBER_STATES else ""
    platform, created = Platform.objects.get_or_create(
        slug=target.slug,
        defaults={
            "name": target.name[:120],
            "kind": target.kind,
            "domains": [],
            "channel": target.channel,
            "contact_email": target.email,
            "webform_url": target.webform_url,
            "regime": regime or Regime.US,
            "regimes": [regime] if regime else [],
            "tida_covered": False,  # TAKE IT DOWN Act §4(3): hosts, CDNs and registrars are not covered platforms
            "response_hours": settings.UPSTREAM_RESPONSE_HOURS,
            # Public registry facts only: never which hosts a case reported (a shared row outlives erasure).
            "provider_facts": dict(target.facts),
        },
    )
    if not created:
        changed = ["provider_facts", "regime", "regimes", "updated_at"]
        platform.provider_facts = {**(platform.provider_facts or {}), **target.facts}
        # Derived from the facts (where the network is), never set by hand: follows a new lookup.
        platform.regime, platform.regimes = (regime or Regime.US), ([regime] if regime else [])
        if not platform.contact_email and target.email:
            platform.contact_email, platform.channel = target.email, Channel.EMAIL
            changed += ["contact_email", "channel"]
        if not platform.webform_url and target.webform_url:
            platform.webform_url = target.webform_url
            changed.append("webform_url")
        platform.save(update_fields=changed)
    return platform


def _escalatable(notice: Notice, *, now: datetime) -> bool:
    return notice.status in ESCALATABLE and (
        notice.status in (NoticeStatus.DISPUTED, NoticeStatus.ESCALATED)
        or (notice.due_at is not None and notice.due_at < now)
    )


def upstream_notice_draft(
    *, notice: Notice, target: Target, actor_kind: str = ActorKind.SYSTEM, actor_user=None, now=None
) -> Notice:
    """Draft the upstream notice to ``target`` about ``notice`` (idempotent: an open one is returned)."""
    now = now or timezone.now()
    if notice.kind != PlatformKind.PLATFORM:
        raise EscalationError(_("Only a notice to a platform can be escalated to those who serve its website."))
    if not _escalatable(notice, now=now):
        raise EscalationError(
            _("The platform's deadline has not passed and it has not refused: an upstream notice can go once it has.")
        )
    with transaction.atomic():
        provider = provider_platform(target=target)
        existing = (
            Notice.objects.filter(escalates=notice, platform=provider)
            .exclude(status__in=(NoticeStatus.WITHDRAWN, NoticeStatus.CLOSED))
            .first()
        )
        if existing is not None:
            return existing
        last = Notice.objects.filter(case_id=notice.case_id, platform=provider).order_by("-round").first()
        eu = provider.regime == Regime.EU and target.kind == PlatformKind.HOST
        upstream = Notice.objects.create(
            case_id=notice.case_id,
            platform=provider,
            kind=target.kind,
            escalates=notice,
            round=(last.round + 1) if last else 1,
            regime=Regime.EU if eu else notice.regime,
            regimes=[Regime.EU.value] if eu else [],
            channel=provider.channel,
            recipient=provider.contact_email,
            response_hours=settings.UPSTREAM_RESPONSE_HOURS,
        )
        upstream.locations.add(*target.location_ids)
        event_record(
            type=EventType.NOTICE_DRAFTED,
            actor_kind=actor_kind,
            actor_user=actor_user,
            notice=upstream,
            data={
                "platform": provider.slug,
                "kind": target.kind,
                "escalates": notice.reference,
                "hosts": target.hosts,
            },
        )
    return upstream


def upstream_notice_prepare(*, notice: Notice, provider_slug: str, actor_user) -> Notice:
    """The advocate's "prepare a notice to this provider" on the case page."""
    target = next((t for t in upstream_targets(notice) if t.slug == provider_slug), None)
    if target is None:
        raise EscalationError(
            _("That provider no longer serves any of this notice's open URLs: look the website up again.")
        )
    return upstream_notice_draft(notice=notice, target=target, actor_kind=ActorKind.ADVOCATE, actor_user=actor_user)


# --- the ladder --------------------------------------------------------------------------------------------


def ladder_plan_missing(*, now: datetime | None = None) -> int:
    """Plan the ladder of delivered platform notices that have none (sent before this feature, or by a path that
    did not plan). Notices delivered more than ``ESCALATION_PLAN_MAX_AGE_DAYS`` ago are left alone."""
    now = now or timezone.now()
    steps = EscalationStep.objects.filter(notice=OuterRef("pk"))
    ids = list(
        Notice.objects.filter(
            kind=PlatformKind.PLATFORM,
            status__in=LADDER_ACTIVE,
            due_at__isnull=False,
            sent_at__gte=now - timedelta(days=settings.ESCALATION_PLAN_MAX_AGE_DAYS),
            case__state=CaseState.OPEN,
        )
        .exclude(Exists(steps))
        .values_list("pk", flat=True)[:1000]
    )
    planned = 0
    for pk in ids:
        with transaction.atomic():
            notice = Notice.objects.select_for_update().select_related("case").get(pk=pk)
            steps = ladder_plan(notice)
            if steps:
                planned += 1
                event_record(
                    type=EventType.ESCALATION_PLANNED,
                    actor_kind=ActorKind.SYSTEM,
                    notice=notice,
                    data={"ladder": [{"step": s.step, "planned_at": s.planned_at.isoformat()} for s in steps]},
                )
    return planned


def _stop_pending(notice: Notice, *, reason: str, now: datetime, event: bool = True) -> list[str]:
    pending = EscalationStep.objects.filter(notice=notice, done_at__isnull=True, stopped_at__isnull=True)
    steps = list(pending.values_list("step", flat=True))
    if steps:
        pending.update(stopped_at=now, stop_reason=reason)
        if event:
            event_record(
                type=EventType.ESCALATION_ENDED,
                actor_kind=ActorKind.SYSTEM,
                notice=notice,
                data={"stop_reason": reason, "reason": str(StopReason(reason).label), "steps": steps},
            )
    return steps


def _alert(notice: Notice, message: str) -> None:
    notify(notice=notice, kind="escalation", extra={"message": message}, victim=False)


def _step_reminder(step: EscalationStep, notice: Notice, now: datetime) -> dict | None:
    if notice.status not in REMINDABLE:
        return {"skipped": f"the notice is {notice.status}"}
    if notice.channel == Channel.EMAIL and notice.recipient:
        if notice.resend_requested_at is None:
            notice.resend_requested_at = now
            notice.resend_requested_by = None
            notice.save(update_fields=["resend_requested_at", "resend_requested_by", "updated_at"])
            enqueue_on_commit(RESEND_TASK, notice.pk)
        return {"channel": "email"}
    _alert(
        notice,
        _(
            "%(platform)s missed its deadline. It takes reports through its web form: submit the notice there "
            "again as a reminder and record any answer."
        )
        % {"platform": notice.platform.name},
    )
    return {"channel": "webform", "advocate_alerted": True}


def _step_upstream(step: EscalationStep, notice: Notice, now: datetime) -> dict | None:
    locations = [loc for loc in notice.locations.all() if loc.state in OPEN_LOCATION_STATES and loc.host]
    identities = notice_identities(notice)
    missing = [loc for loc in locations if loc.host not in identities]
    outcome = dict(step.outcome or {})
    if missing and not outcome.get("lookup_requested_at"):
        for loc in {loc.host: loc for loc in missing}.values():
            enqueue_on_commit(IDENTIFY_TASK, loc.pk)
        outcome["lookup_requested_at"] = now.isoformat()
        step.outcome = outcome
        step.save(update_fields=["outcome"])
        return None  # the next run drafts, with what the lookups found
    if missing and datetime.fromisoformat(outcome["lookup_requested_at"]) > now - LOOKUP_WAIT:
        return None
    drafted, queued = [], []
    for target in upstream_targets(notice, identities):
        upstream = upstream_notice_draft(notice=notice, target=target, now=now)
        drafted.append(upstream.reference)
        if (
            settings.ESCALATION_UPSTREAM_SEND
            and upstream.status == NoticeStatus.DRAFT
            and upstream.channel == Channel.EMAIL
            and upstream.recipient
        ):
            try:
                delivery.notice_queue(notice=upstream, actor_kind=ActorKind.SYSTEM)
                queued.append(upstream.reference)
            except (delivery.NoticeIncomplete, delivery.PermanentDeliveryError) as exc:
                log.warning("Upstream notice %s not queued: %s", upstream.reference, exc)
    if notice.status != NoticeStatus.ESCALATED and can_transition(notice.status, NoticeStatus.ESCALATED):
        notice_transition(
            notice=notice,
            to=NoticeStatus.ESCALATED,
            actor_kind=ActorKind.SYSTEM,
            data={"step": LadderStep.UPSTREAM.value},
        )
    if drafted:
        waiting = len(drafted) - len(queued)
        _alert(
            notice,
            _(
                "%(platform)s missed its deadline: %(n)s notice(s) to those who serve the website are ready "
                "(%(refs)s); %(waiting)s wait for you to send them from the case page."
            )
            % {"platform": notice.platform.name, "n": len(drafted), "refs": ", ".join(drafted), "waiting": waiting},
        )
    else:
        _alert(
            notice,
            _(
                "%(platform)s missed its deadline, and no CDN, host or registrar is known for its URLs: look the "
                "website up again from the case page."
            )
            % {"platform": notice.platform.name},
        )
    return {"notices": drafted, "queued": queued, "missing_hosts": sorted({loc.host for loc in missing})}


def _step_deindex(step: EscalationStep, notice: Notice, now: datetime) -> dict | None:
    routes = [route.key for route in deindex_routes(notice_content(notice, now=now))]
    _alert(
        notice,
        _("Search-engine requests for the URLs of %(ref)s are ready on the case page.") % {"ref": notice.reference},
    )
    return {"routes": routes}


def _step_regulator(step: EscalationStep, notice: Notice, now: datetime) -> dict | None:
    routes = [route.key for route in regulator_routes(notice_content(notice, now=now), now=now)]
    if routes:
        _alert(
            notice,
            _("The regulator complaint about %(platform)s (%(routes)s) is ready on the case page.")
            % {"platform": notice.platform.name, "routes": ", ".join(routes)},
        )
    else:
        _alert(
            notice,
            _("No regulator takes up %(platform)s's missed deadline under this notice's law.")
            % {"platform": notice.platform.name},
        )
    return {"routes": routes}


EXECUTORS = {
    LadderStep.REMINDER: _step_reminder,
    LadderStep.UPSTREAM: _step_upstream,
    LadderStep.DEINDEX: _step_deindex,
    LadderStep.REGULATOR: _step_regulator,
}


def escalation_step_run(*, step_id: int, now: datetime | None = None) -> EscalationStep | None:
    """Run one due step once. The step and its notice are locked, the state checked again: a step another worker
    finished, one an advocate stopped, or one whose notice was answered is left alone (or stopped)."""
    now = now or timezone.now()
    with transaction.atomic():
        step = EscalationStep.objects.select_for_update().filter(pk=step_id).first()
        if step is None or step.done_at or step.stopped_at or step.planned_at > now:
            return step
        notice = Notice.objects.select_for_update().select_related("case", "platform").get(pk=step.notice_id)
        if notice.case.state == CaseState.OPEN and notice.status in LADDER_HELD:
            return step  # the platform says it removed the content: run once verification has spoken
        if notice.case.state != CaseState.OPEN or notice.status not in LADDER_ACTIVE:
            _stop_pending(
                notice,
                reason=StopReason.CLOSED if notice.case.state != CaseState.OPEN else StopReason.ANSWERED,
                now=now,
            )
            step.refresh_from_db()
            return step
        if not notice.locations.filter(state__in=OPEN_LOCATION_STATES).exists():
            _stop_pending(notice, reason=StopReason.CONTENT_GONE, now=now)
            step.refresh_from_db()
            return step
        outcome = EXECUTORS[step.step](step, notice, now)
        if outcome is None:
            return step
        step.done_at = now
        step.outcome = {**(step.outcome or {}), **outcome}
        step.save(update_fields=["done_at", "outcome"])
        event_record(
            type=STEP_EVENTS[step.step],
            actor_kind=ActorKind.SYSTEM,
            notice=notice,
            data={"step": step.step, "planned_at": step.planned_at.isoformat(), **outcome},
        )
    return step


def escalation_ladder_run(*, now: datetime | None = None) -> dict[str, int]:
    """Beat's job: plan missing ladders, then run every due step (soonest first)."""
    now = now or timezone.now()
    planned = ladder_plan_missing(now=now)
    due = list(
        EscalationStep.objects.filter(done_at__isnull=True, stopped_at__isnull=True, planned_at__lte=now)
        .order_by("planned_at", "id")
        .values_list("pk", flat=True)[:500]
    )
    done = 0
    for pk in due:
        try:
            step = escalation_step_run(step_id=pk, now=now)
        except Exception:
            # One provider's trouble (a bad registry value) must not hold up every other notice's ladder.
            log.exception("Escalation step %s failed; it is tried again at the next run.", pk)
            continue
        done += bool(step is not None and step.done_at == now)
    return {"planned": planned, "due": len(due), "done": done}


def escalation_step_stop(*, step: EscalationStep, actor_user) -> EscalationStep:
    """The advocate stops one step: it never runs. A step already done or stopped is left as it is."""
    with transaction.atomic():
        locked = EscalationStep.objects.select_for_update().select_related("notice__case").get(pk=step.pk)
        if locked.done_at:
            raise EscalationError(_("This step has already run; it cannot be stopped."))
        if locked.stopped_at:
            return locked
        locked.stopped_at = timezone.now()
        locked.stopped_by = actor_user if getattr(actor_user, "is_authenticated", False) else None
        locked.stop_reason = StopReason.ADVOCATE
        locked.save(update_fields=["stopped_at", "stopped_by", "stop_reason"])
        event_record(
            type=EventType.ESCALATION_STOPPED,
            actor_kind=ActorKind.ADVOCATE,
            actor_user=actor_user,
            notice=locked.notice,
            data={"step": locked.step, "planned_at": locked.planned_at.isoformat()},
        )
    return locked


def escalation_ladder_stop(*, notice: Notice, actor_user) -> list[EscalationStep]:
    """The advocate stops every step not yet run."""
    stopped = []
    for step in EscalationStep.objects.filter(notice=notice, done_at__isnull=True, stopped_at__isnull=True):
        stopped.append(escalation_step_stop(step=step, actor_user=actor_user))
    if not stopped:
        raise EscalationError(_("No step of this notice's escalation is waiting to run."))
    return stopped

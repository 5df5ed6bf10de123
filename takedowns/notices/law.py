"""Which laws a notice cites and which clock it runs, decided from the recipient first.

Pure functions over plain values, so the decision table is testable without a database. Sources are in
``../shared/reference/notice-requirements.md`` and docs/NOTICES.md:

- The platform's law decides the regime, not only the victim's residence: the TAKE IT DOWN Act binds every
  "covered platform" (§4(3)) whatever country the requester lives in (nothing in §3 limits it to US
  residents). A platform serving the EU also receives a DSA Art. 16 notice. The victim's own UK or
  Australian law is added where they said they live there.
- Two clocks: the statutory deadline (only where a law binds this recipient for this victim) and the follow-up
  point (the operator's own rhythm); docs/DECISIONS.md, "Two clocks".
- Statutory periods are the law's own: TIDA 48 h (§3(a)(3)), only for a request made through the platform's own
  process (§3(a)(1)(A)(ii)); the UK's 48 h duty (Online Safety Act 2023 s.10(3A), added by the Crime and Policing
  Act 2026) for user-to-user services, while ``NOTICES_UK_48H_IN_FORCE`` says it is in force. A registry's
  ``response_hours`` may shorten the portal's clock (a platform's own faster promise), never lengthen a
  legal period. The DSA has no fixed hours ("timely", Art. 16(6)): a target. Australia's 24 h is eSafety's
  compliance period for its own removal notices (Online Safety Act 2021 (Cth) s.77), used only as the
  portal's escalation trigger.
"""

from __future__ import annotations

from collections.abc import Sequence

from takedowns.models import Regime

# TAKE IT DOWN Act §3(a)(3): "as soon as possible, but not later than 48 hours after receiving" a request.
TIDA_HOURS = 48
# Online Safety Act 2023 s.10(3A) (added by the Crime and Policing Act 2026): within 48 hours of a report.
UK_HOURS = 48
# Online Safety Act 2021 (Cth) s.77: eSafety's removal notices give 24 hours; our escalation trigger only.
AU_ESCALATION_HOURS = 24

ORDER = (Regime.US, Regime.EU, Regime.UK, Regime.AU)


def notice_regimes(
    *,
    platform_regime: str,
    platform_regimes: Sequence[str] = (),
    jurisdiction: str = "",
    dmca: bool = False,
) -> tuple[str, ...]:
    """Every regime a notice to this platform cites, the platform's own regime (whose clock runs) first.

    A DMCA notice is a copyright claim chosen explicitly by an advocate: it cites the DMCA alone (no NCII
    framing, no other regime). The victim's jurisdiction adds UK or AU always; it adds EU only where the
    registry lists EU for the platform or says nothing (a search engine or CDN is no DSA "hosting service",
    Art. 16(1))."""
    if dmca:
        return (Regime.DMCA.value,)
    listed = [code for code in platform_regimes if code in ORDER] or [platform_regime or Regime.US]
    chosen: list[str] = [platform_regime or Regime.US]
    for code in listed:
        if code not in chosen:
            chosen.append(code)
    eu_allowed = not platform_regimes or Regime.EU in platform_regimes
    if jurisdiction and jurisdiction not in chosen and (jurisdiction != Regime.EU or eu_allowed):
        chosen.append(jurisdiction)
    return tuple(str(c) for c in chosen)


def through_tida_process(*, tida_process: str, channel: str, recipient: str, webform_url: str) -> bool:
    """Whether a notice goes through the platform's own TAKE IT DOWN Act process (§3(a)(1)(A)(ii)), the only way
    a request starts the §3(a)(3) 48 hours: the registry names the process (an https address or an e-mail
    address) and the notice is sent to exactly that address."""
    process = (tida_process or "").strip()
    if not process:
        return False
    if "://" in process:
        return channel == "webform" and (webform_url or "").strip().rstrip("/") == process.rstrip("/")
    return channel == "email" and (recipient or "").strip().lower() == process.lower()


def statutory_hours(
    regime: str,
    *,
    tida_covered: bool | None,
    uk_in_force: bool,
    tida_process: bool = True,
    service_type: str = "user_to_user",
) -> int | None:
    """The period a law itself sets for this recipient, or None where it sets none (or may not bind it)."""
    if regime == Regime.US:
        # Only a covered platform (§4(3)) has the §3(a)(3) duty; "unknown" is not enough to claim it. And the 48
        # hours run from a request "under the process described in paragraph (1)(A)(ii)": a request sent to
        # another address is no such request.
        return TIDA_HOURS if tida_covered is True and tida_process else None
    if regime == Regime.UK:
        # Online Safety Act 2023 s.10(3A) sits in s.10, the duties of user-to-user services; search services have
        # their own duty, so the 48 hours are claimed only where the registry says user-to-user.
        return UK_HOURS if uk_in_force and service_type == "user_to_user" else None
    return None


def statutory_deadline_hours(
    *,
    regimes: Sequence[str],
    tida_covered: bool | None,
    uk_in_force: bool,
    tida_process: bool,
    service_type: str,
) -> int | None:
    """The shortest period that a law itself sets for this recipient, or None: the notice's statutory deadline,
    the only date called a deadline or used to say that a law was broken (docs/DECISIONS.md, "Two clocks")."""
    periods = [
        hours
        for code in regimes
        if (
            hours := statutory_hours(
                code,
                tida_covered=tida_covered,
                uk_in_force=uk_in_force,
                tida_process=tida_process,
                service_type=service_type,
            )
        )
        is not None
    ]
    return min(periods) if periods else None


def clock_hours(
    *,
    regimes: Sequence[str],
    tida_covered: bool | None,
    uk_in_force: bool,
    registry_hours: int,
    dsa_target_hours: int,
) -> int:
    """The hours of the follow-up point (``due_at``): the shortest of the periods the law sets for a covered
    platform (asked for even where the request cannot start the statutory clock), the platform's own (registry)
    promise, the DSA target and the Australian escalation trigger. A registry entry longer than a statutory period
    is ignored, so the notice never states two periods. The statutory deadline is
    :func:`statutory_deadline_hours`."""
    candidates = [registry_hours]
    for code in regimes:
        hours = statutory_hours(code, tida_covered=tida_covered, uk_in_force=uk_in_force)
        if hours is not None:
            candidates.append(hours)
        elif code == Regime.EU:
            candidates.append(dsa_target_hours)
        elif code == Regime.AU:
            candidates.append(AU_ESCALATION_HOURS)
    return max(1, min(candidates))

"""Which laws a notice cites and which clock it runs, decided from the recipient first (issue 10).

Pure functions over plain values, so the decision table is testable without a database. Sources are in
``../shared/reference/notice-requirements.md`` and docs/NOTICES.md:

- The platform's law decides the regime, not only the victim's residence: the TAKE IT DOWN Act binds every
  "covered platform" (§4(3)) whatever country the requester lives in (nothing in §3 limits it to US
  residents). A platform serving the EU also receives a DSA Art. 16 notice. The victim's own UK or
  Australian law is added where they said they live there.
- Statutory periods are the law's own: TIDA 48 h (§3(a)(3)); the UK's 48 h duty (Online Safety Act 2023
  s.10(3A), Crime and Policing Bill) only once ``NOTICES_UK_48H_IN_FORCE`` says it has commenced. A registry's
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
# Online Safety Act 2023 s.10(3A) (added by the Crime and Policing Bill, 2026): within 48 hours of a report.
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


def statutory_hours(regime: str, *, tida_covered: bool | None, uk_in_force: bool) -> int | None:
    """The period a law itself sets for this recipient, or None where it sets none (or may not bind it)."""
    if regime == Regime.US:
        # Only a covered platform (§4(3)) has the §3(a)(3) duty; "unknown" is not enough to claim it.
        return TIDA_HOURS if tida_covered is True else None
    if regime == Regime.UK:
        return UK_HOURS if uk_in_force else None
    return None


def clock_hours(
    *,
    regimes: Sequence[str],
    tida_covered: bool | None,
    uk_in_force: bool,
    registry_hours: int,
    dsa_target_hours: int,
) -> int:
    """The hours of the portal's clock: the shortest of the statutory periods that bind the recipient, the
    platform's own (registry) promise, the DSA target and the Australian escalation trigger. A registry entry
    longer than a statutory period is ignored for the clock, so the notice never states two periods."""
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

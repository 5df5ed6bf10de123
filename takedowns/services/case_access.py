"""The victim's way back into their case: reference and access code, with limits on wrong codes.

Wrong codes are limited per case and per client address (a cache-based limiter shared by every web process,
DESIGN.md §8). A stranger must not be able to lock the rightful victim out, so the lock is per (case, address);
one address trying many cases is limited too. Above a much higher ceiling per case (many addresses guessing
together), each address gets a few tries per window: guessing slows to a crawl, while the victim, from their
own connection, still gets in — with room for a typo or two, since a stranger can keep a case over its ceiling
for hours. Nothing an attacker does can use up the victim's tries. An "address" is an IPv4 address or an IPv6
/64 (takedowns.addresses.rate_limit_subject): one IPv6 user holds a whole /64."""

from __future__ import annotations

from dataclasses import dataclass

from takedowns.models import Case
from takedowns.services.cases import case_for_access_code, reference_normalise
from takedowns.services.throttle import throttle_hit, throttle_reset

CODE_LIMIT = 5  # per (case, address) per CODE_WINDOW
BUSY_CASE_CODE_LIMIT = 3  # the same, while the case is over its ceiling
ADDRESS_LIMIT = 20  # per address, across cases, per CODE_WINDOW
CODE_WINDOW = 15 * 60
CASE_CEILING = 50  # per case, from every address together, per CASE_WINDOW
CASE_WINDOW = 60 * 60


@dataclass(frozen=True)
class SignIn:
    """What a sign-in attempt came to: the case when the code matched; ``refused`` says why the code was not
    even checked ("locked": too many wrong codes from here; "slowed": the case is being guessed at from many
    addresses, a few tries per window)."""

    case: Case | None = None
    refused: str = ""


def case_sign_in(*, reference: str, code: str, address: str) -> SignIn:
    reference = reference_normalise(reference)
    pair_key = f"access-code:pair:{reference}:{address}"
    # Count first, then decide on the counts: parallel guesses cannot all slip under a limit.
    case_busy = not throttle_hit(f"access-code:case:{reference}", CASE_CEILING, CASE_WINDOW)
    within_pair = throttle_hit(pair_key, BUSY_CASE_CODE_LIMIT if case_busy else CODE_LIMIT, CODE_WINDOW)
    within_address = throttle_hit(f"access-code:ip:{address}", ADDRESS_LIMIT, CODE_WINDOW)
    if not (within_pair and within_address):
        return SignIn(refused="slowed" if case_busy and within_address else "locked")
    case = case_for_access_code(reference=reference, code=code)
    if case is not None:
        throttle_reset(pair_key, CODE_WINDOW)
    return SignIn(case=case)

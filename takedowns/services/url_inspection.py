"""One check of one URL: fetch it through :mod:`takedowns.fetch` and say what it serves compared with a case's
reference fingerprints (:class:`Finding`). No database: takedowns.services.verification decides when to check,
records the evidence and moves the location's state; it re-exports :func:`inspect_url` and :class:`Finding`.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import hashing
from takedowns import fetch
from takedowns.services.crawl_budget import CaseFetchBudget
from takedowns.services.page_images import page_image_urls

# One location's check (page plus its images) must fit well inside the task's soft time limit.
CHECK_BUDGET_SECONDS = 150.0
LIMITS = hashing.Limits(max_bytes=fetch.DEFAULT_MAX_BYTES)

# Paths that a platform redirects a removed post to: a login wall or a "this content is unavailable" page.
_GONE_PATH = re.compile(
    r"(^|/)(login|log-in|signin|sign-in|sign_in|accounts/login|auth|session|removed|deleted|unavailable|"
    r"not[-_]?found|404|gone|suspended|content[-_]?removed|takedown)(/|$|\.|\?)",
    re.IGNORECASE,
)


@dataclass
class Finding:
    outcome: str  # "match" | "no_match" | "gone" | "error"
    reason: str = ""
    http_status: int | None = None
    final_url: str = ""
    content_type: str = ""
    images_checked: int = 0
    match: hashing.MatchResult | None = None
    matched_url: str = ""
    error_code: str = ""
    transient: bool = False
    images_failed: int = 0  # page images that could not be fetched or read


def _get(url: str, deadline: float, resolver) -> fetch.Response:
    left = deadline - time.monotonic()
    if left <= 1:
        raise fetch.FetchTimeout("The time for this check ran out.")
    return fetch.request(
        "GET",
        url,
        headers={"Accept": "image/*,text/html;q=0.9,*/*;q=0.5"},
        total_timeout=min(fetch.DEFAULT_TOTAL_TIMEOUT, left),
        resolver=resolver,
    )


def _hash(data: bytes) -> hashing.ImageHashes:
    return hashing.compute(data, limits=LIMITS, unwrap=True)


def _match(matcher: hashing.Matcher, data: bytes) -> hashing.MatchResult:
    """The cheap hash stages first; a picture they do not match is described by its keypoints and compared
    again, so a cropped or turned re-upload is recognised as the matcher recognises it offline."""
    result = matcher.match(_hash(data))
    if result.match or not matcher.rule.use_keypoints:
        return result
    return matcher.match(hashing.compute_candidate(data, limits=LIMITS))


def _better(a: hashing.MatchResult | None, b: hashing.MatchResult) -> bool:
    if a is None or (b.match and not a.match):
        return True
    if a.match != b.match:
        return False
    return b.distances.get("pdq", 256) < a.distances.get("pdq", 256)


def _status_settles(page: fetch.Response, finding: Finding) -> bool:
    """Fill ``finding`` when the page's HTTP status (or where it redirected to) already says what is there:
    gone, a transient server error, or no answer worth reading. False: the body must be looked at."""
    if page.status in (404, 410, 451):
        finding.outcome, finding.reason = "gone", f"the address answers HTTP {page.status}"
        return True
    if page.status >= 500 or page.status == 429:
        finding.reason, finding.error_code, finding.transient = f"the server answered HTTP {page.status}", "http", True
        return True
    if page.redirects and _GONE_PATH.search(urlsplit(page.url).path or "/"):
        finding.outcome = "gone"
        finding.reason = "the address now redirects to a login or removal page"
        return True
    if not 200 <= page.status < 300:
        finding.reason, finding.error_code = f"the server answered HTTP {page.status}", "http"
        return True
    return False


def _inspect_image(page: fetch.Response, matcher: hashing.Matcher, finding: Finding) -> Finding:
    """The address serves an image: hash it and compare it with the references."""
    try:
        result = _match(matcher, page.body)
    except hashing.HashingError as exc:
        finding.reason, finding.error_code = f"the image could not be read ({exc.message})", exc.code
        return finding
    finding.images_checked = 1
    finding.match, finding.matched_url = result, page.url
    finding.outcome = "match" if result.match else "no_match"
    return finding


def _inspect_page_images(
    page: fetch.Response,
    matcher: hashing.Matcher,
    finding: Finding,
    *,
    deadline: float,
    resolver,
    allowance: CaseFetchBudget | None,
    stop_at_match: bool,
) -> Finding:
    """The address serves a web page: fetch the pictures it shows and keep the best comparison."""
    sources = page_image_urls(page.body, page.url)
    failed_transient = 0
    best: hashing.MatchResult | None = None
    for src in sources:
        if allowance is not None and not allowance.allow_image(page_url=page.url, image_url=src):
            continue  # that host's share for this case (or the case's bytes for today) is spent
        try:
            got = _get(src, deadline, resolver)
        except fetch.FetchError as exc:
            failed_transient += exc.transient
            finding.images_failed += 1
            continue
        if allowance is not None:
            allowance.spend(len(got.body))
        if got.status >= 500 or got.status == 429:
            failed_transient += 1
            finding.images_failed += 1
            continue
        if not (200 <= got.status < 300 and got.is_image):
            continue
        try:
            result = _match(matcher, got.body)
        except hashing.HashingError:
            finding.images_failed += 1
            continue
        finding.images_checked += 1
        if _better(best, result):
            best = result
            finding.matched_url = got.url if result.match else ""
        if result.match and stop_at_match:
            break
    finding.match = best
    if best is not None and best.match:
        finding.outcome = "match"
    elif failed_transient:
        finding.reason = f"{failed_transient} of the page's images could not be fetched"
        finding.error_code, finding.transient = "network", True
    else:
        finding.outcome = "no_match"
        if not finding.images_checked:
            finding.reason = "the page shows no image that could be checked"
    return finding


def inspect_url(
    url: str,
    matcher: hashing.Matcher,
    *,
    stop_at_match: bool = False,
    resolver=None,
    budget: float | None = None,
    allowance: CaseFetchBudget | None = None,
) -> Finding:
    """Fetch ``url`` and say what it serves compared with the references. Raises nothing: transient trouble
    is a ``Finding`` with ``transient=True``. ``allowance``: the case's fetch budget (images on other hosts
    per host, bytes per day), so a case cannot aim the checker at a third party."""
    deadline = time.monotonic() + (budget or CHECK_BUDGET_SECONDS)
    if allowance is not None and allowance.exhausted():
        return Finding(
            "error", "this case's download allowance for today is used up", error_code="budget", transient=True
        )
    try:
        page = _get(url, deadline, resolver)
    except fetch.FetchError as exc:
        return Finding("error", exc.message, error_code=exc.code, transient=exc.transient)
    if allowance is not None:
        allowance.spend(len(page.body))
    finding = Finding("error", http_status=page.status, final_url=page.url, content_type=page.sniffed_type)
    if _status_settles(page, finding):
        return finding
    if page.is_image:
        return _inspect_image(page, matcher, finding)
    if not page.is_html:
        finding.reason = f"the address serves neither an image nor a web page ({page.sniffed_type})"
        finding.error_code = "unsupported"
        return finding
    return _inspect_page_images(
        page, matcher, finding, deadline=deadline, resolver=resolver, allowance=allowance, stop_at_match=stop_at_match
    )

"""Discovery (issue 15): crawl the sites advocates watch and find each open case's images there.

The watchlist is a set of ``WatchedSite`` rows with crawl rules. A crawl is a ``CrawlRun`` whose frontier
(``CrawlPage``) lives in the database: a step claims pages one at a time (``SKIP LOCKED``, so several workers
can share a run), marks each ``fetching`` *before* it goes out and ``done`` after, so a worker killed mid-run
leaves a frontier the next step continues from, and a page is fetched at most once in a run (a page claimed
by a worker that died is recorded as interrupted, never fetched again in that run).

Every request goes through :mod:`takedowns.fetch` (the one way out, SSRF-screened), obeys robots.txt (Protego;
an operator may switch that off per site, with a recorded reason) and waits its turn per host
(``requests_per_second``, or robots.txt's Crawl-delay when that is slower; the turn is kept in the shared
cache, so two workers on one host still take turns).

Images are fetched and hashed in the same ``io`` task, as verification does: the bytes must not be stored or
sent through the broker, and the hash stages cost ~25 ms an image against ~1 s of politeness per request.
Only the image URL, the page URL, the fingerprints and when they were seen are kept (``CrawledImage``).

Matching runs on the ``hashing`` queue: every newly crawled image against the references of every open case,
and every newly hashed reference against all stored crawled images. Both go through one vectorised radius
search over the PDQ hashes of all variants (``hashing.index.item_pairs``; FAISS or NumPy) at the loosest PDQ
distance the match rule can accept; only the few pairs that pass are decided by ``hashing.Matcher`` with the
full rule (the hash stages; keypoints are not used here, as in verification). The cost is one scan of the
hash matrix, near-linear in crawled images.
"""

from __future__ import annotations

import hashlib
import html
import logging
import re
import time
from collections import defaultdict
from collections.abc import Iterable
from contextlib import ExitStack
from datetime import datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

import numpy as np
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from protego import Protego

import hashing
from hashing.index import hex_to_words, item_pairs
from takedowns import fetch
from takedowns.audit import event_record
from takedowns.models import (
    ActorKind,
    Case,
    CaseState,
    CrawledImage,
    CrawlPage,
    CrawlRun,
    CrawlState,
    EventType,
    Finding,
    FindingStatus,
    ImageState,
    PageState,
    ReferenceImage,
    WatchedSite,
)
from takedowns.services.cases import CaseClosedError, locations_add
from takedowns.services.crawl_budget import crawl_image_allowed, on_site
from takedowns.services.jobs import enqueue_on_commit, held_while_alive
from takedowns.services.notices import case_notices_prepare_enqueue
from takedowns.services.verification import LIMITS, page_image_urls
from takedowns.services.workbench import blurred_preview
from takedowns.urlnorm import UrlError

log = logging.getLogger(__name__)

STEP_TASK = "takedowns.tasks.crawl_step"
MATCH_TASK = "takedowns.tasks.crawled_images_match"
ROBOTS_AGENT = "RecourseVerifier"
MAX_PAGE_BYTES = 5 * 1024 * 1024
# Images taken from one page. With the slowest allowed pace (MIN_RPS) a page and its images take at most
# ~(1 + 50) × 10 s, which with the step budget stays inside the crawl task's soft time limit (900 s).
MAX_IMAGES_PER_PAGE = 50
MIN_RPS, MAX_RPS = 0.1, 20.0
MAX_START_URLS = 50
# A step works this long, then hands the rest of the run to a fresh task (inside the task's time limit).
STEP_BUDGET_SECONDS = 120.0
# A run whose steps stopped this long ago lost its worker and its task (a redelivered step carries on at once):
# beat enqueues a step again. Longer than the crawl task's hard time limit (16 min), so a live step is never
# doubled; its pages are safe anyway (a page is given up only when its step's liveness lock is free).
ORPHANED_AFTER = timedelta(minutes=20)
# The screen's radius: the loosest PDQ distance at which the hash rule can accept a pair (pHash ≤ 8 with
# PDQ ≤ 72), widened to 80 so that crops and framed photos the hash rule narrowly misses reach the keypoint
# stage. Unrelated generated photos were ≥ 96 apart on any variant pair (tests/utils.serve_gallery), and
# different faces ≥ 82 (reference/hashing-measurements.md), so the screen stays near-empty for them.
SCREEN_RADIUS = 80
# The full rule, keypoints included: they run only for candidates that carry keypoints, which the crawl
# computes only for images the screen flags against a reference or whose app frame was detected.
KEYPOINT_RULE = hashing.MatchRule()
MATCH_BATCH = 20_000


class WatchlistInputError(ValueError):
    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


# --- the watchlist -----------------------------------------------------------------------------------------

EDITABLE = (
    "name",
    "start_urls",
    "sitemap_url",
    "follow_patterns",
    "max_pages",
    "max_depth",
    "requests_per_second",
    "recrawl_hours",
    "obey_robots",
    "robots_override_reason",
)


def _clean(values: dict, current: WatchedSite | None) -> dict:
    errors: dict[str, list[str]] = {}
    out = dict(values)
    if "start_urls" in out:
        urls = out["start_urls"]
        if not isinstance(urls, list) or not urls:
            errors["start_urls"] = ["Give at least one start URL (a list of http or https addresses)."]
        elif len(urls) > MAX_START_URLS:
            errors["start_urls"] = [f"At most {MAX_START_URLS} start URLs."]
        else:
            clean = []
            for raw in urls:
                url = urldefrag(str(raw).strip())[0]
                try:
                    fetch.check_url(url)
                except fetch.FetchError as exc:
                    errors.setdefault("start_urls", []).append(f"{raw}: {exc.message}")
                    continue
                clean.append(url)
            out["start_urls"] = list(dict.fromkeys(clean))
    rps = out.get("requests_per_second")
    if rps is not None and not (MIN_RPS <= float(rps) <= MAX_RPS):
        errors["requests_per_second"] = [f"Between {MIN_RPS} and {MAX_RPS:g} requests per second per host."]
    if out.get("sitemap_url"):
        try:
            fetch.check_url(out["sitemap_url"])
        except fetch.FetchError as exc:
            errors["sitemap_url"] = [exc.message]
    for pattern in out.get("follow_patterns") or []:
        try:
            re.compile(pattern)
        except (re.error, TypeError) as exc:
            errors.setdefault("follow_patterns", []).append(f"{pattern!r} is not a regular expression ({exc}).")
    obey = out.get("obey_robots", current.obey_robots if current else True)
    reason = (out.get("robots_override_reason", current.robots_override_reason if current else "") or "").strip()
    if not obey and len(reason) < 10:
        errors["robots_override_reason"] = [
            "Ignoring robots.txt needs a recorded reason (at least a sentence): why this site may be crawled "
            "against its owner's wishes."
        ]
    if "robots_override_reason" in out or not obey:
        out["robots_override_reason"] = reason if not obey else ""
    if errors:
        raise WatchlistInputError(errors)
    return out


def watched_site_create(*, fields: dict, actor_user=None, now: datetime | None = None) -> WatchedSite:
    values = _clean({k: v for k, v in fields.items() if k in EDITABLE}, None)
    with transaction.atomic():
        site = WatchedSite.objects.create(**values, created_by=actor_user, next_crawl_at=now or timezone.now())
        event_record(
            type=EventType.WATCHLIST_SITE_ADDED,
            actor_kind=ActorKind.ADVOCATE,
            actor_user=actor_user,
            data={"site_id": site.pk, "name": site.name, "obey_robots": site.obey_robots},
        )
    return site


def watched_site_update(*, site: WatchedSite, fields: dict, actor_user=None) -> WatchedSite:
    values = _clean({k: v for k, v in fields.items() if k in EDITABLE}, site)
    with transaction.atomic():
        site = WatchedSite.objects.select_for_update().get(pk=site.pk)
        changed = {k: v for k, v in values.items() if getattr(site, k) != v}
        for key, value in changed.items():
            setattr(site, key, value)
        if changed:
            site.save(update_fields=[*changed, "updated_at"])
            data = {"site_id": site.pk, "changed": sorted(changed)}
            if "obey_robots" in changed or "robots_override_reason" in changed:
                data |= {"obey_robots": site.obey_robots, "robots_override_reason": site.robots_override_reason}
            event_record(
                type=EventType.WATCHLIST_SITE_CHANGED, actor_kind=ActorKind.ADVOCATE, actor_user=actor_user, data=data
            )
    return site


def watched_site_remove(*, site: WatchedSite, actor_user=None) -> None:
    """Stop watching a site. The row stays (inactive) so that findings keep the site they came from."""
    with transaction.atomic():
        WatchedSite.objects.filter(pk=site.pk).update(active=False, next_crawl_at=None)
        CrawlRun.objects.filter(site=site, state=CrawlState.RUNNING).update(
            state=CrawlState.FAILED, finished_at=timezone.now(), error="The site was removed from the watchlist."
        )
        event_record(
            type=EventType.WATCHLIST_SITE_REMOVED,
            actor_kind=ActorKind.ADVOCATE,
            actor_user=actor_user,
            data={"site_id": site.pk, "name": site.name},
        )


# --- crawling ----------------------------------------------------------------------------------------------


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []
        self.base = ""

    def handle_starttag(self, tag, attrs):
        a = {k.lower(): (v or "").strip() for k, v in attrs}
        if tag == "a" and a.get("href") and "nofollow" not in a.get("rel", "").lower():
            self.hrefs.append(a["href"])
        elif tag == "base" and a.get("href") and not self.base:
            self.base = a["href"]


def page_links(body: bytes, page_url: str) -> list[str]:
    parser = _Links()
    try:
        parser.feed(body.decode("utf-8", errors="replace"))
        parser.close()
    except Exception:
        log.debug("HTML parse stopped early for %s", page_url)
    base = urljoin(page_url, parser.base) if parser.base else page_url
    out = []
    for href in parser.hrefs:
        url = urldefrag(urljoin(base, href))[0]
        if urlsplit(url).scheme in ("http", "https"):
            out.append(url)
    return list(dict.fromkeys(out))


_LOC = re.compile(rb"<loc>\s*([^<\s]+)\s*</loc>", re.IGNORECASE)


def _enqueue_pages(run: CrawlRun, urls: Iterable[str], depth: int) -> int:
    """Add URLs to the frontier, up to the site's page limit; a URL already in this run is not added again."""
    with transaction.atomic():
        run = CrawlRun.objects.select_for_update().select_related("site").get(pk=run.pk)
        room = run.site.max_pages - run.pages.count()
        if room <= 0:
            return 0
        known = set()
        rows = []
        for url in urls:
            sha = _sha(url)
            if sha in known:
                continue
            known.add(sha)
            rows.append(CrawlPage(run=run, url=url, url_sha=sha, depth=depth))
        existing = set(
            CrawlPage.objects.filter(run=run, url_sha__in=[r.url_sha for r in rows]).values_list("url_sha", flat=True)
        )
        rows = [r for r in rows if r.url_sha not in existing][:room]
        CrawlPage.objects.bulk_create(rows, ignore_conflicts=True)
        return len(rows)


def crawl_start(*, site: WatchedSite, now: datetime | None = None, enqueue: bool = True) -> CrawlRun:
    """Start a run of ``site`` (or return the one already running) and enqueue its first step (unless the
    caller crawls in its own process)."""
    now = now or timezone.now()
    running = CrawlRun.objects.filter(site=site, state=CrawlState.RUNNING).first()
    if running is not None:
        return running
    try:
        with transaction.atomic():
            run = CrawlRun.objects.create(site=site, started_at=now, touched_at=now)
            WatchedSite.objects.filter(pk=site.pk).update(next_crawl_at=now + timedelta(hours=site.recrawl_hours))
            event_record(
                type=EventType.CRAWL_STARTED, actor_kind=ActorKind.SYSTEM, data={"site_id": site.pk, "run_id": run.pk}
            )
    except IntegrityError:  # another process started one at the same moment
        return CrawlRun.objects.get(site=site, state=CrawlState.RUNNING)
    _enqueue_pages(run, [*site.start_urls, *([site.sitemap_url] if site.sitemap_url else [])], 0)
    if enqueue:
        with transaction.atomic():
            enqueue_on_commit(STEP_TASK, run.pk)
    return run


def _wait_turn(host: str, interval: float) -> None:
    """Take this host's next request slot (shared cache: every worker sees the same turn)."""
    key = f"recourse:crawl:next:{host}"
    while True:
        with _cache_lock(f"recourse:crawl:lock:{host}") as taken:
            if taken:
                now = time.time()
                due = cache.get(key) or 0.0
                if now >= due:
                    cache.set(key, now + interval, timeout=int(interval) + 60)
                    return
                wait = due - now
            else:
                wait = 0.05
        time.sleep(min(max(wait, 0.01), 5.0))


class _cache_lock:
    def __init__(self, key: str) -> None:
        self.key = key

    def __enter__(self) -> bool:
        self.taken = cache.add(self.key, "1", 10)
        return self.taken

    def __exit__(self, *exc) -> None:
        if self.taken:
            cache.delete(self.key)


class _Crawler:
    """One step's view of a run: robots rules and pacing per host."""

    def __init__(self, run: CrawlRun, *, resolver=None) -> None:
        self.run = run
        self.site = run.site
        self.resolver = resolver
        self.hosts = {urlsplit(u).netloc.lower() for u in [*self.site.start_urls, self.site.sitemap_url] if u}
        self.patterns = [re.compile(p) for p in self.site.follow_patterns or []]
        self._robots: dict[str, Protego | None] = {}
        # Every open case's reference hashes (all variants), to flag images that deserve keypoints.
        self.ref_words = _reference_rows()[3]

    def _origin(self, url: str) -> str:
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc.lower()}"

    def robots(self, url: str) -> Protego | None:
        if not self.site.obey_robots:
            return None
        origin = self._origin(url)
        if origin in self._robots:
            return self._robots[origin]
        text = self.run.robots.get(origin)
        if text is None:
            text = self._fetch_robots(origin)
            with transaction.atomic():
                run = CrawlRun.objects.select_for_update().get(pk=self.run.pk)
                run.robots = {**run.robots, origin: text}
                run.save(update_fields=["robots"])
                self.run.robots = run.robots
        parsed = Protego.parse(text)
        self._robots[origin] = parsed
        return parsed

    def _fetch_robots(self, origin: str) -> str:
        self.wait(origin + "/robots.txt", robots=False)
        try:
            got = fetch.request("GET", origin + "/robots.txt", max_bytes=500_000, resolver=self.resolver)
        except fetch.FetchError as exc:
            # RFC 9309 §2.3.1.4: an unreachable robots.txt means "assume complete disallow".
            return "" if not exc.transient else "User-agent: *\nDisallow: /\n"
        if got.status >= 500:
            return "User-agent: *\nDisallow: /\n"
        if got.status >= 400:
            return ""  # RFC 9309 §2.3.1.3: unavailable (4xx) means no rules
        return got.body[:500_000].decode("utf-8", errors="replace")

    def allowed(self, url: str) -> bool:
        rules = self.robots(url)
        return rules is None or rules.can_fetch(url, ROBOTS_AGENT)

    def wait(self, url: str, *, robots: bool = True) -> None:
        interval = 1.0 / max(self.site.requests_per_second, 0.01)
        rules = self.robots(url) if robots else None
        delay = rules.crawl_delay(ROBOTS_AGENT) if rules is not None else None
        if delay:
            interval = max(interval, float(delay))
        _wait_turn(urlsplit(url).netloc.lower(), interval)

    def follows(self, url: str) -> bool:
        if urlsplit(url).netloc.lower() not in self.hosts:
            return False
        return not self.patterns or any(p.search(url) for p in self.patterns)

    def get(self, url: str, *, accept: str, max_bytes: int) -> fetch.Response:
        self.wait(url)
        return fetch.request(
            "GET",
            url,
            headers={"Accept": accept},
            max_bytes=max_bytes,
            total_timeout=fetch.DEFAULT_TOTAL_TIMEOUT,
            resolver=self.resolver,
        )


def _page_alive_lock(page_id: int):
    return held_while_alive(f"crawl-page:{page_id}")


def _claim(run_id: int, now: datetime, stack: ExitStack) -> CrawlPage | None:
    """Claim the next queued page; the step holds the page's liveness lock (taken before the claim commits)
    until the page is recorded, so another step can tell a page being fetched from one whose step died."""
    with transaction.atomic():
        page = (
            CrawlPage.objects.select_for_update(skip_locked=True)
            .filter(run_id=run_id, state=PageState.QUEUED)
            .order_by("id")
            .first()
        )
        if page is None:
            return None
        stack.enter_context(_page_alive_lock(page.pk))
        page.state, page.claimed_at = PageState.FETCHING, now
        page.save(update_fields=["state", "claimed_at"])
        CrawlRun.objects.filter(pk=run_id).update(touched_at=now)
        return page


def _page_done(page: CrawlPage, state: str, reason: str = "") -> None:
    page.state, page.reason, page.fetched_at = state, reason[:300], timezone.now()
    page.save(update_fields=["state", "reason", "fetched_at"])
    if state == PageState.DONE:
        CrawlRun.objects.filter(pk=page.run_id).update(pages_fetched=F("pages_fetched") + 1)
    elif state == PageState.FAILED:
        CrawlRun.objects.filter(pk=page.run_id).update(pages_failed=F("pages_failed") + 1)


def _image_seen(crawler: _Crawler, page_url: str, image_url: str, now: datetime) -> None:
    site, run = crawler.site, crawler.run
    sha = _sha(image_url)
    seen = CrawledImage.objects.filter(site=site, image_url_sha=sha).first()
    if seen is not None and seen.last_run_id == run.pk:
        return  # fetched once in this run already
    if not crawler.allowed(image_url):
        return
    if not crawl_image_allowed(run_id=run.pk, site_hosts=crawler.hosts, url=image_url):
        return  # another host's images: its budget for this crawl is spent
    try:
        got = crawler.get(image_url, accept="image/*", max_bytes=LIMITS.max_bytes)
    except fetch.FetchError:
        CrawlRun.objects.filter(pk=run.pk).update(images_failed=F("images_failed") + 1)
        return
    if not (200 <= got.status < 300 and got.is_image):
        return
    try:
        h = hashing.compute(got.body, limits=LIMITS, unwrap=True)
        if _deserves_keypoints(h, crawler.ref_words):
            # Keypoints are computed now or never: the bytes are not kept.
            h = hashing.compute_candidate(got.body, limits=LIMITS)
    except hashing.HashingError:
        CrawlRun.objects.filter(pk=run.pk).update(images_failed=F("images_failed") + 1)
        return
    del got  # the bytes go no further
    trimmed, unwrapped = h.variant("trimmed"), h.variant("unwrapped")
    values = {
        "page_url": page_url,
        "image_url": image_url,
        "sha256": h.sha256,
        "pdq": h.pdq,
        "pdq_quality": h.pdq_quality,
        "phash": h.phash,
        "pdq_trimmed": trimmed.pdq if trimmed else "",
        "pdq_unwrapped": unwrapped.pdq if unwrapped else "",
        "hashes": h.to_dict(include_features=True),
        "last_seen_at": now,
        "last_run": run,
    }
    if seen is None:
        CrawledImage.objects.get_or_create(
            site=site, image_url_sha=sha, defaults=values | {"first_seen_at": now, "matched_at": None}
        )
    else:
        if seen.sha256 != h.sha256:
            values["matched_at"] = None  # the picture at this URL changed: match it again
        CrawledImage.objects.filter(pk=seen.pk).update(**values)
    CrawlRun.objects.filter(pk=run.pk).update(images_hashed=F("images_hashed") + 1)


def _deserves_keypoints(h: hashing.ImageHashes, ref_words: np.ndarray) -> bool:
    """An app frame was detected, or a variant pair lies within the screen of some reference."""
    if h.variant("unwrapped") is not None:
        return True
    if not len(ref_words):
        return False
    qi, _, _ = item_pairs(_crawled_words([(0, h.pdq, _pdq_of(h, "trimmed"), "")]), ref_words, SCREEN_RADIUS)
    return bool(len(qi))


def _pdq_of(h: hashing.ImageHashes, variant: str) -> str:
    v = h.variant(variant)
    return v.pdq if v else ""


def _crawl_page(crawler: _Crawler, page: CrawlPage) -> None:
    if not crawler.allowed(page.url):
        _page_done(page, PageState.SKIPPED, "robots.txt disallows it")
        return
    try:
        got = crawler.get(page.url, accept="text/html,image/*;q=0.8,*/*;q=0.5", max_bytes=MAX_PAGE_BYTES)
    except fetch.FetchError as exc:
        _page_done(page, PageState.FAILED, exc.message)
        return
    if not 200 <= got.status < 300:
        _page_done(page, PageState.FAILED, f"HTTP {got.status}")
        return
    now = timezone.now()
    if got.is_image:
        _image_seen(crawler, page.url, page.url, now)
    elif got.is_html:
        body = got.body
        links = [u for u in page_links(body, got.url) if crawler.follows(u)]
        images = page_image_urls(body, got.url, limit=MAX_IMAGES_PER_PAGE)
        del got
        if page.depth < crawler.site.max_depth and links:
            _enqueue_pages(crawler.run, links, page.depth + 1)
        for src in images:
            _image_seen(crawler, page.url, src, now)
    elif b"<urlset" in got.body[:2000] or b"<sitemapindex" in got.body[:2000]:
        locs = [html.unescape(m.decode("utf-8", "replace")) for m in _LOC.findall(got.body)]
        nested = [u for u in locs if crawler.follows(u) or (u.endswith(".xml") and on_site(u, crawler.hosts))]
        _enqueue_pages(crawler.run, nested, page.depth)
    _page_done(page, PageState.DONE)


def crawl_step(
    *, run_id: int, budget: float = STEP_BUDGET_SECONDS, limit: int | None = None, resolver=None, chain: bool = True
) -> CrawlRun:
    """Crawl queued pages of a run for up to ``budget`` seconds, then hand over to the next step or finish.
    Safe to run twice, or concurrently: pages are claimed under ``SKIP LOCKED``."""
    run = CrawlRun.objects.select_related("site").get(pk=run_id)
    if run.state != CrawlState.RUNNING:
        return run
    # Pages whose step died mid-fetch (a killed worker: its liveness lock is free again). A page is requested
    # at most once in a run, so they are recorded as interrupted, not fetched again; the next run fetches them.
    for page_id in CrawlPage.objects.filter(run=run, state=PageState.FETCHING).values_list("pk", flat=True):
        with _page_alive_lock(page_id) as step_died:
            if step_died and CrawlPage.objects.filter(pk=page_id, state=PageState.FETCHING).update(
                state=PageState.FAILED,
                reason="interrupted by a worker restart; not fetched again in this run",
                fetched_at=timezone.now(),
            ):
                CrawlRun.objects.filter(pk=run.pk).update(pages_failed=F("pages_failed") + 1)
    crawler = _Crawler(run, resolver=resolver)
    deadline = time.monotonic() + budget
    done = 0
    while time.monotonic() < deadline and (limit is None or done < limit):
        done += 1
        with ExitStack() as stack:
            page = _claim(run.pk, timezone.now(), stack)
            if page is None:
                break
            _crawl_page(crawler, page)
    pending = CrawlPage.objects.filter(run=run, state__in=[PageState.QUEUED, PageState.FETCHING])
    if not pending.exists():
        return crawl_finish(run_id=run.pk)
    if chain and pending.filter(state=PageState.QUEUED).exists():
        with transaction.atomic():
            enqueue_on_commit(STEP_TASK, run.pk)
    run.refresh_from_db()
    return run


def crawl_finish(*, run_id: int) -> CrawlRun:
    with transaction.atomic():
        run = CrawlRun.objects.select_for_update().select_related("site").get(pk=run_id)
        if run.state != CrawlState.RUNNING:
            return run
        run.state, run.finished_at = CrawlState.DONE, timezone.now()
        run.save(update_fields=["state", "finished_at"])
        event_record(
            type=EventType.CRAWL_FINISHED,
            actor_kind=ActorKind.SYSTEM,
            data={
                "site_id": run.site_id,
                "run_id": run.pk,
                "pages_fetched": run.pages_fetched,
                "pages_failed": run.pages_failed,
                "images_hashed": run.images_hashed,
            },
        )
        enqueue_on_commit(MATCH_TASK)
    return run


def crawls_due(*, now: datetime | None = None) -> list[int]:
    """Beat: start the runs of sites whose re-crawl is due, and re-enqueue runs a dead worker left behind."""
    now = now or timezone.now()
    started = []
    for site in WatchedSite.objects.filter(active=True, next_crawl_at__lte=now):
        started.append(crawl_start(site=site, now=now).pk)
    for run_id in CrawlRun.objects.filter(state=CrawlState.RUNNING, touched_at__lt=now - ORPHANED_AFTER).values_list(
        "pk", flat=True
    ):
        CrawlRun.objects.filter(pk=run_id).update(touched_at=now)
        with transaction.atomic():
            enqueue_on_commit(STEP_TASK, run_id)
    return started


def crawl_now(*, site: WatchedSite, resolver=None) -> CrawlRun:
    """``manage.py crawl_watchlist``: crawl a site in this process until its run is finished, then match."""
    run = crawl_start(site=site, enqueue=False)
    while run.state == CrawlState.RUNNING:
        run = crawl_step(run_id=run.pk, resolver=resolver, chain=False)
    crawled_images_match()
    return run


# --- matching ----------------------------------------------------------------------------------------------


def _words(hexes: list[str]) -> np.ndarray:
    return hex_to_words(hexes, 256)


def _reference_rows(case_ids: Iterable[int] | None = None, image_ids: Iterable[int] | None = None):
    qs = ReferenceImage.objects.filter(state=ImageState.HASHED, case__state=CaseState.OPEN).exclude(match_data={})
    if image_ids is not None:
        qs = qs.filter(pk__in=list(image_ids))
    refs = list(qs.values_list("pk", "case_id", "match_data"))
    records = [hashing.ImageHashes.from_dict(data) for _, _, data in refs]
    slots = []
    for r in records:
        m, t, tm = r.variant("mirror"), r.variant("trimmed"), r.variant("trimmed-mirror")
        slots.append([r.pdq, t.pdq if t else r.pdq, m.pdq if m else r.pdq, tm.pdq if tm else (m or r).pdq])
    words = _words([h for s in slots for h in s]).reshape(len(refs), 4, 4) if refs else np.zeros((0, 4, 4), np.uint64)
    return [pk for pk, _, _ in refs], [case for _, case, _ in refs], records, words


def _crawled_words(rows: list[tuple[int, str, str, str]]) -> np.ndarray:
    hexes = []
    for _, pdq, trimmed, unwrapped in rows:
        hexes += [pdq, trimmed or pdq, unwrapped or pdq]
    return _words(hexes).reshape(len(rows), 3, 4)


def _decide(pairs: dict[int, list[int]], ref_ids, ref_cases, ref_records, now: datetime) -> int:
    """Run the exact rule on the screened pairs (crawled image id → reference indices); write findings."""
    if not pairs:
        return 0
    images = CrawledImage.objects.in_bulk(list(pairs))
    created = 0
    by_case: dict[int, list[Finding]] = defaultdict(list)
    reported = defaultdict(set)
    cases = {ref_cases[i] for idx in pairs.values() for i in idx}
    for case_id, url in (
        Case.objects.filter(pk__in=cases).values_list("pk", "locations__url").exclude(locations__url=None)
    ):
        reported[case_id].add(url)
    for image_id, idx in pairs.items():
        image = images.get(image_id)
        if image is None:
            continue
        cand = hashing.ImageHashes.from_dict(image.hashes)
        per_case: dict[int, list[int]] = defaultdict(list)
        for i in idx:
            per_case[ref_cases[i]].append(i)
        for case_id, members in per_case.items():
            matcher = hashing.Matcher(
                [ref_records[i] for i in members], ids=[str(ref_ids[i]) for i in members], rule=KEYPOINT_RULE
            )
            result = matcher.match(cand)
            if not result.match:
                continue
            if image.page_url in reported[case_id] or image.image_url in reported[case_id]:
                continue  # already on the case
            distance = (result.variant or {}).get("pdq", result.distances.get("pdq"))
            by_case[case_id].append(
                Finding(
                    case_id=case_id,
                    crawled_image=image,
                    reference_image_id=int(result.ref),
                    page_url=image.page_url,
                    image_url=image.image_url,
                    stage=result.stage,
                    distance=distance,
                    reason=result.reason,
                )
            )
    for case_id, findings in by_case.items():
        with transaction.atomic():
            known = set(
                Finding.objects.filter(
                    case_id=case_id, crawled_image__in=[f.crawled_image for f in findings]
                ).values_list("crawled_image_id", flat=True)
            )
            findings = [f for f in findings if f.crawled_image_id not in known]
            if not findings:
                continue
            Finding.objects.bulk_create(findings, ignore_conflicts=True)
            created += len(findings)
            event_record(
                type=EventType.FINDING_CREATED,
                actor_kind=ActorKind.SYSTEM,
                case=Case.objects.get(pk=case_id),
                data={"crawled_image_ids": [f.crawled_image_id for f in findings], "count": len(findings)},
            )
    return created


def crawled_images_match(*, now: datetime | None = None, backend: str = "auto") -> int:
    """Match every crawled image not matched yet against the references of every open case. Returns the
    number of findings created. Idempotent: images are marked matched, findings are unique per case."""
    now = now or timezone.now()
    ref_ids, ref_cases, ref_records, ref_words = _reference_rows()
    created = 0
    while True:
        rows = list(
            CrawledImage.objects.filter(matched_at__isnull=True)
            .order_by("id")
            .values_list("pk", "pdq", "pdq_trimmed", "pdq_unwrapped")[:MATCH_BATCH]
        )
        if not rows:
            return created
        if ref_ids:
            qi, ri, _ = item_pairs(_crawled_words(rows), ref_words, SCREEN_RADIUS, backend=backend)
            pairs: dict[int, list[int]] = defaultdict(list)
            for q, r in zip(qi.tolist(), ri.tolist(), strict=True):
                pairs[rows[q][0]].append(r)
            created += _decide(pairs, ref_ids, ref_cases, ref_records, now)
        CrawledImage.objects.filter(pk__in=[r[0] for r in rows]).update(matched_at=now)


def reference_match_crawled(*, image_id: int, now: datetime | None = None, backend: str = "auto") -> int:
    """A reference was hashed: match it against every image already crawled."""
    now = now or timezone.now()
    ref_ids, ref_cases, ref_records, ref_words = _reference_rows(image_ids=[image_id])
    if not ref_ids:
        return 0
    rows = list(CrawledImage.objects.order_by("id").values_list("pk", "pdq", "pdq_trimmed", "pdq_unwrapped"))
    if not rows:
        return 0
    qi, ri, _ = item_pairs(ref_words, _crawled_words(rows), SCREEN_RADIUS, backend=backend)
    pairs: dict[int, list[int]] = defaultdict(list)
    for q, r in zip(qi.tolist(), ri.tolist(), strict=True):
        pairs[rows[r][0]].append(q)
    return _decide(pairs, ref_ids, ref_cases, ref_records, now)


# --- review ------------------------------------------------------------------------------------------------


class FindingStateError(ValueError):
    pass


def finding_confirm(*, finding: Finding, actor_user=None) -> Finding:
    """The advocate confirms: the page becomes a location of the case and its notice is drafted through the
    normal pipeline."""
    with transaction.atomic():
        finding = Finding.objects.select_for_update().select_related("case").get(pk=finding.pk)
        if finding.status == FindingStatus.CONFIRMED:
            return finding
        if finding.status != FindingStatus.NEW:
            raise FindingStateError("This finding was dismissed; it cannot be confirmed.")
        try:
            added = locations_add(
                case=finding.case, urls=[finding.page_url], actor_kind=ActorKind.ADVOCATE, actor_user=actor_user
            )
        except CaseClosedError as exc:
            raise FindingStateError("The case is closed: it takes no new URLs.") from exc
        except UrlError as exc:
            raise FindingStateError(f"The page's address cannot be reported: {exc}") from exc
        location = added[0] if added else finding.case.locations.filter(url__in=[finding.page_url]).first()
        finding.status, finding.decided_by, finding.decided_at = FindingStatus.CONFIRMED, actor_user, timezone.now()
        finding.location = location
        finding.save(update_fields=["status", "decided_by", "decided_at", "location"])
        event_record(
            type=EventType.FINDING_CONFIRMED,
            actor_kind=ActorKind.ADVOCATE,
            actor_user=actor_user,
            case=finding.case,
            data={"finding_id": finding.pk, "page_url": finding.page_url, "location_id": location and location.pk},
        )
        case_notices_prepare_enqueue(case=finding.case)
    return finding


def finding_dismiss(*, finding: Finding, actor_user=None) -> Finding:
    with transaction.atomic():
        finding = Finding.objects.select_for_update().select_related("case").get(pk=finding.pk)
        if finding.status == FindingStatus.DISMISSED:
            return finding
        if finding.status != FindingStatus.NEW:
            raise FindingStateError("This finding was confirmed and its URL added to the case.")
        finding.status, finding.decided_by, finding.decided_at = FindingStatus.DISMISSED, actor_user, timezone.now()
        finding.save(update_fields=["status", "decided_by", "decided_at"])
        event_record(
            type=EventType.FINDING_DISMISSED,
            actor_kind=ActorKind.ADVOCATE,
            actor_user=actor_user,
            case=finding.case,
            data={"finding_id": finding.pk},
        )
    return finding


def finding_preview_reveal(*, finding: Finding, actor_user) -> None:
    """An advocate clicked to see a blurred preview of a found image (logged; DESIGN.md §8)."""
    event_record(
        type=EventType.FINDING_PREVIEW_REVEALED,
        actor_kind=ActorKind.ADVOCATE,
        actor_user=actor_user,
        case=finding.case,
        data={"finding_id": finding.pk, "image_url": finding.image_url},
    )


def finding_preview_bytes(*, finding: Finding, resolver=None) -> bytes:
    """Fetch the found image now, through the one way out, and return its blurred greyscale preview. Nothing
    is stored: the bytes live in this request only. Raises ``FindingStateError`` with the reason."""
    try:
        got = fetch.request("GET", finding.image_url, headers={"Accept": "image/*"}, resolver=resolver)
    except fetch.FetchError as exc:
        raise FindingStateError(f"The image could not be fetched: {exc.message}") from exc
    if not (200 <= got.status < 300 and got.is_image):
        raise FindingStateError(f"The address no longer serves an image (HTTP {got.status}).")
    try:
        return blurred_preview(got.body)
    except hashing.HashingError as exc:
        raise FindingStateError(f"The image could not be read ({exc.message}).") from exc

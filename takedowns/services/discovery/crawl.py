"""Crawling a watched site: the frontier in the database, robots.txt, per-host pacing, and hashing each image
found (the bytes are never kept). See the package docstring for why it is built this way."""

from __future__ import annotations

import hashlib
import html
import logging
import re
import time
from collections.abc import Iterable
from contextlib import ExitStack
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from protego import Protego

import hashing
from takedowns import fetch
from takedowns.audit import event_record
from takedowns.models import (
    ActorKind,
    CrawledImage,
    CrawledUnmatched,
    CrawlPage,
    CrawlRun,
    CrawlState,
    EventType,
    PageState,
    WatchedSite,
)
from takedowns.models.discovery import crawled_variant_hashes
from takedowns.services.crawl_budget import crawl_image_allowed, on_site
from takedowns.services.discovery.match import (
    KEYPOINT_BUDGET,
    KEYPOINT_IMAGES_PER_RUN,
    _deserves_keypoints,
    _reference_rows,
    crawled_images_match,
    crawled_pdq_store,
    keypoint_index,
)
from takedowns.services.discovery.pages import _LOC, _parse_links
from takedowns.services.jobs import enqueue_on_commit, held_while_alive
from takedowns.services.likeness import likeness_scan_crawled
from takedowns.services.verification import LIMITS, page_image_urls

log = logging.getLogger(__name__)

STEP_TASK = "takedowns.tasks.crawl_step"
MATCH_TASK = "takedowns.tasks.crawled_images_match"
ROBOTS_AGENT = "RecourseVerifier"
MAX_PAGE_BYTES = 5 * 1024 * 1024
# Images taken from one page. With the slowest allowed pace (MIN_RPS) a page and its images take at most
# ~(1 + 50) × 10 s, which with the step budget stays inside the crawl task's soft time limit (900 s).
MAX_IMAGES_PER_PAGE = 50


# A step works this long, then hands the rest of the run to a fresh task (inside the task's time limit).
STEP_BUDGET_SECONDS = 120.0
# A run whose steps stopped this long ago lost its worker and its task (a redelivered step carries on at once):
# beat enqueues a step again. Longer than the crawl task's hard time limit (16 min), so a live step is never
# doubled; its pages are safe anyway (a page is given up only when its step's liveness lock is free).
ORPHANED_AFTER = timedelta(minutes=20)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


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
        # Every open case's reference hashes (all variants) and keypoints, to flag images that deserve keypoints.
        ref_ids, _, ref_records, self.ref_words = _reference_rows()
        self.kp_index = keypoint_index(ref_ids, ref_records)
        self.kp_left = KEYPOINT_IMAGES_PER_RUN - (
            CrawledImage.objects.filter(last_run=run).exclude(keypoint_refs=[]).count() if len(self.kp_index) else 0
        )

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
    proposed: list[int] = []
    try:
        # Keypoints are computed now or never: the bytes are not kept.
        if len(crawler.kp_index) and crawler.kp_left > 0:
            # Every picture is described by its keypoints and looked up in the references' keypoint index, so
            # crops and turned copies (far from every reference by their hashes) reach the keypoint stage too.
            h = hashing.compute_candidate(got.body, limits=LIMITS)
            proposed = [
                ref for ref, _ in crawler.kp_index.candidates(h.features, h.features_mirrored, budget=KEYPOINT_BUDGET)
            ]
            crawler.kp_left -= bool(proposed)
            keep = bool(proposed) or _deserves_keypoints(h, crawler.ref_words)
        else:
            h = hashing.compute(got.body, limits=LIMITS, unwrap=True)
            keep = _deserves_keypoints(h, crawler.ref_words)
            if keep:
                h = hashing.compute_candidate(got.body, limits=LIMITS)
    except hashing.HashingError:
        CrawlRun.objects.filter(pk=run.pk).update(images_failed=F("images_failed") + 1)
        return
    body = got.body  # kept for the face scan below, then dropped with this frame
    del got
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
        "hashes": h.to_dict(include_features=keep),
        "keypoint_refs": proposed,
        "last_seen_at": now,
        "last_run": run,
    }
    if seen is None:
        with transaction.atomic():
            seen, created = CrawledImage.objects.get_or_create(
                site=site, image_url_sha=sha, defaults=values | {"first_seen_at": now}
            )
            if created:
                crawled_pdq_store(image=seen)
                CrawledUnmatched.objects.create(crawled_image=seen, queued_at=now)
    else:
        # The picture changed, or points to a new reference: match it again.
        again = seen.sha256 != h.sha256 or set(proposed) - set(seen.keypoint_refs or ())
        fields = ("pdq", "phash", "pdq_trimmed", "pdq_unwrapped", "hashes")
        before = crawled_variant_hashes(*(getattr(seen, f) for f in fields))
        with transaction.atomic():
            CrawledImage.objects.filter(pk=seen.pk).update(**values)
            if again:
                CrawledUnmatched.objects.update_or_create(crawled_image_id=seen.pk, defaults={"queued_at": now})
            for f in fields:
                setattr(seen, f, values[f])
            if crawled_variant_hashes(*(values[f] for f in fields)) != before:
                crawled_pdq_store(image=seen)
        seen.page_url, seen.image_url = page_url, image_url
    CrawlRun.objects.filter(pk=run.pk).update(images_hashed=F("images_hashed") + 1)
    # The consented likeness search: faces are compared in memory and dropped unless they match.
    likeness_scan_crawled(image=seen, body=body, run=run)


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
        links, paging = _parse_links(body, got.url)
        links = [u for u in links if crawler.follows(u)]
        images = page_image_urls(body, got.url, limit=MAX_IMAGES_PER_PAGE)
        del got
        # The next page of a listing first, at this page's depth: the page limit must not be spent on what
        # lies deeper before the listing itself is seen.
        turns = [u for u in links if u in paging]
        if turns:
            _enqueue_pages(crawler.run, turns, page.depth)
        deeper = [u for u in links if u not in paging]
        if page.depth < crawler.site.max_depth and deeper:
            _enqueue_pages(crawler.run, deeper, page.depth + 1)
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

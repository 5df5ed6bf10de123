"""Discovery: crawl the sites advocates watch and find each open case's images there.

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
full rule. The cost is one scan of the hash matrix, near-linear in crawled images.

Crops and turned copies are far from their reference by every hash, so the hash screen alone never passes them
to the keypoint stage. The crawl therefore also describes each picture by its ORB keypoints and looks them up in
a compact index of the references' keypoints (``hashing.kpindex``); the references it points to (at most
``KEYPOINT_BUDGET`` a picture) are stored with the picture (``keypoint_refs``) with its keypoints, and the match
compares them by keypoints as well. Pictures that point nowhere keep no keypoints."""

from __future__ import annotations

from takedowns.services.discovery.crawl import (
    MATCH_TASK,
    MAX_IMAGES_PER_PAGE,
    MAX_PAGE_BYTES,
    ORPHANED_AFTER,
    ROBOTS_AGENT,
    STEP_BUDGET_SECONDS,
    STEP_TASK,
    crawl_finish,
    crawl_now,
    crawl_start,
    crawl_step,
    crawls_due,
)
from takedowns.services.discovery.findings import (
    FindingStateError,
    finding_confirm,
    finding_dismiss,
    finding_preview_bytes,
    finding_preview_reveal,
)
from takedowns.services.discovery.match import (
    DATABASE_RULE,
    KEYPOINT_BUDGET,
    KEYPOINT_IMAGES_PER_RUN,
    KEYPOINT_RULE,
    MATCH_BATCH,
    SCREEN_RADIUS,
    crawled_images_match,
    crawled_pdq_candidates,
    crawled_pdq_store,
    reference_match_crawled,
)
from takedowns.services.discovery.pages import page_links
from takedowns.services.discovery.watchlist import (
    EDITABLE,
    MAX_RPS,
    MAX_START_URLS,
    MIN_RPS,
    WatchlistInputError,
    watched_site_create,
    watched_site_remove,
    watched_site_update,
)

__all__ = [
    "DATABASE_RULE",
    "EDITABLE",
    "KEYPOINT_BUDGET",
    "KEYPOINT_IMAGES_PER_RUN",
    "KEYPOINT_RULE",
    "MATCH_BATCH",
    "MATCH_TASK",
    "MAX_IMAGES_PER_PAGE",
    "MAX_PAGE_BYTES",
    "MAX_RPS",
    "MAX_START_URLS",
    "MIN_RPS",
    "ORPHANED_AFTER",
    "ROBOTS_AGENT",
    "SCREEN_RADIUS",
    "STEP_BUDGET_SECONDS",
    "STEP_TASK",
    "FindingStateError",
    "WatchlistInputError",
    "crawl_finish",
    "crawl_now",
    "crawl_start",
    "crawl_step",
    "crawled_images_match",
    "crawled_pdq_candidates",
    "crawled_pdq_store",
    "crawls_due",
    "finding_confirm",
    "finding_dismiss",
    "finding_preview_bytes",
    "finding_preview_reveal",
    "page_links",
    "reference_match_crawled",
    "watched_site_create",
    "watched_site_remove",
    "watched_site_update",
]

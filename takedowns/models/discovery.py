"""Discovery: the sites advocates watch, the crawl runs over them with their frontier, the
fingerprints of every image seen there, and the findings that match an open case's references.

No crawled image bytes are stored: a ``CrawledImage`` is its URL, the page it was on, its fingerprints and
when it was seen. The frontier (``CrawlPage``) lives in the database, so a crawl resumes after a worker
restart and never fetches one page twice in one run.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hashing.mih import split_blocks


class WatchedSite(models.Model):
    name = models.CharField(max_length=200)
    start_urls = models.JSONField(default=list)
    sitemap_url = models.TextField(blank=True)
    # Regular expressions; a link is followed when it is on a start URL's host and matches one (none = all).
    follow_patterns = models.JSONField(default=list, blank=True)
    max_pages = models.PositiveIntegerField(default=500)
    max_depth = models.PositiveSmallIntegerField(default=5)
    requests_per_second = models.FloatField(default=1.0)
    recrawl_hours = models.PositiveIntegerField(default=24 * 7)
    obey_robots = models.BooleanField(default=True)
    robots_override_reason = models.TextField(blank=True)
    active = models.BooleanField(default=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    next_crawl_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class CrawlState(models.TextChoices):
    RUNNING = "running", _("Running")
    DONE = "done", _("Finished")
    FAILED = "failed", _("Failed")


class CrawlRun(models.Model):
    site = models.ForeignKey(WatchedSite, on_delete=models.CASCADE, related_name="runs")
    state = models.CharField(max_length=10, choices=CrawlState.choices, default=CrawlState.RUNNING, db_index=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    # Last time a step of this run did anything: a running run idle for long was orphaned by a dead worker.
    touched_at = models.DateTimeField()
    robots = models.JSONField(default=dict, blank=True)  # origin -> robots.txt text ("" = none), for the run
    pages_fetched = models.PositiveIntegerField(default=0)
    pages_failed = models.PositiveIntegerField(default=0)
    images_hashed = models.PositiveIntegerField(default=0)
    images_failed = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["site"], condition=models.Q(state="running"), name="one_running_crawl_per_site"
            )
        ]

    def __str__(self) -> str:
        return f"crawl {self.pk} of site {self.site_id} ({self.state})"


class PageState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    FETCHING = "fetching", _("Fetching")
    DONE = "done", _("Fetched")
    SKIPPED = "skipped", _("Skipped")
    FAILED = "failed", _("Failed")


class CrawlPage(models.Model):
    """One URL of a run's frontier. Unique per run: a URL is queued, and so fetched, at most once."""

    run = models.ForeignKey(CrawlRun, on_delete=models.CASCADE, related_name="pages")
    url = models.TextField()
    url_sha = models.CharField(max_length=64)
    depth = models.PositiveSmallIntegerField(default=0)
    state = models.CharField(max_length=10, choices=PageState.choices, default=PageState.QUEUED)
    reason = models.CharField(max_length=300, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    fetched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "url_sha"], name="crawl_page_once_per_run")]
        indexes = [models.Index(fields=["run", "state", "id"])]

    def __str__(self) -> str:
        return self.url


class CrawledImage(models.Model):
    """Fingerprints of an image seen on a watched site. The columns are what the matcher's hash stages read:
    PDQ and pHash of the whole picture, of its border-trimmed variant and of the photo cut out of an app
    frame (blank = none), plus the whole record (variants, no keypoints) for the exact rule."""

    site = models.ForeignKey(WatchedSite, on_delete=models.CASCADE, related_name="images")
    image_url = models.TextField()
    image_url_sha = models.CharField(max_length=64)
    page_url = models.TextField()
    sha256 = models.CharField(max_length=64, db_index=True)
    pdq = models.CharField(max_length=64)
    pdq_quality = models.PositiveSmallIntegerField(default=0)
    phash = models.CharField(max_length=16)
    pdq_trimmed = models.CharField(max_length=64, blank=True)
    pdq_unwrapped = models.CharField(max_length=64, blank=True)
    hashes = models.JSONField(default=dict)
    # Reference images (ids) whose keypoints this picture's keypoints point to (``hashing.kpindex``): compared
    # at the keypoint stage even when no hash is near, as crops and turned copies are. Its keypoints are then
    # kept in ``hashes``; other pictures keep none.
    keypoint_refs = models.JSONField(default=list, blank=True)
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    last_run = models.ForeignKey(CrawlRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["site", "image_url_sha"], name="crawled_image_once_per_site")]

    def __str__(self) -> str:
        return self.image_url


class CrawledUnmatched(models.Model):
    """A crawled picture waiting to be matched against every open case's references: new, changed, or pointing
    to a new reference since it was last matched (new references are matched against all stored pictures when
    they are hashed). A narrow queue that the matching job reads and empties, so that marking a million pictures
    matched deletes a million small rows instead of rewriting a million wide ones with all their indexes.
    ``queued_at``: a picture queued again while a match of it runs stays queued."""

    crawled_image = models.OneToOneField(
        CrawledImage, primary_key=True, on_delete=models.CASCADE, related_name="unmatched"
    )
    queued_at = models.DateTimeField()

    def __str__(self) -> str:
        return str(self.crawled_image_id)


# The database stage's blocks (docs/DECISIONS.md#discovery-matching-inside-postgresql): PDQ's 256 bits in 11
# blocks of 23-24 bits and pHash's 64 in 3 of 21-22. At the rule's radii (PDQ 31, pHash 8) pigeonhole leaves a
# block within two bits either way (31 // 11 = 8 // 3 = 2): ~300 probes a block, but at 10 million pictures a
# probe returns one or two rows instead of the ~150 a 16-bit block does, and the rows read from the table are
# what the time goes on.
PDQ_SEGMENTS, PHASH_SEGMENTS = 11, 3
PDQ_SEGMENT_FIELDS = tuple(f"pdq_s{i}" for i in range(PDQ_SEGMENTS))
PHASH_SEGMENT_FIELDS = tuple(f"phash_s{i}" for i in range(PHASH_SEGMENTS))


def _segment_field() -> models.IntegerField:
    return models.IntegerField(null=True, blank=True, editable=False)


def segment_values(value: str, phash: str) -> dict[str, int | None]:
    """The block columns of a variant row from its PDQ (64 hex digits) and pHash (16 hex digits or blank)."""
    pdq = [block for block, _ in split_blocks(value, PDQ_SEGMENTS)]
    ph = [block for block, _ in split_blocks(phash, PHASH_SEGMENTS)] if len(phash) == 16 else [None] * PHASH_SEGMENTS
    return dict(zip(PDQ_SEGMENT_FIELDS, pdq, strict=True)) | dict(zip(PHASH_SEGMENT_FIELDS, ph, strict=True))


class CrawledPdq(models.Model):
    """One variant of a crawled picture (whole, border-trimmed, cut out of an app frame): its PDQ and pHash, each
    with indexed blocks (``PDQ_SEGMENT_FIELDS``, ``PHASH_SEGMENT_FIELDS``), so that on PostgreSQL a new reference
    meets every stored picture by multi-index hashing in the database instead of in a worker's memory
    (docs/DECISIONS.md#discovery-matching-inside-postgresql). A row per variant rather than columns on
    ``CrawledImage``: a picture without a trimmed or framed variant costs no index entries for it. The pHash
    blocks find the rule's second way (pHash within 8 with PDQ within 72), which PDQ's own blocks cannot at a
    cost the database can bear."""

    WHOLE, TRIMMED, UNWRAPPED = 0, 1, 2

    crawled_image = models.ForeignKey(CrawledImage, on_delete=models.CASCADE, related_name="pdq_variants")
    slot = models.PositiveSmallIntegerField()  # WHOLE, TRIMMED or UNWRAPPED
    value = models.CharField(max_length=64)  # PDQ
    phash = models.CharField(max_length=16, blank=True)
    pdq_s0, pdq_s1, pdq_s2, pdq_s3 = _segment_field(), _segment_field(), _segment_field(), _segment_field()
    pdq_s4, pdq_s5, pdq_s6, pdq_s7 = _segment_field(), _segment_field(), _segment_field(), _segment_field()
    pdq_s8, pdq_s9, pdq_s10 = _segment_field(), _segment_field(), _segment_field()
    phash_s0, phash_s1, phash_s2 = _segment_field(), _segment_field(), _segment_field()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["crawled_image", "slot"], name="crawled_pdq_once_per_slot")]
        indexes = [
            models.Index(fields=[name], name=f"crawledpdq_{name}", condition=Q(**{f"{name}__isnull": False}))
            for name in PDQ_SEGMENT_FIELDS + PHASH_SEGMENT_FIELDS
        ]

    def __str__(self) -> str:
        return self.value


def crawled_pdq_rows(image_id: int, variants: list[tuple[str, str]]) -> list[CrawledPdq]:
    """The ``CrawledPdq`` rows of a picture from its (PDQ, pHash) per slot (whole, trimmed, unwrapped; blank
    when absent): one per distinct, present variant (a trimmed variant equal to the whole picture's would only
    double its index entries)."""
    rows, seen = [], set()
    for slot, (value, phash) in enumerate(variants):
        value, phash = (value or "").lower(), (phash or "").lower()
        if len(value) != 64 or (value, phash) in seen:
            continue
        seen.add((value, phash))
        phash = phash if len(phash) == 16 else ""
        rows.append(
            CrawledPdq(crawled_image_id=image_id, slot=slot, value=value, phash=phash, **segment_values(value, phash))
        )
    return rows


def crawled_variant_hashes(pdq: str, phash: str, pdq_trimmed: str, pdq_unwrapped: str, hashes: dict) -> list:
    """(PDQ, pHash) of a crawled picture's whole, trimmed and unwrapped variants, from its columns and record
    (the variants' pHash lives only in the record)."""
    by_name = {v.get("name"): v.get("phash", "") for v in (hashes or {}).get("variants", ())}
    return [(pdq, phash), (pdq_trimmed, by_name.get("trimmed", "")), (pdq_unwrapped, by_name.get("unwrapped", ""))]


class FindingStatus(models.TextChoices):
    NEW = "new", _("New")
    CONFIRMED = "confirmed", _("Confirmed")
    DISMISSED = "dismissed", _("Dismissed")


class FindingKind(models.TextChoices):
    HASH = "hash", _("Copy of a reference picture")
    # A face like the one in her consented template (the likeness search): a lead until an advocate confirms.
    LIKENESS = "likeness", _("Picture of her face")


class Finding(models.Model):
    case = models.ForeignKey("takedowns.Case", on_delete=models.CASCADE, related_name="findings")
    crawled_image = models.ForeignKey(CrawledImage, on_delete=models.CASCADE, related_name="findings")
    reference_image = models.ForeignKey(
        "takedowns.ReferenceImage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    page_url = models.TextField()
    image_url = models.TextField()
    kind = models.CharField(max_length=10, choices=FindingKind.choices, default=FindingKind.HASH, db_index=True)
    stage = models.CharField(max_length=20)
    distance = models.PositiveSmallIntegerField(null=True, blank=True)  # PDQ bits of the deciding variant pair
    reason = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=FindingStatus.choices, default=FindingStatus.NEW, db_index=True)
    location = models.ForeignKey(
        "takedowns.ReportedLocation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "crawled_image", "kind"], name="finding_once_per_case_image_kind")
        ]

    def __str__(self) -> str:
        return f"finding {self.pk} for case {self.case_id} ({self.status})"

"""The watchlist: the sites advocates watch and the rules each is crawled by."""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urldefrag

from django.db import transaction
from django.utils import timezone

from takedowns import fetch
from takedowns.audit import event_record
from takedowns.models import (
    ActorKind,
    CrawlRun,
    CrawlState,
    EventType,
    WatchedSite,
)

MIN_RPS, MAX_RPS = 0.1, 20.0
MAX_START_URLS = 50


class WatchlistInputError(ValueError):
    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors


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

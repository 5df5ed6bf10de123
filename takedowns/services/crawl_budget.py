"""How much the crawler and the URL checker may ask of hosts that are not the ones being checked.

Both fetch what a stranger chose: a watched site's pages name images on any host, and an anonymous case can
list hundreds of URLs whose pages name twenty images each. Without a budget, the portal is a way to point a
few thousand requests (and gigabytes) at a third party. So:

- sitemaps and pages are followed only on the watched site's own hosts (its start URLs and sitemap);
- images on other hosts are fetched only while a per-host budget lasts: per crawl run, and per case;
- every case has a total byte budget per day for everything the URL checker downloads for it.

Counters live in Django's cache through ``services.throttle`` (shared by every worker; atomic increments).
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from takedowns.services.throttle import throttle_hit, throttle_is_limited

# Images fetched from one host other than the watched site's, in one crawl run.
THIRD_PARTY_IMAGES_PER_HOST_PER_CRAWL = 20
# Images fetched for one case from one host other than the reported page's, per day.
THIRD_PARTY_IMAGES_PER_HOST_PER_CASE = 40
# Everything the URL checker downloads for one case, per day.
CASE_BYTES_PER_DAY = 300 * 1024 * 1024
DAY = 24 * 60 * 60
# A crawl run's counters need outlive only the run (runs end within hours).
CRAWL_WINDOW = 7 * DAY


def host_of_url(url: str) -> str:
    """The host a request goes to (with its port: another port is another service)."""
    return urlsplit(url).netloc.lower()


def on_site(url: str, hosts: Iterable[str]) -> bool:
    """Whether ``url`` is on one of the watched site's own hosts."""
    return host_of_url(url) in set(hosts)


def crawl_image_allowed(*, run_id: int, site_hosts: Iterable[str], url: str) -> bool:
    """Count and decide one image fetch of a crawl: always on the site's own hosts, within the per-host budget
    elsewhere."""
    host = host_of_url(url)
    if host in set(site_hosts):
        return True
    return throttle_hit(f"crawl-third-party:{run_id}:{host}", THIRD_PARTY_IMAGES_PER_HOST_PER_CRAWL, CRAWL_WINDOW)


class CaseFetchBudget:
    """The URL checker's allowance for one case: images from hosts other than the checked page's are counted
    per host, and every downloaded byte counts against the case's daily total."""

    def __init__(self, *, case_id: int) -> None:
        self.case_id = case_id
        self._bytes_key = f"case-fetch-bytes:{case_id}"

    def exhausted(self) -> bool:
        return throttle_is_limited(self._bytes_key, CASE_BYTES_PER_DAY, DAY)

    def allow_image(self, *, page_url: str, image_url: str) -> bool:
        """Count and decide one image fetch named by the page at ``page_url``."""
        if self.exhausted():
            return False
        host = host_of_url(image_url)
        if host == host_of_url(page_url):
            return True
        return throttle_hit(f"case-fetch-third-party:{self.case_id}:{host}", THIRD_PARTY_IMAGES_PER_HOST_PER_CASE, DAY)

    def spend(self, n_bytes: int) -> None:
        if n_bytes > 0:
            throttle_hit(self._bytes_key, CASE_BYTES_PER_DAY, DAY, cost=n_bytes)

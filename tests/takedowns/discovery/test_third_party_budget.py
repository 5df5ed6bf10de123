"""A hostile gallery cannot aim the crawler or the URL checker at a third party: sitemaps and pages are followed
on the watched site's own hosts only, and another host's images are fetched only while its budget lasts — per
crawl run, per case, and within the case's daily byte total. Two local servers on loopback: the "site" and the
"victim host" (another port is another host)."""

from __future__ import annotations

import pytest

from takedowns.models import ReportedLocation, WatchedSite
from takedowns.services import crawl_budget, discovery, verification
from takedowns.services.images import image_add
from tests.factories import complete_case, load_email_platforms
from tests.local_http import LocalServer
from tests.utils import make_photo_like

pytestmark = pytest.mark.django_db

TINY = make_photo_like(48, 36, seed=77)


@pytest.fixture
def site_server(settings):
    settings.FETCH_ALLOW_PRIVATE_ADDRESSES = True
    settings.VERIFY_LOCATIONS = True
    s = LocalServer().start()
    yield s
    s.stop()


@pytest.fixture
def third_host():
    s = LocalServer().start()
    for n in range(200):
        s.image(f"/img/{n}.jpg", TINY)
    s.page("/page/", "<html><body><a href='/page/2'>more</a></body></html>")
    s.routes["/sitemap.xml"] = s.routes["/page/"].__class__(
        body=b"<urlset><url><loc>/page/</loc></url></urlset>", content_type="application/xml"
    )
    yield s
    s.stop()


def _site(start: str) -> WatchedSite:
    site = discovery.watched_site_create(
        fields={"name": "Gallery", "start_urls": [start], "max_pages": 500, "max_depth": 5}
    )
    WatchedSite.objects.filter(pk=site.pk).update(requests_per_second=500)
    site.refresh_from_db()
    return site


def _third_party_requests(server: LocalServer) -> list[str]:
    return [path for path, _ in server.requests if path != "/robots.txt"]


def test_a_hostile_gallery_makes_at_most_the_budgeted_requests_to_a_third_host(site_server, third_host):
    victim = third_host.base
    images = "".join(f'<img src="{victim}/img/{n}.jpg">' for n in range(15))
    for page in range(8):  # 8 pages x 15 = 120 images named on the victim's host
        site_server.page(f"/g/{page}", f"<html><body>{images.replace('.jpg', f'.jpg?p={page}')}</body></html>")
    links = "".join(f'<a href="/g/{p}">{p}</a>' for p in range(8))
    site_server.page("/", f"<html><body>{links}<a href='{victim}/page/'>elsewhere</a></body></html>")
    sitemap = f"<urlset><url><loc>{victim}/sitemap.xml</loc></url><url><loc>{victim}/page/</loc></url></urlset>"
    site_server.routes["/sitemap.xml"] = third_host.routes["/sitemap.xml"].__class__(
        body=sitemap.encode(), content_type="application/xml"
    )
    site = _site(site_server.base + "/")
    WatchedSite.objects.filter(pk=site.pk).update(sitemap_url=site_server.base + "/sitemap.xml")
    site.refresh_from_db()

    run = discovery.crawl_now(site=site)

    asked = _third_party_requests(third_host)
    assert all(path.startswith("/img/") for path in asked), asked  # no page, no sitemap of the third host
    assert len(asked) <= crawl_budget.THIRD_PARTY_IMAGES_PER_HOST_PER_CRAWL
    assert len(asked) == crawl_budget.THIRD_PARTY_IMAGES_PER_HOST_PER_CRAWL  # the budget, then nothing more
    assert site_server.hits("/g/") == 8  # the site itself was crawled in full
    # The next run has its own budget: still bounded per run.
    discovery.crawl_now(site=site)
    assert len(_third_party_requests(third_host)) <= 2 * crawl_budget.THIRD_PARTY_IMAGES_PER_HOST_PER_CRAWL
    assert run.pk


@pytest.fixture
def hostile_case(site_server, third_host, django_capture_on_commit_callbacks):
    """A case whose five reported pages each name 20 images on the third host."""

    def make(count: int = 5):
        load_email_platforms()
        case = complete_case(
            urls=[f"https://mailhost-a.example/post/{i}" for i in range(count)], hashed_images=0, contact_private=True
        )
        for i, location in enumerate(case.locations.order_by("id")):
            imgs = "".join(f'<img src="{third_host.base}/img/{i * 20 + n}.jpg">' for n in range(20))
            url = site_server.page(f"/p/{i}", f"<html><body>{imgs}</body></html>")
            ReportedLocation.objects.filter(pk=location.pk).update(url=url)
        with django_capture_on_commit_callbacks(execute=True):
            image_add(
                case=case,
                data=make_photo_like(640, 480, seed=5),
                image_format="JPEG",
                keep_as_evidence=False,
                actor_kind="victim",
            )
        return case

    return make


def test_a_case_cannot_aim_the_url_checker_at_a_third_host(hostile_case, third_host, monkeypatch):
    monkeypatch.setattr(crawl_budget, "THIRD_PARTY_IMAGES_PER_HOST_PER_CASE", 7)
    case = hostile_case(5)
    for location in case.locations.all():  # and checked again: the budget is per case, not per check
        ReportedLocation.objects.filter(pk=location.pk).update(verification_requested_at=location.created_at)
        verification.location_verify(location_id=location.pk)
    asked = _third_party_requests(third_host)
    assert 0 < len(asked) <= 7, asked  # 100 named on five pages, then 100 more: seven fetched


def test_a_case_has_a_daily_byte_budget(hostile_case, site_server, third_host, monkeypatch):
    monkeypatch.setattr(crawl_budget, "CASE_BYTES_PER_DAY", 3 * len(TINY))
    hostile_case(3)
    # The pages themselves count too: the first page and a couple of images use up the allowance.
    assert len(_third_party_requests(third_host)) <= 3
    assert site_server.hits("/p/") <= 2

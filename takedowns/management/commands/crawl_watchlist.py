from django.core.management.base import BaseCommand, CommandError

from takedowns.models import WatchedSite
from takedowns.services.discovery import crawl_now


class Command(BaseCommand):
    help = (
        "Crawl watched sites now, in this process (every active site, or one with --site), then match what was "
        "crawled against the references of every open case."
    )

    def add_arguments(self, parser):
        parser.add_argument("--site", type=int, metavar="ID", help="Only this watched site (its id).")

    def handle(self, *args, **options):
        sites = WatchedSite.objects.filter(active=True).order_by("id")
        if options["site"] is not None:
            sites = sites.filter(pk=options["site"])
            if not sites.exists():
                raise CommandError(f"No active watched site with id {options['site']}.")
        for site in sites:
            run = crawl_now(site=site)
            self.stdout.write(
                f"{site.pk}\t{site.name}\t{run.state}\tpages {run.pages_fetched} fetched, {run.pages_failed} "
                f"failed\timages {run.images_hashed} hashed"
            )
        findings = sum(site.images.filter(findings__isnull=False).count() for site in sites)
        self.stdout.write(self.style.SUCCESS(f"Done; {findings} image(s) with findings on these sites."))

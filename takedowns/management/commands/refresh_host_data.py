from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from takedowns.hostid.refresh import IANA_RDAP_BASE, cdn_ranges_refresh, rdap_bootstrap_refresh


class Command(BaseCommand):
    help = (
        "Refresh the data files host identification reads: the CDN providers' published IP ranges "
        "(CDN_RANGES_FILE, from each provider's sources listed in it) and IANA's RDAP bootstrap files "
        "(RDAP_BOOTSTRAP_DIR). Both by default; a source that fails keeps its old data."
    )

    def add_arguments(self, parser):
        parser.add_argument("--cdn", action="store_true", help="Only the CDN ranges.")
        parser.add_argument("--rdap", action="store_true", help="Only the RDAP bootstrap files.")
        parser.add_argument("--iana-base", default=IANA_RDAP_BASE, help="Where the bootstrap files are published.")

    def handle(self, *args, **options):
        both = not options["cdn"] and not options["rdap"]
        failed = False
        jobs = []
        if options["cdn"] or both:
            jobs.append(("CDN ranges", lambda: cdn_ranges_refresh(Path(settings.CDN_RANGES_FILE))))
        if options["rdap"] or both:
            jobs.append(
                (
                    "RDAP bootstrap",
                    lambda: rdap_bootstrap_refresh(Path(settings.RDAP_BOOTSTRAP_DIR), base=options["iana_base"]),
                )
            )
        for label, job in jobs:
            report = job()
            for name, count in report.updated.items():
                self.stdout.write(f"{label}: {name} updated ({count}).")
            for name in report.skipped:
                self.stdout.write(f"{label}: {name} publishes no list; kept as it is.")
            for name, why in report.failed.items():
                failed = True
                self.stderr.write(f"{label}: {name} not updated: {why}")
        if failed:
            raise CommandError("Some sources could not be refreshed; their previous data is kept.")
        self.stdout.write(self.style.SUCCESS("Done."))

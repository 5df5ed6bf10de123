from django.core.management.base import BaseCommand

from takedowns.services.deadlines import deadlines_sweep
from takedowns.services.jobs import exclusive


class Command(BaseCommand):
    help = "Run the deadline sweep now (the same job beat runs every 5 minutes)."

    def handle(self, *args, **options):
        with exclusive("sweep-deadlines", ttl_seconds=290) as taken:
            if not taken:
                self.stdout.write("A sweep is already running; nothing done.")
                return
            result = deadlines_sweep()
        self.stdout.write(
            self.style.SUCCESS(
                f"Sweep done: {result.warnings_sent} deadline warning(s), "
                f"{result.overdue_recorded} notice(s) newly overdue."
            )
        )

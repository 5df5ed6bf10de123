from django.core.management.base import BaseCommand

from takedowns.services.reconcile import work_reconcile


class Command(BaseCommand):
    help = (
        "Re-enqueue background work left pending for longer than the threshold: images to hash, notices to draft "
        "or send, withdrawals, notifications, webhook deliveries and location checks."
    )

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=int, default=600, help="Seconds (default 600).")

    def handle(self, *args, older_than: int, **options):
        counts = work_reconcile(older_than_seconds=older_than)
        summary = ", ".join(f"{count} {kind}" for kind, count in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Re-enqueued: {summary}."))

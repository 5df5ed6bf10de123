from django.core.management.base import BaseCommand

from takedowns.services.images import images_reconcile


class Command(BaseCommand):
    help = "Re-enqueue work left pending (images not hashed) for longer than the threshold."

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=int, default=600, help="Seconds (default 600).")

    def handle(self, *args, older_than: int, **options):
        ids = images_reconcile(older_than_seconds=older_than)
        self.stdout.write(self.style.SUCCESS(f"Re-enqueued {len(ids)} pending image(s)."))

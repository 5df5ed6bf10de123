from django.core.management.base import BaseCommand, CommandError

from takedowns.registry import RegistryError, load_registry_file
from takedowns.services.platforms import platforms_load


class Command(BaseCommand):
    help = "Create or update platforms by slug from a registry file (JSON list). A bad file changes nothing."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path to a registry JSON file, e.g. takedowns/data/platforms.json")

    def handle(self, *args, file: str, **options):
        try:
            specs = load_registry_file(file)
        except FileNotFoundError as exc:
            raise CommandError(f"No such file: {file}") from exc
        except RegistryError as exc:
            raise CommandError(f"Refused, nothing was changed: {exc}") from exc
        result = platforms_load(specs=specs)
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(specs)} platforms in {file}: {result.created} created, {result.updated} updated, "
                f"{result.unchanged} unchanged."
            )
        )

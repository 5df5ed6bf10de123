import json

from django.core.management.base import BaseCommand, CommandError

from takedowns.services.hosts import HostInputError, host_identify


class Command(BaseCommand):
    help = (
        "Who can act on a site: print as JSON the host's addresses (ips), the CDN in front of it (cdn), the "
        "network owner, the registrar and their abuse contacts. A stored answer younger than "
        "HOST_IDENTITY_MAX_AGE_DAYS is reused unless --refresh. Parts that cannot be found are listed under "
        "'errors'; the others are still printed."
    )

    def add_arguments(self, parser):
        parser.add_argument("url", help="A URL (https://example.com/page) or a host name or address.")
        parser.add_argument("--refresh", action="store_true", help="Look up again even if a fresh answer is stored.")

    def handle(self, *args, **options):
        try:
            identity = host_identify(host=options["url"], refresh=options["refresh"])
        except HostInputError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps(identity.as_json(), indent=2, ensure_ascii=False))

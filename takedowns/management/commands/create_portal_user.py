from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from takedowns.models import EXCHANGE_SCOPES
from takedowns.services.exchange import ExchangeError, platform_exchange_scopes_set
from takedowns.services.two_factor import enrolment_link_issue, staff_has_second_factor
from takedowns.services.users import portal_user_create_or_update


class Command(BaseCommand):
    help = (
        "Create or update an advocate or a platform staff user, print its API token and, while it has no "
        "authenticator yet, a one-time link for setting one up."
    )

    def add_arguments(self, parser):
        parser.add_argument("--role", required=True, choices=["advocate", "platform"])
        parser.add_argument("--platform", dest="platform_slug", help="Platform slug (platform users only).")
        parser.add_argument("--email", required=True)
        parser.add_argument("--password", required=True)
        parser.add_argument(
            "--scope",
            dest="scopes",
            action="append",
            choices=EXCHANGE_SCOPES,
            default=[],
            help="Grant the user's platform a hash-exchange scope (repeatable; platform users only).",
        )

    def handle(self, *args, role, platform_slug, email, password, scopes=(), **options):
        if scopes and role != "platform":
            raise CommandError("--scope is granted to a platform: use it with --role platform.")
        try:
            result = portal_user_create_or_update(
                role=role, email=email, password=password, platform_slug=platform_slug
            )
        except ValidationError as exc:
            raise CommandError("Password refused: " + " ".join(exc.messages)) from exc
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if scopes:
            platform = result.user.platform_membership.platform
            try:
                platform_exchange_scopes_set(
                    platform=platform, scopes=sorted({*(platform.exchange_scopes or []), *scopes})
                )
            except ExchangeError as exc:
                raise CommandError(str(exc)) from exc
            self.stderr.write(f"Platform {platform.slug} has scopes: {', '.join(platform.exchange_scopes)}.")
        verb = "Created" if result.created else "Updated"
        self.stderr.write(f"{verb} {role} user {result.user.email}.")
        self.stdout.write(result.token)
        if not staff_has_second_factor(result.user):
            # On stderr like the status line: stdout stays the token alone, for scripts that read it.
            link = enrolment_link_issue(user=result.user)
            self.stderr.write(
                f"Two-factor enrolment link (one use, expires in 3 days; give it to the user only): {link}"
            )

"""``python manage.py enrolment_link --email …``: a new one-time link for setting up two-factor sign-in."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from takedowns.services.two_factor import enrolment_link_issue


class Command(BaseCommand):
    help = (
        "Issue a new one-time, expiring link with which a staff member sets up their authenticator app (a new "
        "member, or one who lost their phone); earlier unused links stop working."
    )

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)

    def handle(self, *args, email, **options):
        user = get_user_model().objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(f"No user with the e-mail address {email!r}.")
        self.stdout.write(enrolment_link_issue(user=user))

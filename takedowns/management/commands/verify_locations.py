from django.core.management.base import BaseCommand, CommandError

from takedowns.models import Case
from takedowns.notices.evidence import evidence_summary
from takedowns.services.cases import reference_normalise
from takedowns.services.verification import locations_verify_now


class Command(BaseCommand):
    help = (
        "Check reported URLs now, in this process: every URL of one case with --case, otherwise every check "
        "that is due (notice deadlines, 7 and 30 days after a verified removal, removals not yet verified)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--case", metavar="REF", help="Only this case's URLs (its reference, e.g. RC-7K3M-Q9TX).")

    def handle(self, *args, **options):
        case = None
        if options["case"]:
            case = Case.objects.filter(reference=reference_normalise(options["case"])).first()
            if case is None:
                raise CommandError(f"No case with reference {options['case']!r}.")
        count = 0
        for location in locations_verify_now(case=case):
            count += 1
            self.stdout.write(
                f"{location.pk}\t{location.state}\t{location.url}\t{evidence_summary(location.match_evidence)}"
            )
        self.stdout.write(self.style.SUCCESS(f"{count} location(s) checked."))

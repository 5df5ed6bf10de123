"""Demo data for `make run`: users for each role and a case with notices in several states.

The reference image is generated (shapes and gradients), never a photograph of a person.
"""

import io
from datetime import timedelta

import numpy as np
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from PIL import Image

from takedowns.demo import DEMO_PASSWORD, DEMO_USERS
from takedowns.lifecycle import notice_transition
from takedowns.models import ActorKind, Case, Platform
from takedowns.registry import DEFAULT_REGISTRY_PATH, load_registry_file
from takedowns.services.cases import case_create
from takedowns.services.images import image_add
from takedowns.services.notices import notices_draft
from takedowns.services.platforms import platforms_load
from takedowns.services.two_factor import enrolment_link_issue, staff_has_second_factor
from takedowns.services.users import portal_user_create_or_update

DEMO_MARK = "Demo case created by seed_demo."


def _demo_image() -> bytes:
    rng = np.random.default_rng(7)
    y, x = np.mgrid[0:480, 0:640]
    rgb = np.stack([(x * 0.4) % 256, (y * 0.5) % 256, ((x + y) * 0.3) % 256], axis=-1)
    rgb += rng.normal(0, 12, rgb.shape)
    rgb[120:300, 200:420] = [30, 160, 90]
    image = Image.fromarray(np.clip(rgb, 0, 255).astype("uint8"))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88)
    return out.getvalue()


class Command(BaseCommand):
    help = "Create demo users and a demo case (idempotent)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            # Known passwords printed on the console are a development convenience, never a deployment's accounts.
            raise CommandError("seed_demo creates accounts with a published password: it runs only with DEBUG=true.")
        platforms_load(specs=load_registry_file(DEFAULT_REGISTRY_PATH), only_missing=True)
        for role, email, slug in DEMO_USERS:
            result = portal_user_create_or_update(
                role=role, email=email, password=DEMO_PASSWORD, platform_slug=slug, validate=False
            )
            self.stdout.write(f"  {role:8} {email:36} password {DEMO_PASSWORD}  API token {result.token}")
            if not staff_has_second_factor(result.user):
                # Needed only with STAFF_2FA_REQUIRED=true (off in development): the link sets up the app.
                self.stdout.write(f"           two-factor enrolment link {enrolment_link_issue(user=result.user)}")
        if Case.objects.filter(attestations__demo=True).exists():
            self.stdout.write("Demo case already present.")
            return
        created = case_create(
            victim_name="Alex Demo",
            contact_email="alex@demo.recourse.test",
            good_faith_statement=(
                "I have a good-faith belief that these intimate images were shared without my consent."
            ),
            context=DEMO_MARK,
            signature_name="Alex Demo",
            attestations={"good_faith": True, "accuracy": True, "demo": True},
            is_synthetic=True,
            urls=[
                ("https://www.reddit.com/r/example/comments/abc123/demo_post/", "u/demo_uploader"),
                "https://x.com/demo_account/status/1234567890",
                "https://www.tumblr.com/demo-blog/7654321",
                "https://unknown-demo-host.example/gallery/42",
            ],
        )
        case = created.case
        image_add(
            case=case, data=_demo_image(), image_format="JPEG", keep_as_evidence=False, actor_kind=ActorKind.VICTIM
        )
        notices = {n.platform.slug: n for n in notices_draft(case_id=case.pk)}
        now = timezone.now()
        reddit, x = notices.get("reddit"), notices.get("x")
        if reddit:
            notice_transition(notice=reddit, to="sent", actor_kind=ActorKind.SYSTEM, at=now - timedelta(hours=30))
            notice_transition(notice=reddit, to="acknowledged", actor_kind=ActorKind.PLATFORM)
        if x:
            notice_transition(notice=x, to="sent", actor_kind=ActorKind.ADVOCATE, at=now - timedelta(hours=50))
        self.stdout.write(self.style.SUCCESS(f"Demo case {case.reference}, access code {created.access_code}"))
        self.stdout.write(f"{Platform.objects.count()} platforms in the registry.")

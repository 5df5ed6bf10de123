"""Management commands: load_platforms, create_portal_user, seed_demo, sweep_deadlines, reconcile."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from knox.models import AuthToken
from rest_framework.test import APIClient

from takedowns.models import Case, Platform
from takedowns.registry import DEFAULT_REGISTRY_PATH
from takedowns.roles import is_advocate, platform_of


@pytest.mark.django_db
def test_registry_is_loaded_on_migrate():
    assert Platform.objects.count() >= 18
    assert Platform.objects.filter(slug="reddit", channel__in=["email", "webform"]).exists()


@pytest.mark.django_db
def test_load_platforms_is_idempotent_and_upserts(tmp_path):
    out = StringIO()
    call_command("load_platforms", str(DEFAULT_REGISTRY_PATH), stdout=out)
    assert "0 created" in out.getvalue()
    count = Platform.objects.count()
    own = tmp_path / "own.json"
    own.write_text(
        json.dumps(
            [
                {
                    "slug": "reddit",
                    "name": "Reddit (ops)",
                    "domains": ["reddit.com", "redd.it"],
                    "channel": "email",
                    "contact_email": "ncii@reddit.example",
                },
                {
                    "slug": "examplehost",
                    "name": "Example Host",
                    "domains": ["examplehost.net"],
                    "channel": "email",
                    "contact_email": "abuse@examplehost.net",
                },
            ]
        )
    )
    call_command("load_platforms", str(own), stdout=StringIO())
    call_command("load_platforms", str(own), stdout=(second := StringIO()))
    assert "0 created, 0 updated, 2 unchanged" in second.getvalue()
    assert Platform.objects.count() == count + 1
    assert Platform.objects.get(slug="reddit").name == "Reddit (ops)"


@pytest.mark.django_db
def test_bad_registry_file_is_refused_whole(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            [
                {
                    "slug": "newone",
                    "name": "New",
                    "domains": ["new.example"],
                    "channel": "email",
                    "contact_email": "a@new.example",
                },
                {"slug": "broken", "name": "Broken", "domains": ["broken.example"], "channel": "carrier-pigeon"},
            ],
            indent=2,
        )
    )
    with pytest.raises(CommandError) as info:
        call_command("load_platforms", str(bad))
    assert "channel" in str(info.value) and "line" in str(info.value)
    assert not Platform.objects.filter(slug="newone").exists()


@pytest.mark.django_db
def test_create_portal_user_prints_token_and_scopes_roles():
    out = StringIO()
    call_command(
        "create_portal_user",
        "--role",
        "platform",
        "--platform",
        "reddit",
        "--email",
        "T@Reddit.example",
        "--password",
        "a-long-enough-password",
        stdout=out,
        stderr=StringIO(),
    )
    user = get_user_model().objects.get(username="t@reddit.example")
    token = out.getvalue().strip()
    # Shown once: the database keeps a hash, never the token itself, and the token works as DESIGN.md §10 says.
    stored = AuthToken.objects.get(user=user)
    assert token not in (stored.digest, stored.token_key) and len(token) == 64
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/platforms/").status_code == 200
    assert platform_of(user).slug == "reddit" and not is_advocate(user)
    # The same e-mail again, now as an advocate: updated, not duplicated, no longer platform-scoped.
    call_command(
        "create_portal_user",
        "--role",
        "advocate",
        "--email",
        "t@reddit.example",
        "--password",
        "a-long-enough-password",
        stdout=StringIO(),
        stderr=StringIO(),
    )
    user = get_user_model().objects.get(username="t@reddit.example")
    assert is_advocate(user) and platform_of(user) is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "platform", "--email", "a@b.example", "--password", "a-long-enough-password"], "--platform"),
        (
            [
                "--role",
                "platform",
                "--platform",
                "nope",
                "--email",
                "a@b.example",
                "--password",
                "a-long-enough-password",
            ],
            "no platform",
        ),
        (["--role", "advocate", "--email", "a@b.example", "--password", "short"], "Password refused"),
    ],
)
def test_create_portal_user_errors(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("create_portal_user", *args, stdout=StringIO(), stderr=StringIO())


@pytest.mark.django_db
def test_seed_demo_is_idempotent(settings):
    settings.DEBUG = True  # seed_demo refuses to run without it (pytest-django turns DEBUG off)
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())
    assert Case.objects.count() == 1
    case = Case.objects.get()
    assert case.locations.count() == 4
    assert {n.platform.slug: n.status for n in case.notices.all()}["reddit"] == "acknowledged"


@pytest.mark.django_db
def test_sweep_deadlines_records_overdue_once():
    from datetime import timedelta

    from django.utils import timezone

    from takedowns.lifecycle import notice_transition
    from takedowns.models import Event
    from tests.factories import NoticeFactory

    notice = notice_transition(
        notice=NoticeFactory(), to="sent", actor_kind="system", at=timezone.now() - timedelta(hours=49)
    )
    call_command("sweep_deadlines", stdout=StringIO())
    call_command("sweep_deadlines", stdout=StringIO())
    assert Event.objects.filter(notice=notice, type="notice.overdue").count() == 1


@pytest.mark.django_db
def test_reconcile_command_runs():
    out = StringIO()
    call_command("reconcile", stdout=out)
    assert "Re-enqueued: 0 images to hash, 0 notices to draft, 0 notices to send" in out.getvalue()

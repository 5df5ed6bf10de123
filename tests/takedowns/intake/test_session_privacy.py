"""The session store holds no plaintext answer, a plain visit creates no session, and expired sessions go."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from tests.utils import post_ok, step_url

pytestmark = pytest.mark.django_db


def test_intake_answers_are_encrypted_in_the_session_table(client):
    post_ok(client, step_url("who"), {"filer_type": "self", "victim_name": "Zebulon Quintessa"})
    (session,) = Session.objects.all()
    assert "Zebulon" not in session.session_data
    assert "Zebulon" not in str(session.get_decoded())
    # The page still shows the answer when the person comes back to the step.
    assert "Zebulon Quintessa" in client.get(step_url("who")).content.decode()


@pytest.mark.parametrize(
    "path",
    [
        reverse("takedowns:home"),
        reverse("takedowns:intake"),
        step_url("who"),
        reverse("takedowns:status_login"),
        reverse("takedowns:status"),
        "/respond/not-a-token/",
    ],
)
def test_a_plain_visit_creates_no_session(client, path):
    client.get(path)
    assert Session.objects.count() == 0
    assert "sessionid" not in client.cookies


def test_the_scheduled_job_purges_expired_sessions(client):
    from takedowns.tasks import sessions_purge

    post_ok(client, step_url("who"), {"filer_type": "self", "victim_name": "Sam"})
    Session.objects.create(session_key="x" * 32, session_data="", expire_date=timezone.now() - timedelta(seconds=1))
    sessions_purge()
    assert list(Session.objects.values_list("session_key", flat=True)) == [client.session.session_key]
    call_command("sweep_deadlines")  # unrelated jobs leave sessions alone
    assert Session.objects.count() == 1

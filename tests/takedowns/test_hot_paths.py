"""The four paths that fifty people filing at once made slow (benchmarks/load/REPORT.md; profiled one request at
a time by benchmarks/profile_paths.py): "Send my request", the receipt after it, the platforms' notice list and
the advocates' board refresh. Each keeps a bounded number of queries however many rows there are, and lists
decrypt nothing they do not show. Counts, never timings: these machines are too noisy for timed assertions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from takedowns import crypto
from takedowns.lifecycle import notice_transition
from takedowns.models import EscalationStep
from tests.factories import CaseFactory, LocationFactory, NoticeFactory
from tests.utils import api_token, jpeg, step_url, walk_intake

pytestmark = pytest.mark.django_db

# 23 on SQLite and on PostgreSQL with two pictures and three URLs (the case, its URLs in one INSERT, two
# pictures, their events, savepoints, the session); one of room, so that a query per URL or picture trips it.
SUBMIT_MAX_QUERIES = 24


@pytest.fixture(autouse=True)
def _own_cache(settings):
    # The intake's submit throttle counts in the cache; a per-process cache keeps runs independent.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "hot"}}
    from django.core.cache import cache

    cache.clear()


def _sent(platform, *, hours_ago: float = 1):
    case = CaseFactory()
    notice = NoticeFactory(case=case, platform=platform)
    notice.locations.add(LocationFactory(case=case, platform=platform))
    return notice_transition(
        notice=notice, to="sent", actor_kind="system", at=timezone.now() - timedelta(hours=hours_ago)
    )


def _count_decrypts(monkeypatch) -> list[int]:
    calls = [0]
    original = crypto.decrypt_bytes

    def counting(token):
        calls[0] += 1
        return original(token)

    monkeypatch.setattr(crypto, "decrypt_bytes", counting)
    return calls


def test_send_my_request_stores_and_enqueues_in_a_bounded_number_of_queries(
    client, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    walk_intake(client, images=[jpeg(1), jpeg(2)], submit=False)
    with (
        django_capture_on_commit_callbacks(execute=False) as callbacks,
        django_assert_max_num_queries(SUBMIT_MAX_QUERIES),
    ):
        response = client.post(step_url("review"))
    assert response["Location"] == reverse("takedowns:intake_receipt")
    # Nothing was mailed from the request itself: the receipt e-mail is the worker's (after commit).
    assert mail.outbox == []
    assert callbacks


def test_the_receipt_e_mail_goes_once_and_its_code_never_travels_in_clear(
    client, django_capture_on_commit_callbacks, monkeypatch
):
    from celery import current_app

    from takedowns.services import intake

    sent = []
    task = current_app.tasks[intake.FOLLOWUP_TASK]
    monkeypatch.setattr(task, "apply_async", lambda args, **kw: sent.append(args))
    walk_intake(client, images=[jpeg(3)], submit=False)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(step_url("review"))
    ((case_id, sealed, names),) = sent
    code = client.get(reverse("takedowns:intake_receipt")).content.decode()
    assert sealed and sealed not in code and names and all(name.startswith("pending-uploads/") for name in names)
    # The worker's side, delivered twice (a redelivery after a lost worker): one e-mail.
    intake.intake_submitted_followup(case_id=case_id, sealed_code=sealed, pending=names)
    intake.intake_submitted_followup(case_id=case_id, sealed_code=sealed, pending=names)
    assert len(mail.outbox) == 1 and crypto.decrypt_bytes(sealed.encode()).decode() in mail.outbox[0].body


def test_receipt_page_reads_only_the_session(client, django_assert_max_num_queries):
    walk_intake(client)
    with django_assert_max_num_queries(1):
        response = client.get(reverse("takedowns:intake_receipt"))
    assert response.status_code == 200 and b'id="access-code"' in response.content


@pytest.mark.parametrize("rows", [2, 12])
def test_platform_notice_list_queries_and_decrypts_nothing_per_row(
    client, reddit_staff, platforms, rows, django_assert_max_num_queries, monkeypatch
):
    for _ in range(rows):
        _sent(platforms["reddit"])
    auth = {"HTTP_AUTHORIZATION": f"Token {api_token(reddit_staff)}"}
    decrypts = _count_decrypts(monkeypatch)
    # The token and its user, the throttle, the platform of the user, the count and the page.
    with django_assert_max_num_queries(7):
        response = client.get("/api/v1/notices/", **auth)
    assert response.status_code == 200 and response.json()["count"] == rows
    # The notice bodies and the victim's details are not part of a list: none is decrypted.
    assert decrypts[0] == 0


@pytest.mark.parametrize("rows", [2, 12])
def test_board_refresh_queries_do_not_grow_with_rows(
    client, advocate, platforms, rows, django_assert_max_num_queries, monkeypatch
):
    for n in range(rows):
        _sent(platforms["reddit"], hours_ago=50 if n % 2 else 1)
    client.force_login(advocate)
    decrypts = _count_decrypts(monkeypatch)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("takedowns:dashboard"), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and html.count('data-notice="') == rows
    # Every sent notice has its escalation ladder planned; each row shows it, from one prefetch for the page.
    assert EscalationStep.objects.exists() and html.count('class="list-inline small mb-0 ladder"') == rows
    assert decrypts[0] == 0


# The ladder as the board's template wrote it before the filter took over (the filter must write the same).
LADDER_TEMPLATE = (
    '{% load i18n %}{% if steps %}<ul class="list-inline small mb-0 ladder" aria-label="{% translate \'Escalation '
    'plan\' %}">{% for step in steps %}\n          <li class="list-inline-item" data-step="{{ step.step }}" '
    'data-state="{{ step.state }}">{% if step.state == "done" %}<span aria-hidden="true">✓</span> '
    '{{ step.get_step_display }} {{ step.done_at|date:"m-d H:i" }}{% elif step.state == "stopped" %}<span '
    'aria-hidden="true">✕</span> <s>{{ step.get_step_display }}</s> ({% translate "stopped" %}){% else %}<span '
    'aria-hidden="true">○</span> {{ step.get_step_display }} {{ step.planned_at|date:"m-d H:i" }}{% endif %}</li>'
    "{% endfor %}</ul>{% endif %}"
)


@pytest.mark.parametrize("language", ["en", "es"])
def test_escalation_ladder_filter_writes_what_the_template_wrote(language):
    from django.template import Context, Template
    from django.utils import translation

    from takedowns.templatetags.takedowns_extras import escalation_ladder

    at = timezone.now().replace(microsecond=0)
    steps = [
        EscalationStep(step="reminder", offset_hours=0, planned_at=at, done_at=at + timedelta(minutes=5)),
        EscalationStep(step="upstream", offset_hours=24, planned_at=at, stopped_at=at),
        EscalationStep(step="regulator", offset_hours=72, planned_at=at + timedelta(hours=72)),
    ]
    with translation.override(language):
        expected = Template(LADDER_TEMPLATE).render(Context({"steps": steps}))
        assert str(escalation_ladder(steps)) == expected
        assert escalation_ladder([]) == "" == Template(LADDER_TEMPLATE).render(Context({"steps": []}))

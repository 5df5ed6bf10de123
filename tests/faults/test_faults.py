"""Fault injection: a private PostgreSQL, Redis and SMTP server, real worker and web processes, and
real failures — Redis stopped, worker processes SIGKILLed mid-task, the mail server not listening, PostgreSQL
restarted. Nothing is lost and nothing is done twice: every notice reaches the mail server exactly once.

Runs once in `.ci/run` (its own step, ``-m faults``); the rest of the suite excludes it. Every wait is bounded.
"""

from __future__ import annotations

import os
import re
import signal
import threading
import time

import pytest
import requests

from tests.faults.stack import wait_until
from tests.local_http import LocalServer
from tests.utils import make_photo_like

pytestmark = [pytest.mark.faults, pytest.mark.integration, pytest.mark.slow]

MAILHOST_A = "ncii@mailhost-a.example"


def _notices(stack, case_id: int) -> dict[str, str]:
    return dict(stack.sql("SELECT public_reference, status FROM takedowns_notice WHERE case_id = %s", (case_id,)))


def _every_notice_once(stack, smtp, case_id: int, expected: int):
    """Every notice of the case is sent, and the mail server holds exactly one message for each."""

    def done():
        notices = _notices(stack, case_id)
        return len(notices) == expected and all(s == "sent" for s in notices.values()) and notices

    notices = wait_until(done, timeout=60, what=f"{expected} notices of case {case_id} to be sent")
    time.sleep(1.5)  # a duplicate, if any, would arrive now
    counts = {ref: len(smtp.notices(ref)) for ref in notices}
    assert counts == dict.fromkeys(notices, 1), counts
    return notices


def _case_with_notice(stack, url: str = "https://mailhost-a.example/post/1") -> int:
    """A complete case (signed, hashed reference, contact): the worker drafts, queues and sends its notice."""
    return stack.django(
        "from django.db import transaction\n"
        "from takedowns.services.notices import case_notices_prepare_enqueue\n"
        "from tests.factories import complete_case\n"
        f"case = complete_case(urls=[{url!r}], contact_private=True)\n"
        "with transaction.atomic():\n"
        "    case_notices_prepare_enqueue(case=case)\n"
        "out['case'] = case.pk\n"
    )["case"]


def _kill_pool_process(worker) -> int:
    (child,) = worker.children()
    os.kill(child, signal.SIGKILL)
    return child


class KillWhen(threading.Thread):
    """Watches the database from the moment the work is created and SIGKILLs ``kill`` (a callable) as soon as
    ``predicate`` holds: a task that takes about a second is caught in its middle, not after it."""

    def __init__(self, predicate, kill, *, timeout: float = 60):
        super().__init__(daemon=True)
        self.predicate, self.kill, self.timeout = predicate, kill, timeout
        self.killed = threading.Event()

    def run(self):
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.predicate():
                self.kill()
                self.killed.set()
                return
            time.sleep(0.01)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.join(self.timeout + 5)
        assert self.killed.is_set(), "the work never started"


# --- Redis stopped while a victim submits ------------------------------------------------------------------


def _csrf(html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert match, html[:2000]
    return match.group(1)


def _step(session, base: str, step: str, data: dict, files=None, then: str = "") -> requests.Response:
    url = f"{base}/report/{step}/"
    page = session.get(url, timeout=30)
    assert page.status_code == 200, (step, page.status_code, page.text[:2000])
    response = session.post(url, data={**data, "csrfmiddlewaretoken": _csrf(page.text)}, files=files, timeout=60)
    assert response.status_code == 200, (step, response.status_code, response.text[:3000])
    if then:
        assert response.url == f"{base}/report/{then}/", (step, response.url, response.text[-3000:])
    return response


def test_redis_down_while_a_victim_submits_then_reconcile_does_the_work(stack, clean_smtp):
    web, base = stack.web()
    worker = stack.worker("redis")
    stack.redis.stop()  # the broker and the cache

    victim = requests.Session()
    _step(victim, base, "who", {"filer_type": "self", "victim_name": "Sam Example"}, then="content")
    _step(victim, base, "content", {"nature": "synthetic", "posted": "posted", "under_18": "no"}, then="where")
    urls = "https://mailhost-a.example/post/1\nhttps://mailhost-b.example/gallery/2"
    _step(victim, base, "where", {"urls": urls, "action": "check"})
    _step(victim, base, "where", {"urls": urls, "action": "continue"}, then="images")
    photo = make_photo_like(seed=41)
    files = {"images": ("photo.jpg", photo, "image/jpeg")}
    _step(victim, base, "images", {"action": "next"}, files=files, then="contact")
    _step(victim, base, "contact", {"email": "sam@example.org", "phone": "", "contact_private": "on"}, then="statement")
    _step(
        victim,
        base,
        "statement",
        {
            "context": "Made with an app by a former partner.",
            "signature_name": "Sam Example",
            "attest_good_faith": "on",
            "attest_accuracy": "on",
            "jurisdiction": "US",
        },
        then="review",
    )
    review = victim.get(f"{base}/report/review/", timeout=30)
    started = time.monotonic()
    receipt = victim.post(f"{base}/report/review/", data={"csrfmiddlewaretoken": _csrf(review.text)}, timeout=60)
    submit_seconds = time.monotonic() - started

    # The victim sees the receipt: the case reference and the access code, shown once.
    assert receipt.status_code == 200 and receipt.url.endswith("/report/receipt/"), receipt.text[:3000]
    reference = re.search(r'id="case-reference">([^<]+)<', receipt.text).group(1).strip()
    assert re.search(r'id="access-code">[^<]{6,}<', receipt.text), receipt.text[:3000]
    print(f"submit with the broker and cache down took {submit_seconds:.2f}s")
    assert "Could not enqueue" in web.log_text()  # the work was left for reconcile, not dropped silently

    ((case_id,),) = stack.sql("SELECT id FROM takedowns_case WHERE reference = %s", (reference,))
    assert stack.sql("SELECT state FROM takedowns_referenceimage WHERE case_id = %s", (case_id,)) == [("pending",)]
    assert _notices(stack, case_id) == {}
    # The receipt e-mail does not need the broker: it went out after the commit.
    assert [m["to"] for m in clean_smtp.messages] == [["sam@example.org"]]

    stack.redis.start()  # empty: whatever the broker held is gone, as after a crash without persistence
    wait_until(lambda: worker.log_text().count("Connected to redis") >= 2, timeout=60, what="the worker to reconnect")
    # Reconcile finds every piece of work from the database; run twice, it still does each once.
    stack.manage("reconcile", "--older-than", "0")
    stack.manage("reconcile", "--older-than", "0")
    wait_until(
        lambda: stack.sql("SELECT state FROM takedowns_referenceimage WHERE case_id = %s", (case_id,)) == [("hashed",)],
        timeout=60,
        what="the reference image to be hashed",
    )
    # The notices are drafted, queued and sent once reconcile re-enqueued the drafting.
    stack.manage("reconcile", "--older-than", "0")
    _every_notice_once(stack, clean_smtp, case_id, expected=2)
    wait_until(
        lambda: not stack.sql("SELECT id FROM takedowns_notification WHERE status = 'pending'"),
        timeout=60,
        what="the notifications to be sent",
    )
    assert len([m for m in clean_smtp.messages if m["to"] == ["sam@example.org"]]) == 1 + 2  # receipt + 2 "sent"
    assert worker.alive() and web.alive()


# --- a worker SIGKILLed mid-task ---------------------------------------------------------------------------


def _big_image_case(stack, seed: int) -> tuple[int, int]:
    """A case whose one reference is a 6000×6000 picture (36 MP, under the 40 MP pixel budget; about a second of
    hashing), enqueued for hashing."""
    out = stack.django(
        "import io\n"
        "from PIL import Image\n"
        "from django.db import transaction\n"
        "from takedowns.services.cases import case_create\n"
        "from takedowns.services.images import image_add\n"
        "from tests.utils import make_photo_like\n"
        f"small = Image.open(io.BytesIO(make_photo_like(700, 700, seed={seed})))\n"
        "buf = io.BytesIO()\n"
        "small.resize((6000, 6000), Image.Resampling.BICUBIC).save(buf, 'JPEG', quality=85)\n"
        "case = case_create(victim_name='Hash Test', urls=['https://elsewhere.example/p/1']).case\n"
        "with transaction.atomic():\n"
        "    image = image_add(case=case, data=buf.getvalue(), image_format='JPEG', keep_as_evidence=False,"
        " actor_kind='victim')\n"
        "out['case'], out['image'] = case.pk, image.pk\n"
    )
    return out["case"], out["image"]


def _image(stack, image_id: int) -> tuple[str, int] | None:
    rows = stack.sql("SELECT state, attempts FROM takedowns_referenceimage WHERE id = %s", (image_id,))
    return rows[0] if rows else None


def _next_image_id(stack) -> int:
    """The id the next reference image will get (one test process creates images, one at a time)."""
    ((last,),) = stack.sql(
        "SELECT last_value + CASE WHEN is_called THEN 1 ELSE 0 END FROM takedowns_referenceimage_id_seq"
    )
    return last


def test_pool_process_killed_mid_hash_the_task_is_delivered_again_and_completes_once(stack):
    worker = stack.worker("hash")
    # As soon as the task has started (its first transaction counts the attempt) it is hashing: kill it.
    image_id = _next_image_id(stack)
    with KillWhen(lambda: _image(stack, image_id) == ("pending", 1), lambda: _kill_pool_process(worker)):
        assert _big_image_case(stack, seed=51)[1] == image_id
    assert _image(stack, image_id)[0] == "pending", "the kill landed after hashing ended: use a bigger picture"
    state = wait_until(
        lambda: _image(stack, image_id)[0] == "hashed" and _image(stack, image_id),
        timeout=60,
        what="the redelivered task to hash the image",
        log=worker.log,
    )
    assert state == ("hashed", 2)  # delivered again once, completed once
    events = stack.sql(
        "SELECT count(*) FROM takedowns_event WHERE type = 'image.hashed' AND (data->>'image_id')::int = %s",
        (image_id,),
    )
    assert events == [(1,)]
    assert "WorkerLostError" in worker.log_text() and worker.alive()


def test_whole_worker_killed_mid_hash_another_worker_takes_the_task_after_the_visibility_timeout(stack):
    # Killing the main process too leaves the message unacknowledged in Redis: it is delivered again only
    # after the visibility timeout (one hour in production; 6 s here), by whichever worker is listening.
    first = stack.worker("doomed", BROKER_VISIBILITY_TIMEOUT="6")
    image_id = _next_image_id(stack)
    with KillWhen(lambda: _image(stack, image_id) == ("pending", 1), first.kill):
        assert _big_image_case(stack, seed=52)[1] == image_id
    assert _image(stack, image_id)[0] == "pending", "the kill landed after hashing ended: use a bigger picture"
    killed_at = time.monotonic()
    second = stack.worker("heir", BROKER_VISIBILITY_TIMEOUT="6")
    wait_until(lambda: _image(stack, image_id)[0] == "hashed", timeout=60, what="the image to be hashed by the heir")
    assert time.monotonic() - killed_at >= 6
    assert _image(stack, image_id) == ("hashed", 2)
    assert second.alive()


def test_pool_process_killed_mid_send_exactly_one_email_per_notice(stack, clean_smtp):
    worker = stack.worker("send")
    clean_smtp.handler.rcpt_delay = 8.0
    clean_smtp.handler.slow_rcpt = 1  # the first RCPT: the notice's, since notifications follow the send
    case_id = _case_with_notice(stack)
    assert clean_smtp.handler.in_rcpt.wait(60), worker.log_text()[-3000:]
    _kill_pool_process(worker)  # in the middle of the SMTP conversation, the notice claimed
    ((status, claimed),) = stack.sql(
        "SELECT status, send_claimed_at IS NOT NULL FROM takedowns_notice WHERE case_id = %s", (case_id,)
    )
    assert (status, claimed) == ("queued", True)
    # Redelivered at once (late acknowledgement, the lost pool process's task requeued); the claim of the
    # killed sender is taken over at once, since its liveness lock died with it.
    started = time.monotonic()
    notices = _every_notice_once(stack, clean_smtp, case_id, expected=1)
    assert time.monotonic() - started < 30
    (message,) = clean_smtp.notices(next(iter(notices)))
    assert message["to"] == [MAILHOST_A]
    assert "WorkerLostError" in worker.log_text() and worker.alive()


def test_pool_process_killed_mid_crawl_the_run_completes_once(stack):
    site = LocalServer().start()
    slow_page_reached = []

    def slow():
        slow_page_reached.append(time.monotonic())
        time.sleep(6)

    try:
        site.page("/robots.txt", "")
        links = "".join(f'<a href="/p/{n}">{n}</a>' for n in range(6))
        site.page("/start", f"<html><body>{links}</body></html>")
        for n in range(6):
            site.page(f"/p/{n}", f"<html><body>page {n}</body></html>")
        site.routes["/p/2"].before_reply = slow
        worker = stack.worker("crawl")
        run_id = stack.django(
            "from takedowns.models import WatchedSite\n"
            "from takedowns.services import discovery\n"
            "site = discovery.watched_site_create(fields={'name': 'Slow site', "
            f"'start_urls': [{site.base + '/start'!r}], 'max_pages': 20, 'max_depth': 2}})\n"
            "WatchedSite.objects.filter(pk=site.pk).update(requests_per_second=20)\n"
            "site.refresh_from_db()\n"
            "out['run'] = discovery.crawl_start(site=site).pk\n"
        )["run"]
        wait_until(lambda: slow_page_reached, timeout=60, what="the crawl to reach the slow page")
        _kill_pool_process(worker)
        wait_until(
            lambda: stack.sql("SELECT state FROM takedowns_crawlrun WHERE id = %s", (run_id,)) == [("done",)],
            timeout=60,
            what="the redelivered crawl step to finish the run",
        )
        pages = dict(stack.sql("SELECT url, state FROM takedowns_crawlpage WHERE run_id = %s", (run_id,)))
        slow_url = site.base + "/p/2"
        assert pages.pop(slow_url) == "failed"  # interrupted: requested once, recorded, not fetched again
        assert set(pages.values()) == {"done"} and len(pages) == 6
        paths = [p for p, _ in site.requests if p != "/robots.txt"]
        assert sorted(paths) == sorted(["/start", *[f"/p/{n}" for n in range(6)]])  # each page once
        finished = stack.sql(
            "SELECT count(*) FROM takedowns_event WHERE type = 'crawl.finished' AND (data->>'run_id')::int = %s",
            (run_id,),
        )
        assert finished == [(1,)]
        assert "WorkerLostError" in worker.log_text() and worker.alive()
    finally:
        site.stop()


# --- the mail server refusing connections for a while ------------------------------------------------------


def test_smtp_refusing_connections_notices_retry_and_are_all_delivered_once(stack, clean_smtp):
    worker = stack.worker("smtp")
    clean_smtp.stop()  # nothing listens on its port: connection refused
    cases = [_case_with_notice(stack, f"https://mailhost-{h}.example/p/{n}") for n, h in enumerate("abc")]

    def failed_attempts():
        rows = stack.sql(
            "SELECT delivery_attempts, delivery_error FROM takedowns_notice WHERE case_id = ANY(%s)", (cases,)
        )
        return len(rows) == 3 and all(attempts >= 1 for attempts, _ in rows) and rows

    rows = wait_until(failed_attempts, timeout=60, what="every notice to fail a first delivery attempt")
    assert all("Could not reach the mail server" in error for _, error in rows), rows
    time.sleep(3)  # refused for a while longer: another round of retries fails
    clean_smtp.start()  # the same port, listening again
    for case_id in cases:
        _every_notice_once(stack, clean_smtp, case_id, expected=1)
    assert worker.alive()


# --- PostgreSQL restarted while workers run ----------------------------------------------------------------


def test_postgres_restart_workers_recover_without_a_restart(stack, clean_smtp):
    worker = stack.worker("pg")
    pool = worker.children()
    # Idle workers hold persistent connections (CONN_MAX_AGE): a restart cuts them all.
    stack.pg.restart()
    case_id = _case_with_notice(stack, "https://mailhost-b.example/p/after-restart")
    _every_notice_once(stack, clean_smtp, case_id, expected=1)

    # A restart in the middle of a send: the mail server has the message when the database comes back, and
    # the worker records it (retrying on the lost connection) instead of leaving it to be sent again.
    clean_smtp.handler.rcpt_delay = 3.0
    clean_smtp.handler.slow_rcpt = 1
    clean_smtp.handler.in_rcpt.clear()
    case_id = _case_with_notice(stack, "https://mailhost-c.example/p/mid-send")
    assert clean_smtp.handler.in_rcpt.wait(60), worker.log_text()[-3000:]
    stack.pg.restart()
    _every_notice_once(stack, clean_smtp, case_id, expected=1)
    assert "Could not record notice" in worker.log_text()  # the send really outlived its connection

    # A restart in the middle of hashing: the task's last transaction finds its connection gone, and the task
    # is retried shortly on a fresh one instead of waiting for reconcile.
    image_id = _next_image_id(stack)
    with KillWhen(lambda: _image(stack, image_id) == ("pending", 1), stack.pg.restart):
        assert _big_image_case(stack, seed=53)[1] == image_id
    wait_until(lambda: (_image(stack, image_id) or ("",))[0] == "hashed", timeout=60, what="the image to be hashed")
    assert _image(stack, image_id) == ("hashed", 2)
    assert re.search(r"image_hash\[[^]]+\] retry: Retry in \d+s: (OperationalError|InterfaceError)", worker.log_text())
    assert worker.alive() and worker.children() == pool  # the same processes: no restart


# --- Redis stopped while an advocate files through the API -------------------------------------------------


def test_redis_down_the_api_still_files_a_case_and_the_work_is_done_when_redis_returns(stack, clean_smtp):
    web, base = stack.web()
    worker = stack.worker("api")
    token = stack.django(
        "from takedowns.services.users import portal_user_create_or_update\n"
        "out['token'] = portal_user_create_or_update(role='advocate', email='api-advocate@example.org',"
        " password='x' * 16, validate=False).token\n"
    )["token"]
    stack.redis.stop()  # the broker, the cache, the token-failure counter and the API rate limit

    payload = {
        "filer_type": "self",
        "victim_name": "Sam Example",
        "contact_email": "sam@example.org",
        "signature_name": "Sam Example",
        "good_faith_statement": "I have a good-faith belief this was shared without my consent.",
        "attest_good_faith": "true",
        "jurisdiction": "US",
        "is_synthetic": "true",
        "urls": ["https://mailhost-a.example/post/1", "https://mailhost-b.example/gallery/2"],
    }
    response = requests.post(
        f"{base}/api/v1/cases/",
        data=payload,
        files={"images": ("photo.jpg", make_photo_like(seed=43), "image/jpeg")},
        headers={"Authorization": f"Token {token}"},
        timeout=60,
    )
    assert response.status_code == 201, (response.status_code, response.text[:3000], web.log_text()[-3000:])
    reference = response.json()["reference"]
    ((case_id,),) = stack.sql("SELECT id FROM takedowns_case WHERE reference = %s", (reference,))
    assert stack.sql("SELECT state FROM takedowns_referenceimage WHERE case_id = %s", (case_id,)) == [("pending",)]

    stack.redis.start()
    wait_until(lambda: worker.log_text().count("Connected to redis") >= 2, timeout=60, what="the worker to reconnect")
    stack.manage("reconcile", "--older-than", "0")
    wait_until(
        lambda: stack.sql("SELECT state FROM takedowns_referenceimage WHERE case_id = %s", (case_id,)) == [("hashed",)],
        timeout=60,
        what="the reference image to be hashed",
    )
    stack.manage("reconcile", "--older-than", "0")
    _every_notice_once(stack, clean_smtp, case_id, expected=2)
    assert worker.alive() and web.alive()


def test_a_25_mb_png_survives_a_killed_worker_and_decrypts_to_the_bytes_sent(stack):
    """The picture once lost here: a PNG of about 25 MB (as a 7000×7000 PNG is) was accepted by the upload check
    but refused by the hasher's smaller default limit. Encrypted, stored, the worker SIGKILLed while hashing it:
    the redelivered task decrypts exactly the bytes sent and hashes them."""
    worker = stack.worker("png")
    image_id = _next_image_id(stack)
    script = (
        "import hashlib, io\n"
        "import numpy as np\n"
        "from PIL import Image\n"
        "from django.db import transaction\n"
        "from takedowns.services.cases import case_create\n"
        "from takedowns.services.images import image_add, image_upload_check\n"
        "from django.core.files.uploadedfile import SimpleUploadedFile\n"
        "pixels = np.random.default_rng(53).integers(0, 256, (2900, 2900, 3), dtype=np.uint8)\n"
        "buf = io.BytesIO()\n"
        "Image.fromarray(pixels).save(buf, 'PNG', compress_level=0)\n"
        "data = buf.getvalue()\n"
        "checked = image_upload_check(upload=SimpleUploadedFile('x.png', data))\n"
        "case = case_create(victim_name='Hash Test', urls=['https://elsewhere.example/p/2']).case\n"
        "with transaction.atomic():\n"
        "    image = image_add(case=case, data=checked.data, image_format=checked.image_format,"
        " keep_as_evidence=False, actor_kind='victim')\n"
        "out['image'], out['bytes'], out['sha256'] = image.pk, len(data), hashlib.sha256(data).hexdigest()\n"
    )
    with KillWhen(lambda: _image(stack, image_id) == ("pending", 1), lambda: _kill_pool_process(worker)):
        made = stack.django(script)
    assert made["image"] == image_id and 25_000_000 < made["bytes"] <= 25 * 1024 * 1024
    wait_until(lambda: _image(stack, image_id)[0] != "pending", timeout=90, what="the redelivered task")
    rows = stack.sql("SELECT state, failure_code, sha256 FROM takedowns_referenceimage WHERE id = %s", (image_id,))
    assert rows == [("hashed", "", made["sha256"])], rows

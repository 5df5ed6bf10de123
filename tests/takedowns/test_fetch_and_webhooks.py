"""The outbound fetcher refuses private addresses (and redirects to them); webhooks are signed, retried and
logged, against a real local HTTP server."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from takedowns import fetch
from takedowns.lifecycle import notice_transition
from takedowns.models import WebhookDelivery
from takedowns.services import webhooks
from takedowns.services.notices import notices_draft
from tests.factories import complete_case, load_email_platforms
from tests.utils import api_token


class _Recorder(BaseHTTPRequestHandler):
    received: list = []
    status = 200
    redirect_to = None

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Recorder.received.append((dict(self.headers), body))
        self.send_response(_Recorder.status)
        self.end_headers()

    def do_GET(self):
        if _Recorder.redirect_to:
            self.send_response(302)
            self.send_header("Location", _Recorder.redirect_to)
            self.end_headers()
            return
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"x" * 5000)

    def log_message(self, *args):
        pass


@pytest.fixture
def http_server():
    _Recorder.received, _Recorder.status, _Recorder.redirect_to = [], 200, None
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/x",
        "http://10.0.0.5/x",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/x",
        "http://localhost/x",
        "http://0.0.0.0/x",
    ],
)
def test_private_addresses_are_refused(settings, url):
    settings.FETCH_ALLOW_PRIVATE_ADDRESSES = False
    with pytest.raises(fetch.AddressNotAllowed):
        fetch.request("GET", url)


def test_credentials_and_other_schemes_are_refused(settings):
    for url in ("ftp://example.org/x", "file:///etc/passwd", "https://user:pw@example.org/x"):
        with pytest.raises(fetch.AddressNotAllowed):
            fetch.request("GET", url)


def test_size_cap_and_redirect_checks(settings, http_server):
    settings.FETCH_ALLOW_PRIVATE_ADDRESSES = True
    assert fetch.request("GET", http_server + "/ok").body == b"x" * 5000
    with pytest.raises(fetch.ResponseTooLarge):
        fetch.request("GET", http_server + "/ok", max_bytes=1000)
    # A redirect is followed only through the same checks: with screening on, it is refused.
    _Recorder.redirect_to = "http://169.254.169.254/latest/meta-data/"
    settings.FETCH_ALLOW_PRIVATE_ADDRESSES = False
    with pytest.raises(fetch.AddressNotAllowed):
        fetch.request("GET", http_server + "/start")


@pytest.mark.django_db
def test_webhook_is_signed_retried_and_logged(settings, http_server, django_capture_on_commit_callbacks):
    settings.FETCH_ALLOW_PRIVATE_ADDRESSES = True
    platforms = load_email_platforms()
    _endpoint, secret = webhooks.webhook_endpoint_register(platform=platforms["mailhost-a"], url=http_server + "/hook")
    case = complete_case(urls=["https://mailhost-a.example/p/1"], contact_private=True)
    notice = notice_transition(notice=notices_draft(case_id=case.pk)[0], to="sent", actor_kind="system")
    _Recorder.status = 503
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        (delivery,) = webhooks.webhooks_enqueue(notice=notice, event_type="notice.sent")
    assert len(callbacks) == 1
    assert webhooks.webhooks_enqueue(notice=notice, event_type="notice.sent") == []  # once per event
    with pytest.raises(webhooks.WebhookRetry):
        webhooks.webhook_deliver(delivery_id=delivery.pk)
    _Recorder.status = 204
    webhooks.webhook_deliver(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == "delivered" and delivery.attempts == 2 and delivery.last_status_code == 204
    headers, body = _Recorder.received[-1]
    assert webhooks.verify(secret, body, headers["X-Recourse-Signature"])
    assert not webhooks.verify("wrong-secret", body, headers["X-Recourse-Signature"])
    payload = json.loads(body)
    assert payload["event"] == "notice.sent" and payload["notice"]["reference"] == notice.reference
    assert "sam@example.org" not in body.decode()
    assert WebhookDelivery.objects.count() == 1


@pytest.mark.django_db
def test_webhook_endpoint_must_be_https(settings):
    settings.FETCH_ALLOW_PRIVATE_ADDRESSES = False
    platforms = load_email_platforms()
    with pytest.raises(webhooks.WebhookError):
        webhooks.webhook_endpoint_register(platform=platforms["mailhost-a"], url="http://example.org/hook")


@pytest.mark.django_db
def test_platform_registers_lists_and_removes_webhooks_through_the_api(settings, reddit_staff, x_staff, advocate):
    from rest_framework.test import APIClient

    def api(user):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user)}")
        return client

    settings.FETCH_ALLOW_PRIVATE_ADDRESSES = False
    refused = api(reddit_staff).post("/api/v1/webhooks/", {"url": "http://hooks.reddit.example/x"}, format="json")
    assert refused.status_code == 400 and "url" in refused.json()
    created = api(reddit_staff).post("/api/v1/webhooks/", {"url": "https://hooks.reddit.example/x"}, format="json")
    assert created.status_code == 201 and len(created.json()["secret"]) >= 40
    listed = api(reddit_staff).get("/api/v1/webhooks/").json()["results"]
    assert [w["url"] for w in listed] == ["https://hooks.reddit.example/x"] and "secret" not in listed[0]
    assert api(x_staff).get("/api/v1/webhooks/").json()["results"] == []  # another platform's are invisible
    assert api(x_staff).delete(f"/api/v1/webhooks/{listed[0]['id']}/").status_code == 404
    assert api(advocate).get("/api/v1/webhooks/").status_code == 403
    assert api(reddit_staff).delete(f"/api/v1/webhooks/{listed[0]['id']}/").status_code == 204
    assert api(reddit_staff).get("/api/v1/webhooks/").json()["results"] == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["https://127.0.0.1/hook", "https://[::1]/hook", "https://169.254.169.254/latest", "https://10.1.2.3/h"]
)
def test_webhook_targets_are_screened_at_registration(settings, url):
    from takedowns.models import Platform
    from takedowns.services.webhooks import WebhookError, webhook_endpoint_register

    settings.FETCH_ALLOW_PRIVATE_ADDRESSES = False
    with pytest.raises(WebhookError, match="not fetched"):
        webhook_endpoint_register(platform=Platform.objects.get(slug="reddit"), url=url)

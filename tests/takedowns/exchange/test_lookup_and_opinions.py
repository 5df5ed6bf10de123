"""Lookup for platforms that hold no hash list (PDQ within 31 bits, MD5 exact; only the signal id and distance
come back; limited per token, failing open without a cache; every call audited), opinions back (two platforms
calling a signal a false positive flag it for an advocate, never remove it), and scopes."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from takedowns.models import Event, EventType, ExchangeSignal, Platform
from takedowns.selectors_exchange import exchange_blocked_by_platform
from tests.takedowns.exchange.conftest import sharing_case, token_client

pytestmark = pytest.mark.django_db

PDQ = "f" * 32 + "0" * 32
MD5 = "0123456789abcdef0123456789abcdef"


def _flip(value: str, count: int) -> str:
    return f"{int(value, 16) ^ ((1 << count) - 1) << 100:064x}"


def test_lookup_matches_within_31_bits_and_md5_exactly(reddit_exchange):
    case, _image = sharing_case(pdq=PDQ, md5=MD5, victim_name="Lookup Marker Name")
    hashes = [
        {"signal_type": "pdq", "value": _flip(PDQ, 31)},
        {"signal_type": "pdq", "value": _flip(PDQ, 32)},
        {"signal_type": "video_md5", "value": MD5.upper()},
        {"signal_type": "video_md5", "value": "f" * 32},
    ]
    response = reddit_exchange.post("/api/v1/exchange/lookup/", {"hashes": hashes}, format="json")
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    pdq_id = case.exchange_signals.get(signal_type="pdq").public_id
    md5_id = case.exchange_signals.get(signal_type="video_md5").public_id
    assert [(r["match"], r["signal_id"], r["distance"]) for r in results] == [
        (True, pdq_id, 31),
        (False, None, None),
        (True, md5_id, 0),
        (False, None, None),
    ]
    assert set(results[0]) == {"signal_type", "value", "match", "signal_id", "distance"}
    assert case.reference not in response.content.decode() and "Marker" not in response.content.decode()
    event = Event.objects.get(type=EventType.EXCHANGE_LOOKUP)
    assert event.case is None
    assert event.data == {"platform": "reddit", "count": 4, "matched": 2, "signal_ids": sorted([pdq_id, md5_id])}


def test_withdrawn_signals_no_longer_match(reddit_exchange):
    from takedowns.models import ActorKind
    from takedowns.services.exchange import case_sharing_set

    case, _image = sharing_case(pdq=PDQ)
    case_sharing_set(case=case, share=False, actor_kind=ActorKind.VICTIM)
    body = reddit_exchange.post(
        "/api/v1/exchange/lookup/", {"hashes": [{"signal_type": "pdq", "value": PDQ}]}, format="json"
    ).json()
    assert body["results"][0]["match"] is False


def test_lookup_takes_at_most_100_and_checks_each_value(reddit_exchange):
    many = [{"signal_type": "pdq", "value": PDQ}] * 101
    assert reddit_exchange.post("/api/v1/exchange/lookup/", {"hashes": many}, format="json").status_code == 400
    bad = [{"signal_type": "pdq", "value": "xyz"}]
    assert reddit_exchange.post("/api/v1/exchange/lookup/", {"hashes": bad}, format="json").status_code == 400
    assert reddit_exchange.post("/api/v1/exchange/lookup/", {"hashes": many[:100]}, format="json").status_code == 200


def test_lookup_is_limited_per_token(reddit_exchange, reddit_staff, monkeypatch):
    from takedowns.api import exchange

    monkeypatch.setattr(exchange, "LOOKUPS_PER_MINUTE", 2)
    body = {"hashes": [{"signal_type": "pdq", "value": PDQ}]}
    codes = [reddit_exchange.post("/api/v1/exchange/lookup/", body, format="json").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    # Another token of the same platform has its own allowance.
    assert token_client(reddit_staff).post("/api/v1/exchange/lookup/", body, format="json").status_code == 200


def test_lookup_fails_open_when_the_cache_is_down(reddit_exchange, monkeypatch):
    from takedowns.services import throttle

    def down(*args, **kwargs):
        raise ConnectionError("cache unreachable")

    monkeypatch.setattr(throttle, "_throttle_hit", down)
    body = {"hashes": [{"signal_type": "pdq", "value": PDQ}]}
    assert reddit_exchange.post("/api/v1/exchange/lookup/", body, format="json").status_code == 200


def test_two_platforms_calling_false_positive_flag_it_for_review(reddit_exchange, x_exchange, advocate):
    case, _image = sharing_case(pdq=PDQ)
    signal = case.exchange_signals.get(signal_type="pdq")
    url = "/api/v1/exchange/opinions/"
    assert reddit_exchange.post(url, {"signal_id": signal.public_id, "opinion": "false_positive"}).status_code == 201
    assert reddit_exchange.post(url, {"signal_id": signal.public_id, "opinion": "false_positive"}).status_code == 201
    signal.refresh_from_db()
    assert not signal.needs_review  # one platform, twice, is still one platform
    # By type and value, as the python-threatexchange extension reports.
    response = x_exchange.post(url, {"signal_type": "pdq", "value": PDQ, "opinion": "false_positive"})
    assert response.status_code == 201
    signal.refresh_from_db()
    assert signal.needs_review and signal.active
    assert Event.objects.filter(type=EventType.EXCHANGE_SIGNAL_FLAGGED, case=case).count() == 1
    # The advocate sees it on the case and decides.
    advocate_api = token_client(advocate)
    rows = advocate_api.get(f"/api/v1/cases/{case.reference}/signals/").json()
    pdq_row = next(r for r in rows if r["signal_id"] == signal.public_id)
    assert pdq_row["needs_review"] and pdq_row["false_positive_platforms"] == 2
    kept = advocate_api.post(f"/api/v1/cases/{case.reference}/signals/{signal.public_id}/review/", {"keep": True})
    assert kept.status_code == 200 and kept.json()["needs_review"] is False and kept.json()["active"] is True
    gone = advocate_api.post(f"/api/v1/cases/{case.reference}/signals/{signal.public_id}/review/", {"keep": False})
    assert gone.json()["active"] is False and gone.json()["removal_reason"] == "retracted"


def test_blocked_reports_count_per_platform(reddit_exchange, x_exchange):
    case, _image = sharing_case(pdq=PDQ)
    signal = case.exchange_signals.get(signal_type="pdq")
    for client, times in ((reddit_exchange, 3), (x_exchange, 1)):
        for _ in range(times):
            client.post("/api/v1/exchange/opinions/", {"signal_id": signal.public_id, "opinion": "blocked"})
    by_slug = {Platform.objects.get(pk=pk).slug: n for pk, n in exchange_blocked_by_platform().items()}
    assert by_slug == {"reddit": 3, "x": 1}
    unknown = reddit_exchange.post("/api/v1/exchange/opinions/", {"signal_id": "sg_nope", "opinion": "blocked"})
    assert unknown.status_code == 404


def test_scopes_are_needed_and_advocates_are_refused(reddit_staff, advocate):
    sharing_case()
    staff = token_client(reddit_staff)
    assert staff.get("/api/v1/exchange/signals/").status_code == 403
    lookup = {"hashes": [{"signal_type": "pdq", "value": PDQ}]}
    assert staff.post("/api/v1/exchange/lookup/", lookup, format="json").status_code == 403
    out = StringIO()
    call_command(
        "create_portal_user",
        "--role=platform",
        "--platform=reddit",
        "--email=tooling@reddit.example",
        "--password=correct-horse-battery-staple",
        "--scope=exchange:read",
        stdout=out,
        stderr=StringIO(),
    )
    tooling = APIClient()
    tooling.credentials(HTTP_AUTHORIZATION=f"Token {out.getvalue().strip()}")
    assert tooling.get("/api/v1/exchange/signals/").status_code == 200
    assert tooling.post("/api/v1/exchange/lookup/", lookup, format="json").status_code == 403  # read only
    assert staff.get("/api/v1/exchange/signals/").status_code == 200  # the scope is the platform's
    assert Platform.objects.get(slug="reddit").exchange_scopes == ["exchange:read"]
    assert Event.objects.filter(type=EventType.EXCHANGE_SCOPES_GRANTED).exists()
    assert token_client(advocate).get("/api/v1/exchange/signals/").status_code == 403


def test_patch_and_create_record_the_choice(advocate):
    from tests.takedowns.exchange.conftest import sharing_case as make

    case, _image = make(share=False)
    client = token_client(advocate)
    on = client.patch(f"/api/v1/cases/{case.reference}/", {"share_with_platforms": True}, format="json")
    assert on.status_code == 200 and on.json()["share_with_platforms"] is True
    assert ExchangeSignal.objects.filter(case=case, active=True).count() == 2
    off = client.patch(f"/api/v1/cases/{case.reference}/", {"share_with_platforms": False}, format="json")
    assert off.json()["share_with_platforms"] is False
    assert not ExchangeSignal.objects.filter(case=case, active=True).exists()
    assert client.patch(f"/api/v1/cases/{case.reference}/", {}, format="json").status_code == 400
    changed = Event.objects.filter(type=EventType.CASE_SHARING_CHANGED, case=case)
    assert [e.data for e in changed] == [{"share_with_platforms": True}, {"share_with_platforms": False}]


def test_an_advocate_files_with_the_choice(advocate):
    payload = {
        "signature_name": "Sam Example",
        "good_faith_statement": "I have a good-faith belief the images were posted without consent.",
        "attest_good_faith": True,
        "urls": ["https://www.reddit.com/r/x/comments/abc/p/"],
        "share_with_platforms": True,
    }
    response = token_client(advocate).post("/api/v1/cases/", payload, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["share_with_platforms"] is True

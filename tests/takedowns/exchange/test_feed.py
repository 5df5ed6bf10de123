"""The hash exchange's feed: a sharing case's fingerprints arrive as additions under python-threatexchange's
signal-type names; withdrawing consent, withdrawing or erasing the case, or an advocate's retraction arrive as
deletions of the same signal ids; the cursor resumes where a subscriber stopped; nothing about the victim leaks."""

from __future__ import annotations

import json

import pytest
from threatexchange.signal_type.md5 import VideoMD5Signal
from threatexchange.signal_type.pdq.signal import PdqSignal

from takedowns.models import ActorKind, ExchangeChange, ExchangeSignal, Notice
from takedowns.services.erasure import case_erase, case_withdraw
from takedowns.services.exchange import case_sharing_set, exchange_case_sync, exchange_signal_retract
from tests.takedowns.exchange.conftest import read_feed, sharing_case

pytestmark = pytest.mark.django_db

PDQ = "f" * 32 + "0" * 32
MD5 = "0123456789abcdef0123456789abcdef"


def test_signal_type_names_are_python_threatexchanges(reddit_exchange):
    sharing_case(pdq=PDQ, md5=MD5)
    entries, _cursor = read_feed(reddit_exchange)
    assert {(e["signal_type"], e["value"]) for e in entries} == {
        (PdqSignal.get_name(), PDQ),
        (VideoMD5Signal.get_name(), MD5),
    }
    assert {e["change"] for e in entries} == {"addition"}


def test_not_sharing_shares_nothing(reddit_exchange):
    sharing_case(share=False)
    assert read_feed(reddit_exchange)[0] == []


def test_withdrawing_consent_arrives_as_deletion_of_the_same_ids(reddit_exchange):
    case, _image = sharing_case(pdq=PDQ, md5=MD5)
    added, cursor = read_feed(reddit_exchange)
    case_sharing_set(case=case, share=False, actor_kind=ActorKind.VICTIM)
    removed, _ = read_feed(reddit_exchange, after=cursor)
    assert [e["change"] for e in removed] == ["deletion", "deletion"]
    assert {e["signal_id"] for e in removed} == {e["signal_id"] for e in added}
    # Granting again shares new signals (new ids): a subscriber never resurrects a removed id.
    case_sharing_set(case=case, share=True, actor_kind=ActorKind.VICTIM)
    again, _ = read_feed(reddit_exchange, after=removed[-1]["cursor"])
    assert [e["change"] for e in again] == ["addition", "addition"]
    assert not {e["signal_id"] for e in again} & {e["signal_id"] for e in added}


def test_case_withdrawal_arrives_as_deletion(reddit_exchange):
    case, _image = sharing_case()
    added, cursor = read_feed(reddit_exchange)
    case_withdraw(case=case, actor_kind=ActorKind.VICTIM)
    removed, _ = read_feed(reddit_exchange, after=cursor)
    assert {(e["change"], e["signal_id"]) for e in removed} == {("deletion", e["signal_id"]) for e in added}
    assert not ExchangeSignal.objects.filter(active=True).exists()


def test_erasure_deletes_and_blanks_the_values(reddit_exchange):
    case, _image = sharing_case(pdq=PDQ, md5=MD5)
    added, cursor = read_feed(reddit_exchange)
    case_erase(case=case, actor_kind=ActorKind.VICTIM)
    removed, _ = read_feed(reddit_exchange, after=cursor)
    assert {e["signal_id"] for e in removed if e["change"] == "deletion"} == {e["signal_id"] for e in added}
    everything = json.dumps(read_feed(reddit_exchange)[0])
    assert PDQ not in everything and MD5 not in everything
    assert not ExchangeSignal.objects.exclude(value="").exists()


def test_closed_case_withdraws_its_signals(reddit_exchange):
    case, _image = sharing_case()
    _added, cursor = read_feed(reddit_exchange)
    type(case).objects.filter(pk=case.pk).update(state="closed")
    assert exchange_case_sync(case=case) == (0, 2)
    assert {e["change"] for e in read_feed(reddit_exchange, after=cursor)[0]} == {"deletion"}


def test_advocate_retraction_is_a_deletion_and_is_not_shared_again(reddit_exchange, advocate):
    case, _image = sharing_case()
    _added, cursor = read_feed(reddit_exchange)
    signal = case.exchange_signals.get(signal_type="pdq")
    exchange_signal_retract(signal=signal, actor_user=advocate)
    removed, cursor = read_feed(reddit_exchange, after=cursor)
    assert [(e["change"], e["signal_id"]) for e in removed] == [("deletion", signal.public_id)]
    assert exchange_case_sync(case=case) == (0, 0)
    assert read_feed(reddit_exchange, after=cursor)[0] == []


def test_sync_is_idempotent():
    case, _image = sharing_case()
    assert exchange_case_sync(case=case) == (0, 0)
    assert ExchangeChange.objects.count() == 2


def test_cursor_pages_and_resumes(reddit_exchange):
    for n in range(3):
        sharing_case(pdq=f"{n + 1:064x}", md5=f"{n + 1:032x}")
    everything, cursor = read_feed(reddit_exchange, limit=2)
    assert len(everything) == 6
    cursors = [e["cursor"] for e in everything]
    assert cursors == sorted(cursors) and len(set(cursors)) == 6
    first = reddit_exchange.get("/api/v1/exchange/signals/?limit=4").json()
    assert first["next"].endswith(f"after={first['cursor']}&limit=4") and len(first["results"]) == 4
    assert reddit_exchange.get(f"/api/v1/exchange/signals/?after={cursor}").json() == {
        "results": [],
        "cursor": cursor,
        "next": None,
    }


def test_a_page_holds_at_most_a_thousand(reddit_exchange):
    case, _image = sharing_case()
    signal = case.exchange_signals.first()
    ExchangeChange.objects.bulk_create([ExchangeChange(signal=signal, kind="addition") for _ in range(1001)])
    body = reddit_exchange.get("/api/v1/exchange/signals/?limit=5000").json()
    assert len(body["results"]) == 1000 and body["next"]


def test_notice_reference_only_for_the_platforms_own_notices(reddit_exchange, x_exchange):
    from takedowns.services.notices import notices_draft

    case, _image = sharing_case()
    notices_draft(case_id=case.pk)
    reddit_notice = Notice.objects.get(case=case, platform__slug="reddit")
    assert {tuple(e["notice_references"]) for e in read_feed(reddit_exchange)[0]} == {(reddit_notice.reference,)}
    assert {tuple(e["notice_references"]) for e in read_feed(x_exchange)[0]} == {()}


def test_feed_never_carries_the_case_or_the_person(reddit_exchange):
    """Markers planted in every field a victim fills; every page of the feed (additions and deletions) is
    scanned for them and for the case reference."""
    markers = {
        "name": "Marker Yvaine Tollbridge",
        "email": "marker.yvaine@example.org",
        "phone": "+1 555 0142 7788",
        "context": "Context-marker-e41b",
        "signature": "Signature-marker-77d0",
        "url": "https://www.reddit.com/r/x/comments/url-marker-0c9f/",
    }
    case, _image = sharing_case(
        victim_name=markers["name"],
        contact_email=markers["email"],
        contact_phone=markers["phone"],
        context=markers["context"],
        signature_name=markers["signature"],
        urls=[markers["url"]],
    )
    case_sharing_set(case=case, share=False, actor_kind=ActorKind.VICTIM)
    case_sharing_set(case=case, share=True, actor_kind=ActorKind.VICTIM)
    case_withdraw(case=case, actor_kind=ActorKind.VICTIM)
    text = json.dumps(read_feed(reddit_exchange, limit=1)[0])
    assert text.count('"change": "deletion"') == 4
    for marker in [*markers.values(), case.reference, case.reference.replace("-", "")]:
        assert marker.lower() not in text.lower(), marker

"""PDQ radius search by multi-index hashing (takedowns.models.pdq) returns exactly what brute force returns —
including the edge of the threshold (31 matches, 32 does not) and 31-bit differences spread so that no block
matches exactly (only the one-bit neighbour probes find those). Runs on whichever database the suite uses:
on PostgreSQL it exercises the indexed SQL path, on SQLite the in-process one."""

from __future__ import annotations

import random

import pytest

from hashing.mih import block_probes, max_flips, pdq_blocks
from takedowns.models import ExchangeSignal
from takedowns.models.pdq import pdq_blocks_values, pdq_within, pdq_within_brute_force
from tests.factories import complete_case, flip_bits, flip_spread

pytestmark = pytest.mark.django_db


def _store(values: list[str]) -> None:
    case = complete_case(urls=["https://example.test/a"], hashed_images=0)
    ExchangeSignal.objects.bulk_create(
        ExchangeSignal(public_id=f"sg_t{i}", case=case, signal_type="pdq", value=v, **pdq_blocks_values(v))
        for i, v in enumerate(values)
    )


def test_probes_cover_every_block_within_the_pigeonhole_bound():
    assert max_flips(31) == 1 and max_flips(15) == 0 and max_flips(32) == 2
    probes = block_probes(0b1010, 31)
    assert len(probes) == 17 and probes[0] == 0b1010
    assert {(p ^ 0b1010).bit_count() for p in probes} == {0, 1}
    assert pdq_blocks("0001" + "ffff" + "0" * 56)[:2] == (1, 0xFFFF)


def test_same_answer_as_brute_force_at_the_threshold():
    rng = random.Random(24)
    base = [f"{rng.getrandbits(256):064x}" for _ in range(6)]
    stored = []
    for b in base:
        for d in (0, 1, 15, 16, 17, 30, 31, 32, 33, 48):
            stored.append(flip_spread(b, d, rng, 16))  # spread: 31 leaves no block identical
            stored.append(flip_bits(b, rng.sample(range(256), d)))  # anywhere
        stored.append(flip_bits(b, list(range(31))))  # 31 bits packed into two blocks
        stored.append(flip_bits(b, list(range(32))))
    stored += [f"{rng.getrandbits(256):064x}" for _ in range(300)]
    _store(stored)
    queries = [*base, f"{rng.getrandbits(256):064x}"]
    signals = ExchangeSignal.objects.filter(active=True, signal_type="pdq")
    fast = pdq_within(signals, "value", queries, radius=31)
    slow = pdq_within_brute_force(signals, "value", queries, radius=31)
    assert fast == slow
    distances = sorted({d for matches in fast.values() for _pk, _v, d in matches})
    assert 31 in distances and 32 not in distances and 0 in distances
    # Every base finds its spread 31-bit copy, which only a one-bit-neighbour probe can reach.
    for b in base:
        assert sum(1 for _pk, _v, d in fast[b] if d == 31) >= 3


def test_rows_without_blocks_are_not_found():
    value = "ab" * 32
    _store([value])
    ExchangeSignal.objects.update(active=False, **pdq_blocks_values(None))
    signals = ExchangeSignal.objects.filter(active=True, signal_type="pdq")
    assert pdq_within(signals, "value", [value]) == {value: []}


def test_in_memory_multi_index_equals_brute_force_in_its_tables_and_its_tail(monkeypatch):
    import hashing.mih as mih

    rng = random.Random(31)
    base = [f"{rng.getrandbits(256):064x}" for _ in range(4)]
    values = [flip_spread(b, d, rng, 16) for b in base for d in (0, 1, 16, 30, 31, 32, 33)]
    values += [f"{rng.getrandbits(256):064x}" for _ in range(200)]
    ids = list(range(100, 100 + len(values)))
    queries = [*base, f"{rng.getrandbits(256):064x}"]
    expected = sorted(
        (qi, i, mih.distance(q, v))
        for qi, q in enumerate(queries)
        for i, v in zip(ids, values, strict=True)
        if mih.distance(q, v) <= 31 and i not in (100, 101)
    )
    for tail_max in (50, 10_000):  # 50: most rows in the block tables; 10,000: all in the exhaustive tail
        monkeypatch.setattr(mih, "TAIL_MAX", tail_max)
        index = mih.MultiIndex()
        index.add(ids[:120], values[:120])
        index.add(ids[120:], values[120:])
        index.remove([100, 101])
        assert sorted(index.search(queries, 31)) == expected


def test_lookup_follows_the_feed_after_the_index_is_loaded():
    from takedowns.selectors_exchange import exchange_lookup_match

    rng = random.Random(7)
    first, second = (f"{rng.getrandbits(256):064x}" for _ in range(2))
    case = complete_case(urls=["https://example.test/a"], hashed_images=0)
    exchange_lookup_match(values=[("pdq", first)])  # loads this process's index (empty feed)

    from takedowns.models import ChangeKind, ExchangeChange

    def share(value, n):
        signal = ExchangeSignal.objects.create(
            public_id=f"sg_f{n}", case=case, signal_type="pdq", value=value, **pdq_blocks_values(value)
        )
        ExchangeChange.objects.create(signal=signal, kind=ChangeKind.ADDITION)
        return signal

    share(first, 1)
    kept = share(second, 2)
    near = flip_spread(second, 31, rng, 16)
    assert [r["signal_id"] for r in exchange_lookup_match(values=[("pdq", first), ("pdq", near)])] == ["sg_f1", "sg_f2"]
    ExchangeSignal.objects.filter(pk=kept.pk).update(active=False, **pdq_blocks_values(None))
    ExchangeChange.objects.create(signal=kept, kind=ChangeKind.DELETION)
    assert [r["match"] for r in exchange_lookup_match(values=[("pdq", first), ("pdq", near)])] == [True, False]

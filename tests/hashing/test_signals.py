"""Contract tests: every hash type answers the same questions the same way."""

from __future__ import annotations

import imagehash
import pytest

from hashing import HASH_TYPES, InvalidHash, compute, validate
from hashing.signals import hash_type
from tests.utils import encode, photo


@pytest.fixture(scope="module")
def two_records():
    return compute(encode(photo("astronaut"))), compute(encode(photo("coffee")))


@pytest.mark.parametrize("name", sorted(HASH_TYPES))
def test_contract(name, two_records):
    ht = HASH_TYPES[name]
    a, b = (r.hash(name) for r in two_records)
    assert len(a) == ht.hex_length == ht.bits // 4
    assert ht.validate(a) == a
    assert ht.validate(a.upper()) == a  # hex round trip, canonical lower case
    assert ht.to_int(a).to_bytes(ht.bits // 8, "big").hex() == a
    assert ht.distance(a, a) == 0
    assert ht.compare(a, a) == (True, 0)
    assert ht.distance(a, b) == ht.distance(b, a) > 0
    assert ht.compare(a, b)[1] == ht.compare(b, a)[1]
    assert validate(name, a) == a


@pytest.mark.parametrize("name", sorted(HASH_TYPES))
@pytest.mark.parametrize("bad", ["", "xyz", "0" * 7, "g" * 16, "0" * 65, None])
def test_validate_rejects(name, bad):
    with pytest.raises(InvalidHash) as err:
        HASH_TYPES[name].validate(bad)
    assert err.value.code == "invalid_hash"
    assert not HASH_TYPES[name].is_valid(bad)


def test_unknown_type():
    with pytest.raises(InvalidHash):
        hash_type("ahash")


def test_imagehash_compatible():
    im = photo("camera").convert("L")
    assert HASH_TYPES["phash"].compute(im) == str(imagehash.phash(im))
    assert HASH_TYPES["dhash"].compute(im) == str(imagehash.dhash(im))
    assert HASH_TYPES["whash"].compute(im) == str(imagehash.whash(im))

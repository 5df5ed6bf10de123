"""The keypoint index proposes the reference a cropped or turned copy comes from, within its budget, and
a proposal for an unrelated picture is refused by the matcher (generated pictures only)."""

from __future__ import annotations

import pytest

import hashing
from hashing.kpindex import MIN_VOTES, KeypointIndex
from tests.utils import hard_edited_copies, make_photo_like

REFS = [make_photo_like(640, 480, seed=s) for s in (41, 42, 43)]


@pytest.fixture(scope="module")
def index():
    refs = [hashing.compute(r, features=True) for r in REFS]
    return KeypointIndex([r.features for r in refs], ["a", "b", "c"])


@pytest.mark.parametrize("edit", ["off-centre crop", "7 % crop", "3° rotation"])
def test_a_copy_points_to_its_reference_first(index, edit):
    cand = hashing.compute_candidate(hard_edited_copies(REFS[1])[edit])
    proposed = index.candidates(cand.features, cand.features_mirrored)
    assert proposed and proposed[0][0] == "b" and proposed[0][1] >= MIN_VOTES


def test_the_budget_bounds_the_proposals(index):
    cand = hashing.compute_candidate(hard_edited_copies(REFS[0])["7 % crop"])
    assert len(index.candidates(cand.features, budget=1)) == 1
    assert len(index.candidates(cand.features, min_votes=0, budget=2)) == 2


def test_a_proposal_is_not_a_match(index):
    # Generated pictures share their texture, so an unrelated one may draw votes (29 here); the keypoint
    # stage, not the index, decides, and it refuses every proposal.
    refs = [hashing.compute(r, features=True) for r in REFS]
    for seed in (99, 100, 101):
        cand = hashing.compute_candidate(make_photo_like(640, 480, seed=seed))
        for ref_id, _votes in index.candidates(cand.features, cand.features_mirrored):
            assert not hashing.Matcher([refs["abc".index(ref_id)]]).match(cand).match


def test_an_empty_index_and_pictures_without_keypoints():
    empty = KeypointIndex([None], ["x"])
    assert len(empty) == 0
    cand = hashing.compute_candidate(make_photo_like(320, 240, seed=5))
    assert empty.candidates(cand.features) == []
    with pytest.raises(ValueError):
        KeypointIndex([None], [])

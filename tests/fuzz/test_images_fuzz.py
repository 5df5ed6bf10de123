"""Fuzzing the upload validator and the hashing decoder with random and mutated bytes.

Every input ends in a result or in the documented error — a ``hashing.HashingError`` with a stable ``code`` and
a message for the person who uploaded it (``hashing/errors.py``), which the upload form shows next to the file —
never in another exception, a hang (each example has a deadline: tests/fuzz/conftest.py) or unbounded memory
(the pixel limit is checked from the header before any pixel is decoded; a subprocess with a capped address
space decodes the largest allowed picture and header-claimed giants).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.datastructures import MultiValueDict
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

import hashing
from hashing.decode import DEFAULT_LIMITS
from takedowns.forms.intake import ImagesForm
from takedowns.services.images import image_upload_check
from tests.fuzz.images import SEEDS, any_bytes, claims_size
from tests.fuzz.profiles import examples
from tests.utils import ROOT

CODES = {"empty_file", "file_too_large", "too_many_pixels", "unsupported_format", "corrupt_image", "unreadable_file"}
FORMATS = {"JPEG", "PNG", "GIF", "WEBP", "HEIF", "AVIF"}


def assert_documented(exc: hashing.HashingError) -> None:
    assert exc.code in CODES, exc.code
    assert exc.message and exc.message.strip(), exc
    assert "Traceback" not in exc.message


def test_every_seed_is_accepted():
    # The mutations start from pictures the validator takes, so a refusal below is the damage's doing.
    for name, data in SEEDS.items():
        assert image_upload_check(upload=SimpleUploadedFile(name, data)).image_format in FORMATS, name


@given(any_bytes)
@examples(60)
def test_upload_check_accepts_or_refuses_with_a_message(data):
    upload = SimpleUploadedFile("picture.jpg", data, content_type="image/jpeg")
    try:
        checked = image_upload_check(upload=upload)
    except hashing.HashingError as exc:
        assert_documented(exc)
    else:
        assert checked.data == data
        assert checked.image_format in FORMATS


@given(st.lists(any_bytes, min_size=1, max_size=3))
@examples(30)
def test_images_form_keeps_the_good_files_and_names_the_bad_ones(files):
    uploads = [SimpleUploadedFile(f"file-{n}.png", data) for n, data in enumerate(files)]
    form = ImagesForm({"action": "next"}, MultiValueDict({"images": uploads}))
    valid = form.is_valid()
    assert len(form.checked) + len(form.refused) == len(files)
    assert valid == (not form.refused)
    if not valid:
        messages = form.errors["images"]
        assert len(messages) == len(form.refused)
        for name, message in zip(form.refused, messages, strict=True):
            assert name in message and len(message) > len(name) + 10


@given(any_bytes, st.booleans())
@examples(60)
def test_hashing_decoder_returns_hashes_or_the_documented_error(data, candidate):
    # compute() is what the worker runs on a reference (keypoints included); compute_candidate() what
    # verification and discovery run on fetched pictures (frame unwrapping, mirrored keypoints).
    try:
        result = hashing.compute_candidate(data) if candidate else hashing.compute(data, features=True)
    except hashing.HashingError as exc:
        assert_documented(exc)
    else:
        assert len(result.pdq) == 64 and len(result.phash) == 16
        assert result.width > 0 and result.height > 0


@pytest.mark.parametrize("kind", ["png-rgba", "gif", "jpeg", "webp"])
@pytest.mark.parametrize("size", [(65535, 65535), (16383, 16383), (50_001, 1000)])
def test_a_header_claiming_giant_dimensions_is_refused_before_decoding(kind, size):
    data = claims_size(kind, *size)
    started = time.perf_counter()
    with pytest.raises(hashing.HashingError) as caught:
        hashing.compute(data, features=True)
    assert caught.value.code in {"too_many_pixels", "corrupt_image"}
    if size[0] * size[1] > DEFAULT_LIMITS.max_pixels and caught.value.code == "corrupt_image":
        # Only a header the library itself cannot parse any more may end as "damaged" instead.
        assert kind in {"webp", "gif"}, caught.value.detail
    assert time.perf_counter() - started < 2, "a claimed size must be refused from the header alone"


def test_pillow_bomb_guard_is_stricter_than_ours_never_looser():
    # Pillow raises DecompressionBombError above 2 × MAX_IMAGE_PIXELS; our own limit must bite first.
    assert Image.MAX_IMAGE_PIXELS is not None
    assert DEFAULT_LIMITS.max_pixels <= Image.MAX_IMAGE_PIXELS


MEMORY_PROBE = textwrap.dedent(
    """
    import io, resource, sys
    from PIL import Image
    import hashing
    from hashing.decode import DEFAULT_LIMITS
    from tests.fuzz.images import claims_size

    side = int(DEFAULT_LIMITS.max_pixels ** 0.5) - 1  # the largest square picture the limit allows
    out = io.BytesIO()
    Image.new("RGB", (side, side), (200, 30, 90)).save(out, "PNG")  # ~7000 x 7000, a few hundred KB
    largest = out.getvalue()
    out = io.BytesIO()
    Image.new("RGB", (side + 100, side + 100)).save(out, "PNG")  # just over the limit
    over = out.getvalue()
    claimed = [claims_size(k, 65535, 65535) for k in ("png-rgba", "gif", "jpeg", "webp")]

    def vm_bytes():
        with open("/proc/self/status") as fh:
            return int(fh.read().split("VmSize:")[1].split()[0]) * 1024

    cap = vm_bytes() + int(sys.argv[1]) * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    for data in [largest, over, *claimed]:
        try:
            result = hashing.compute(data, features=True)
            print("ok", result.width, result.height, flush=True)
        except hashing.HashingError as exc:
            print(exc.code, flush=True)
    """
)


@pytest.mark.slow
def test_decoding_stays_within_a_fixed_memory_bound():
    """The largest picture the limit allows (about 7,000 × 7,000, an RGB PNG that compresses to almost nothing)
    is decoded and hashed within 1 GB of address space beyond what the imports took; anything larger, or claiming
    to be, is refused without allocating it."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    done = subprocess.run(
        [sys.executable, "-c", MEMORY_PROBE, "1024"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.split()
    side = int(DEFAULT_LIMITS.max_pixels**0.5) - 1
    assert done.stdout.splitlines()[0] == f"ok {side} {side}"
    assert done.stdout.splitlines()[1] == "too_many_pixels"
    assert all(code in {"too_many_pixels", "corrupt_image"} for code in done.stdout.splitlines()[2:]), lines

"""Fixtures for the hashing tests: generated pictures only (scikit-image sample photos when available,
synthetic natural-looking images otherwise). Never real people's private images."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

try:
    import skimage.data as _skdata
except Exception:  # pragma: no cover - skimage is a dev dependency
    _skdata = None


def synthetic_photo(seed: int, size: tuple[int, int] = (480, 360)) -> Image.Image:
    """A natural-looking RGB picture: smooth shapes, a lighting gradient and 1/f texture."""
    rng = np.random.default_rng(seed)
    w, h = size
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    img = np.zeros((h, w, 3), np.float32) + rng.uniform(60, 180, 3)
    img += (xx / w * rng.uniform(-60, 60) + yy / h * rng.uniform(-60, 60))[..., None]
    for _ in range(12):
        cx, cy = rng.uniform(0, w), rng.uniform(0, h)
        rx, ry = rng.uniform(20, w / 3), rng.uniform(20, h / 3)
        mask = (((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2) < 1
        img[mask] = img[mask] * 0.4 + rng.uniform(0, 255, 3) * 0.6
    f = np.fft.fftfreq(h)[:, None] ** 2 + np.fft.fftfreq(w)[None, :] ** 2
    spectrum = (rng.normal(size=(h, w)) + 1j * rng.normal(size=(h, w))) / np.maximum(f, 1e-4) ** 0.75
    noise = np.real(np.fft.ifft2(spectrum))
    img += (noise / noise.std() * 12)[..., None]
    return Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))


PHOTO_NAMES = ["astronaut", "coffee", "camera", "chelsea", "rocket", "coins"]


def photo(name_or_seed: str | int) -> Image.Image:
    if isinstance(name_or_seed, str) and _skdata is not None:
        return Image.fromarray(np.asarray(getattr(_skdata, name_or_seed)())).convert("RGB")
    seed = name_or_seed if isinstance(name_or_seed, int) else PHOTO_NAMES.index(name_or_seed) + 100
    return synthetic_photo(seed)


def encode(im: Image.Image, fmt: str = "JPEG", **kw) -> bytes:
    buf = io.BytesIO()
    if fmt == "JPEG":
        kw.setdefault("quality", 90)
    im.save(buf, fmt, **kw)
    return buf.getvalue()


@pytest.fixture(scope="session")
def astronaut() -> Image.Image:
    return photo("astronaut")


@pytest.fixture(scope="session")
def astronaut_jpeg(astronaut) -> bytes:
    return encode(astronaut)

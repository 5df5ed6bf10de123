"""PDQ in NumPy, exact to Meta's reference and able to work from a reduced decode.

The reference algorithm (facebook/ThreatExchange pdq/cpp, ``pdqhashing.cpp``) turns the luma image into a
64 × 64 buffer with two passes of a Jarosz box filter per axis (window ``ceil(dimension / 128)``, edges
averaged over the pixels that exist) followed by point sampling at ``int((i + 0.5) * dimension / 64)``;
then a 16 × 16 DCT (skipping DC), bits = coefficient > median, and a gradient-based quality score.

Everything before the DCT is linear and separable, so it is one 64 × N matrix per axis. We build that
matrix for the *original* dimension N and fold it onto the pixels we actually decoded (libjpeg's 1/s
draft decode gives one pixel per s × s block): ``buffer = Ay @ luma @ Ax.T``. On a full decode this is
the reference computation (tested against the ``pdqhash`` bindings); on a 1/8 draft decode it stays within
a few bits of it, where simply resizing to 256 × 256 and calling the reference moved 20-70 bits
(measured while writing this module, see benchmarks/RESULTS.md). It also costs ~1 ms instead of the
~470 ms the reference takes on a 12 MP frame.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

_DIVISOR = 128  # PDQ_JAROSZ_WINDOW_SIZE_DIVISOR
_NREPS = 2  # PDQ_NUM_JAROSZ_XY_PASSES


def _box_sum(u: np.ndarray, before: int, after: int) -> np.ndarray:
    """out[..., k] = sum of u[..., k-before .. k+after], clipped to the array."""
    n = u.shape[-1]
    c = np.concatenate([np.zeros((*u.shape[:-1], 1)), np.cumsum(u, axis=-1)], axis=-1)
    k = np.arange(n)
    hi = np.minimum(k + after, n - 1) + 1
    lo = np.maximum(k - before, 0)
    return c[..., hi] - c[..., lo]


@lru_cache(maxsize=64)
def _axis_operator(full: int, decoded: int) -> np.ndarray:
    """64 × decoded matrix: reference blur + decimation along an axis of original length ``full``."""
    window = (full + _DIVISOR - 1) // _DIVISOR
    half = (window + 2) // 2
    lo_off, hi_off = window - half, half - 1  # reference box covers [q - lo_off, q + hi_off]
    q = np.arange(full)
    count = (np.minimum(q + hi_off, full - 1) - np.maximum(q - lo_off, 0) + 1).astype(np.float64)
    rows = np.zeros((64, full))
    rows[np.arange(64), ((np.arange(64) + 0.5) * full / 64).astype(int)] = 1.0
    for _ in range(_NREPS):  # rows of S·B·B, by applying B transposed twice to the sample deltas
        rows = _box_sum(rows / count, hi_off, lo_off)
    if decoded == full:
        return rows
    # Fold the original grid onto the decoded grid: original pixel k lies in decoded pixel k*decoded//full.
    idx = (np.arange(full) * decoded) // full
    out = np.zeros((64, decoded))
    np.add.at(out.T, idx, rows.T)
    return out


@lru_cache(maxsize=1)
def _dct_matrix() -> np.ndarray:
    i = np.arange(1, 17)[:, None]
    j = np.arange(64)[None, :]
    return np.sqrt(2.0 / 64.0) * np.cos((np.pi / 2 / 64.0) * i * (2 * j + 1))


def buffer64(luma: np.ndarray, full_width: int | None = None, full_height: int | None = None) -> np.ndarray:
    """The reference 64 × 64 pre-DCT buffer of ``luma`` (float, 0-255), given the original size."""
    h, w = luma.shape
    ay = _axis_operator(full_height or h, h)
    ax = _axis_operator(full_width or w, w)
    return ay @ luma.astype(np.float64) @ ax.T


def quality(buf: np.ndarray) -> int:
    """pdqImageDomainQualityMetric: summed integer-truncated gradients, /90, capped at 100."""
    dv = np.trunc((buf[:-1, :] - buf[1:, :]) * 100 / 255)
    dh = np.trunc((buf[:, :-1] - buf[:, 1:]) * 100 / 255)
    total = int(np.abs(dv).sum() + np.abs(dh).sum())
    return min(100, total // 90)


def bits_from_buffer(buf: np.ndarray) -> np.ndarray:
    """256 hash bits in the bindings' vector order (packing them MSB-first gives the standard hex)."""
    d = _dct_matrix()
    coeffs = d @ buf @ d.T
    bits = (coeffs > np.median(coeffs)).ravel()  # reference bit index i*16 + j
    return bits[::-1]  # hex is printed from bit 255 down to bit 0


def pdq(luma: np.ndarray, full_width: int | None = None, full_height: int | None = None) -> tuple[np.ndarray, int]:
    """(bits, quality) of a 2-D luma array that may be a reduced decode of a full_width × full_height image."""
    buf = buffer64(luma, full_width, full_height)
    return bits_from_buffer(buf), quality(buf)


def hex_from_bits(bits: np.ndarray) -> str:
    return np.packbits(np.asarray(bits, dtype=bool)).tobytes().hex()

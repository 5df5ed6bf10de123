"""Find the picture inside added borders: solid or blurred padding, letterboxing, caption bars.

Re-uploads are often padded into a 9:16 story (over a blurred, enlarged copy or a solid colour),
letter-boxed, framed or given a caption bar. Each of these adds rows/columns that are either flat
(solid colour or heavy blur: little texture along the row) or mostly one colour (a caption bar with a
line of text). We strip such rows/columns from each side, tolerating short runs of text, and hash what
is left. The same function runs on references and candidates, so when it also eats into a flat part of
the photo itself (sky, a wall) it does so on both sides and the hashes still agree.
"""

from __future__ import annotations

import numpy as np

WORK_SIDE = 256  # analysis resolution; borders are large structures
FLAT_ACTIVITY = 1.2  # mean |gradient| along a line below which the line is "flat" (grey levels/pixel)
FLAT_RELATIVE = 0.25  # ... or below this fraction of the picture's median line activity
UNIFORM_TOLERANCE = 10  # grey levels from the line's median
UNIFORM_FRACTION = 0.8  # share of a line within tolerance for it to count as a solid band
MAX_GAP = 0.08  # tolerate non-border runs this long (text inside a caption bar), as fraction of length
MAX_SIDE_TRIM = 0.45  # never trim more than this from one side
MIN_TRIM = 0.03  # ignore trims smaller than this in total along an axis
MIN_KEEP = 0.2  # the content must keep at least this share of each dimension


def _line_flags(a: np.ndarray) -> np.ndarray:
    """For each row of ``a``: is it border-like (flat, blurred or mostly a single grey level)."""
    activity = np.abs(np.diff(a, axis=1)).mean(axis=1)
    central = activity[len(activity) // 4 : max(len(activity) // 4 + 1, 3 * len(activity) // 4)]
    ref = float(np.median(central)) if central.size else 0.0
    flat = activity < max(FLAT_ACTIVITY, min(3.0, FLAT_RELATIVE * ref))
    uniform = (np.abs(a - np.median(a, axis=1, keepdims=True)) <= UNIFORM_TOLERANCE).mean(axis=1)
    return flat | (uniform >= UNIFORM_FRACTION)


def _scan(flags: np.ndarray) -> int:
    """How many lines to cut from the start of ``flags``."""
    n = len(flags)
    limit = int(n * MAX_SIDE_TRIM)
    max_gap = max(1, int(n * MAX_GAP))
    cut, gap, border = 0, 0, 0
    for i in range(limit):
        if flags[i]:
            border += 1
            gap = 0
            if border >= 0.6 * (i + 1):
                cut = i + 1
        else:
            gap += 1
            if gap > max_gap:
                break
    return cut


def content_box(grey: np.ndarray) -> tuple[float, float, float, float] | None:
    """Relative (x0, y0, x1, y1) of the content inside borders, or None when there is nothing to trim."""
    h, w = grey.shape
    step = max(1, int(np.ceil(max(h, w) / WORK_SIDE)))
    a = grey[::step, ::step].astype(np.float32)
    sh, sw = a.shape
    if sh < 16 or sw < 16:
        return None
    rows = _line_flags(a)
    cols = _line_flags(a.T)
    top, bottom = _scan(rows), _scan(rows[::-1])
    left, right = _scan(cols), _scan(cols[::-1])
    if (top + bottom) < MIN_TRIM * sh:
        top = bottom = 0
    if (left + right) < MIN_TRIM * sw:
        left = right = 0
    if top == bottom == left == right == 0:
        return None
    if (sh - top - bottom) < MIN_KEEP * sh or (sw - left - right) < MIN_KEEP * sw:
        return None
    return (left / sw, top / sh, (sw - right) / sw, (sh - bottom) / sh)

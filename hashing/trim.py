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


# --- App-frame unwrapping (candidates only) ---------------------------------------------------------
# A screenshot puts the photo inside app chrome: status bar, account name, buttons, like counts,
# comments, a tab bar. Unlike story padding, chrome is not flat line by line (text and icons sit on it)
# and it can take more than half the screen. What it has is a background colour shared by most of each
# chrome line, taken from the screen's outer ring. ``frame_box`` keeps the longest run of rows that are
# *not* mostly that colour, then the longest run of such columns inside it: the photo. Nothing depends
# on one app's layout (sizes, colours and positions are free), so it carries over to unseen frames.
FRAME_TOLERANCE = 14  # grey levels from the background colour (JPEG ringing around text included)
FRAME_RING_UNIFORM = 0.6  # share of the outer ring that must be one colour for a frame to exist
FRAME_SIDE_MIN = 0.2  # ... and at least this share of each side
FRAME_LINE_BG = 0.55  # a line with at least this share of background pixels is chrome
FRAME_GAP = 0.02  # background-like lines tolerated inside the photo (a white sky line), fraction of side
FRAME_MIN_CUT = 0.06  # below this total share removed, there is no frame worth unwrapping
FRAME_MIN_KEEP = 0.15  # the photo must keep at least this share of each side
# An app, story pad, border or caption bar shows the photo across most of the screen in at least one direction.
# A "photo" under half the picture both ways was, on the robustness set, a sticker on a low-contrast photo
# (moon, brick, a star field) or a patch of a text page: taking it for the photo threw away every keypoint of
# the real photo around it, so such boxes are not frames.
FRAME_MIN_SPAN = 0.5


def _longest_run(flags: np.ndarray, max_gap: int) -> tuple[int, int]:
    """[start, end) of the longest run of True in ``flags``, bridging False gaps up to ``max_gap``."""
    best, start, last, gap = (0, 0), -1, -1, 0
    for i, f in enumerate(flags):
        if f:
            if start < 0:
                start = i
            last, gap = i, 0
            if last + 1 - start > best[1] - best[0]:
                best = (start, last + 1)
        elif start >= 0:
            gap += 1
            if gap > max_gap:
                start, gap = -1, 0
    return best


SEAM_JUMP = 48  # grey-level step across a straight edge between a bar and the photo
SEAM_FRACTION = 0.9  # share of the line that must show the step
SEAM_BAND_UNIFORM = 0.75  # the bar beyond the edge is mostly one colour (text allowed)


def _seam(a: np.ndarray) -> int:
    """Rows to cut from the start of ``a``: a one-colour bar ending in a straight full-width edge."""
    n = a.shape[0]
    limit = min(n - 2, int(n * MAX_SIDE_TRIM))
    if limit < 3:
        return 0
    jump = (np.abs(a[2 : limit + 2] - a[:limit]) > SEAM_JUMP).mean(axis=1)  # edge between rows k and k+2
    for k in np.nonzero(jump >= SEAM_FRACTION)[0][::-1]:  # the deepest edge first
        band, med = a[: k + 1], float(np.median(a[: k + 1]))
        if k + 1 < 3 or abs(med - float(np.median(a[k + 2 :]))) <= SEAM_JUMP:
            continue  # no bar of its own colour (a mortar line in a brick wall is not a caption bar)
        if (np.abs(band - med) <= FRAME_TOLERANCE).mean() >= SEAM_BAND_UNIFORM:
            return int(k + 2)
    return 0


def _seam_box(a: np.ndarray) -> tuple[float, float, float, float] | None:
    """Caption bars and one-sided padding of a colour the photo's edge does not share."""
    sh, sw = a.shape
    top, bottom = _seam(a), _seam(a[::-1])
    left, right = _seam(a.T), _seam(a.T[::-1])
    keep_h, keep_w = sh - top - bottom, sw - left - right
    if keep_h < MIN_KEEP * sh or keep_w < MIN_KEEP * sw or keep_h * keep_w > (1 - FRAME_MIN_CUT) * sh * sw:
        return None
    return (left / sw, top / sh, (sw - right) / sw, (sh - bottom) / sh)


def frame_box(grey: np.ndarray) -> tuple[float, float, float, float] | None:
    """Relative (x0, y0, x1, y1) of the photo inside an app frame, solid padding or caption bar, or None."""
    h, w = grey.shape
    step = max(1, int(np.ceil(max(h, w) / WORK_SIDE)))
    a = grey[::step, ::step].astype(np.int16)
    sh, sw = a.shape
    if sh < 16 or sw < 16:
        return None
    box = _ring_box(a)
    return box if box is not None else _seam_box(a)


def _ring_box(a: np.ndarray) -> tuple[float, float, float, float] | None:
    sh, sw = a.shape
    sides = (a[:2].ravel(), a[-2:].ravel(), a[:, :2].ravel(), a[:, -2:].ravel())
    bg = int(np.median(np.concatenate(sides)))
    share = [float((np.abs(side - bg) <= FRAME_TOLERANCE).mean()) for side in sides]
    # The frame surrounds the photo: mostly one colour overall and present on every side (a caption bar
    # on top of a dark photo is not a frame around the bar).
    if np.mean(share) < FRAME_RING_UNIFORM or min(share) < FRAME_SIDE_MIN:
        return None
    is_bg = np.abs(a - bg) <= FRAME_TOLERANCE
    rows = is_bg.mean(axis=1) < FRAME_LINE_BG
    y0, y1 = _longest_run(rows, max(1, int(FRAME_GAP * sh)))
    if y1 - y0 < FRAME_MIN_KEEP * sh:
        return None
    cols = is_bg[y0:y1].mean(axis=0) < FRAME_LINE_BG
    x0, x1 = _longest_run(cols, max(1, int(FRAME_GAP * sw)))
    if x1 - x0 < FRAME_MIN_KEEP * sw:
        return None
    if (y1 - y0) * (x1 - x0) > (1 - FRAME_MIN_CUT) * sh * sw:
        return None
    if y1 - y0 < FRAME_MIN_SPAN * sh and x1 - x0 < FRAME_MIN_SPAN * sw:
        return None
    return (x0 / sw, y0 / sh, x1 / sw, y1 / sh)

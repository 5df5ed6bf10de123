"""Shared helpers for the hashing benchmarks: sample photos (offline, from scikit-image) and edits.

Photos come only from ``skimage.data`` files bundled in the wheel (no download at run time). The edits
imitate how abuse imagery is re-uploaded: re-compression, resizing, colour changes, crops, borders, 9:16
story padding, letterboxing, mirroring, small rotations, stickers, meme captions and screenshots inside
an app frame.
"""

from __future__ import annotations

import io
import os
import sys
import zlib

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont, ImageOps

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:  # allow `python benchmarks/x.py` from the project root
    sys.path.insert(0, ROOT)

# Distinct natural photographs bundled with scikit-image (cat == chelsea, so only one of them).
PHOTO_NAMES = [
    "astronaut",
    "chelsea",
    "coffee",
    "rocket",
    "hubble_deep_field",
    "retina",
    "immunohistochemistry",
    "camera",
    "coins",
    "moon",
    "clock",
    "page",
    "brick",
    "grass",
    "gravel",
    "motorcycle",
]


def load_photo(name: str) -> Image.Image:
    import skimage.data as data

    arr = data.stereo_motorcycle()[0] if name == "motorcycle" else getattr(data, name)()
    im = Image.fromarray(np.asarray(arr))
    return im.convert("RGB")


def load_faces(n: int = 100, side: int = 200) -> list[Image.Image]:
    """Face crops from LFW shipped with scikit-image (25 × 25), enlarged: look-alike hard negatives."""
    import skimage.data as data

    faces = data.lfw_subset()[:n]
    out = []
    for f in faces:
        arr = np.clip(np.asarray(f) * (255.0 if f.max() <= 1.0 else 1.0), 0, 255).astype(np.uint8)
        out.append(Image.fromarray(arr).resize((side, side), Image.Resampling.BICUBIC).convert("RGB"))
    return out


def to_bytes(im: Image.Image, fmt: str = "JPEG", **kw) -> bytes:
    buf = io.BytesIO()
    if fmt == "JPEG":
        kw.setdefault("quality", 90)
        im = im.convert("RGB")
    im.save(buf, fmt, **kw)
    return buf.getvalue()


def _font(size: int) -> ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=size)
    except Exception:  # pragma: no cover - Pillow without FreeType
        return ImageFont.load_default()


def _jpeg(im: Image.Image, q: int) -> Image.Image:
    return Image.open(io.BytesIO(to_bytes(im, "JPEG", quality=q))).convert("RGB")


def _crop(im: Image.Image, left: float, top: float, right: float, bottom: float) -> Image.Image:
    w, h = im.size
    return im.crop((round(w * left), round(h * top), round(w * (1 - right)), round(h * (1 - bottom))))


def _fit(im: Image.Image, w: int, h: int) -> Image.Image:
    s = min(w / im.width, h / im.height)
    return im.resize((max(1, round(im.width * s)), max(1, round(im.height * s))), Image.Resampling.LANCZOS)


def _rng(im: Image.Image, salt: str) -> np.random.Generator:
    """A generator seeded by the picture and the edit: every photo gets its own frame, reproducibly."""
    small = np.asarray(im.convert("L").resize((16, 16)), dtype=np.uint8)
    return np.random.default_rng([zlib.crc32(small.tobytes()), zlib.crc32(salt.encode())])


def _story(im: Image.Image, blurred: bool, template: dict | None = None) -> Image.Image:
    t = template or story_template(_rng(im, f"story{blurred}"))
    W, H = t["size"]
    if blurred:
        bg = ImageOps.fit(im, (W, H), Image.Resampling.BILINEAR).filter(ImageFilter.GaussianBlur(30))
        bg = ImageEnhance.Brightness(bg).enhance(0.8)
    else:
        bg = Image.new("RGB", (W, H), t["colour"])
    fg = _fit(im, round(W * t["fill"]), H)
    bg.paste(fg, ((W - fg.width) // 2, round((H - fg.height) * t["y"])))
    return bg


def story_template(rng: np.random.Generator) -> dict:
    w = int(rng.integers(540, 1081))
    return {
        "size": (w, round(w * 16 / 9)),
        "colour": tuple(int(v) for v in rng.integers(0, 256, 3)),
        "fill": float(rng.uniform(0.85, 1.0)),
        "y": float(rng.uniform(0.3, 0.6)),
    }


def _letterbox(im: Image.Image) -> Image.Image:
    rng = _rng(im, "letterbox")
    w, h = im.size
    if w >= h:  # wide picture in a portrait frame: bars above and below
        W, H = w, round(w * rng.uniform(1.2, 1.5))
    else:  # tall picture in a wide frame: bars left and right
        H, W = h, round(h * rng.uniform(1.6, 1.9))
    canvas = Image.new("RGB", (W, H), tuple(int(v) for v in rng.integers(0, 30, 3)))
    canvas.paste(im, ((W - w) // 2, (H - h) // 2))
    return canvas


def _border(im: Image.Image, template: dict | None = None) -> Image.Image:
    t = template or border_template(_rng(im, "border"))
    b = round(t["width"] * max(im.size))
    return ImageOps.expand(im, border=b, fill=t["colour"])


def border_template(rng: np.random.Generator) -> dict:
    return {"width": float(rng.uniform(0.04, 0.12)), "colour": tuple(int(v) for v in rng.integers(200, 256, 3))}


def _rotate(im: Image.Image, deg: float, crop: bool) -> Image.Image:
    r = im.rotate(deg, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=(0, 0, 0))
    if crop:
        return _crop(r, 0.06, 0.06, 0.06, 0.06).resize(im.size, Image.Resampling.BICUBIC)
    return r


def _sticker(im: Image.Image, spots=((0.72, 0.3, 0.09), (0.25, 0.7, 0.07))) -> Image.Image:
    out = im.copy()
    d = ImageDraw.Draw(out)
    w, h = out.size
    for cx, cy, r in spots:
        x, y, rr = w * cx, h * cy, max(w, h) * r
        d.ellipse((x - rr, y - rr, x + rr, y + rr), fill=(255, 210, 40), outline=(120, 80, 0), width=3)
        d.ellipse((x - rr * 0.45, y - rr * 0.3, x - rr * 0.15, y), fill=(40, 30, 20))
        d.ellipse((x + rr * 0.15, y - rr * 0.3, x + rr * 0.45, y), fill=(40, 30, 20))
        d.arc((x - rr * 0.5, y - rr * 0.2, x + rr * 0.5, y + rr * 0.6), 20, 160, fill=(40, 30, 20), width=4)
    return out


def _caption_overlay(im: Image.Image) -> Image.Image:
    out = im.copy()
    d = ImageDraw.Draw(out)
    w, h = out.size
    f = _font(max(12, h // 10))
    for text, y in (("WHEN YOU SEE IT", 0.03), ("NO CONTEXT NEEDED", 0.84)):
        tw = d.textlength(text, font=f)
        d.text(((w - tw) / 2, h * y), text, font=f, fill="white", stroke_width=max(2, h // 120), stroke_fill="black")
    return out


_CAPTIONS = [
    ("me explaining to my mum", "why this is so funny lol"),
    ("nobody:", "absolutely nobody:"),
    ("when the wifi comes back", "after 5 minutes"),
    ("POV: you just woke up", "and it's monday again"),
]


def _caption_bar(im: Image.Image, template: dict | None = None) -> Image.Image:
    t = template or caption_template(_rng(im, "caption"))
    w, h = im.size
    bar = round(h * t["bar"])
    canvas = Image.new("RGB", (w, h + bar), t["bg"])
    canvas.paste(im, (0, bar))
    d = ImageDraw.Draw(canvas)
    f = _font(max(10, bar // 4))
    d.text((w * 0.05, bar * 0.15), t["text"][0], font=f, fill=t["fg"])
    d.text((w * 0.05, bar * 0.55), t["text"][1], font=f, fill=t["fg"])
    return canvas


def caption_template(rng: np.random.Generator) -> dict:
    dark = bool(rng.random() < 0.3)
    return {
        "bar": float(rng.uniform(0.15, 0.3)),
        "bg": (20, 20, 20) if dark else (255, 255, 255),
        "fg": (240, 240, 240) if dark else (0, 0, 0),
        "text": _CAPTIONS[int(rng.integers(len(_CAPTIONS)))],
    }


def screenshot_template(rng: np.random.Generator, dark: bool) -> dict:
    """A social-app frame with random size, colours, margins and chrome (no single app's pixel geometry)."""
    W = int(rng.integers(400, 781))
    if dark:
        bg = tuple(int(v) for v in rng.integers(0, 30) + rng.integers(0, 6, 3))
        fg, mid = (int(rng.integers(215, 256)),) * 3, (int(rng.integers(45, 80)),) * 3
    else:
        bg = tuple(int(v) for v in rng.integers(238, 250) + rng.integers(0, 6, 3))
        fg, mid = (int(rng.integers(0, 40)),) * 3, (int(rng.integers(180, 220)),) * 3
    return {
        "size": (W, round(W * rng.uniform(1.9, 2.2))),
        "bg": bg,
        "fg": fg,
        "mid": mid,
        "status": int(rng.integers(30, 70)),  # status bar height
        "header": int(rng.integers(50, 110)),  # account row height
        "margin": int(rng.integers(0, 3)) * int(rng.integers(8, 24)),  # side margin around the photo
        "max_photo": float(rng.uniform(0.5, 0.65)),  # photo height limit, share of the screen
        "outline": bool(rng.random() < 0.4),  # a thin card outline around the post
        "lines": int(rng.integers(2, 6)),  # text lines under the photo
        "tabbar": bool(rng.random() < 0.7),
        "account": "".join(rng.choice(list("abcdefghijklmnopqrstuvwxyz_0123456789"), int(rng.integers(6, 18)))),
        "font": int(rng.integers(16, 26)),
    }


def _screenshot(im: Image.Image, dark: bool = False, template: dict | None = None) -> Image.Image:
    t = template or screenshot_template(_rng(im, f"screenshot{dark}"), dark)
    W, H = t["size"]
    bg, fg, mid = t["bg"], t["fg"], t["mid"]
    canvas = Image.new("RGB", (W, H), bg)
    d = ImageDraw.Draw(canvas)
    small, body = _font(t["font"] - 4), _font(t["font"])
    sb = t["status"]
    d.text((24, sb // 4), "9:41", font=small, fill=fg)
    d.rectangle((W - 70, sb // 4, W - 30, sb // 4 + 14), outline=fg, width=2)
    d.line((0, sb, W, sb), fill=mid)
    av = t["header"] - 16
    d.ellipse((16, sb + 8, 16 + av, sb + 8 + av), fill=(180, 120, 200))
    d.text((av + 28, sb + t["header"] // 2 - 10), t["account"], font=body, fill=fg)
    d.text((W - 50, sb + t["header"] // 2 - 14), "...", font=body, fill=fg)
    m = t["margin"]
    photo = _fit(im, W - 2 * m, round(H * t["max_photo"]))
    top = sb + t["header"]
    canvas.paste(photo, ((W - photo.width) // 2, top))
    y = top + photo.height + 14
    for i, x in enumerate((20, 70, 120)):
        d.ellipse((x, y, x + 30, y + 30), outline=fg, width=3) if i != 1 else d.rectangle(
            (x, y, x + 30, y + 26), outline=fg, width=3
        )
    texts = ["1,204 likes", f"{t['account']} look at this lmao #viral", "View all 87 comments", "2 hours ago"]
    texts += ["more text in a reply that goes on"]
    for k in range(t["lines"]):
        d.text((20, y + 44 + 28 * k), texts[k], font=body if k == 0 else small, fill=fg if k < 2 else (140, 140, 140))
    if t["outline"]:
        d.rounded_rectangle((6, sb + 2, W - 7, y + 44 + 28 * t["lines"]), radius=12, outline=mid, width=1)
    if t["tabbar"]:
        d.line((0, H - 70, W, H - 70), fill=mid)
        for x in range(40, W, 110):
            d.rectangle((x, H - 50, x + 28, H - 22), outline=fg, width=3)
    return canvas


def _combo(im: Image.Image) -> Image.Image:
    r = _crop(im, 0.05, 0.02, 0.03, 0.06)
    r = ImageEnhance.Brightness(r).enhance(1.15)
    r = r.resize((round(r.width * 0.7), round(r.height * 0.7)), Image.Resampling.BILINEAR)
    return _jpeg(r, 40)


#: Shared-frame negatives: one frame template, many different photos inside it. The chrome is identical,
#: the photos differ, so any match between them is a false match.
def _shared(make_template, apply):
    """rng -> edit: draw one frame template, then put any photo inside that same frame."""

    def bind(rng: np.random.Generator):
        t = make_template(rng)
        return lambda im: apply(im, t)

    return bind


SHARED_FRAMES = {
    "screenshot": _shared(lambda r: screenshot_template(r, False), lambda im, t: _screenshot(im, template=t)),
    "screenshot_dark": _shared(lambda r: screenshot_template(r, True), lambda im, t: _screenshot(im, True, t)),
    "story_solid": _shared(story_template, lambda im, t: _story(im, False, template=t)),
    "caption_bar": _shared(caption_template, lambda im, t: _caption_bar(im, template=t)),
    "border": _shared(border_template, lambda im, t: _border(im, template=t)),
}

#: name -> (group, function). "common" edits must reach recall ≥ 0.98, "hard" ones ≥ 0.90.
TRANSFORMS = {
    "jpeg_q50": ("common", lambda im: _jpeg(im, 50)),
    "jpeg_q30": ("common", lambda im: _jpeg(im, 30)),
    "resize_50": ("common", lambda im: im.resize((im.width // 2, im.height // 2), Image.Resampling.LANCZOS)),
    "brightness": ("common", lambda im: ImageEnhance.Brightness(im).enhance(1.3)),
    "contrast": ("common", lambda im: ImageEnhance.Contrast(im).enhance(0.7)),
    "colour": (
        "common",
        lambda im: Image.merge(
            "RGB",
            [
                c.point(lambda v, k=k: min(255, int(v * k)))
                for c, k in zip(ImageEnhance.Color(im).enhance(1.6).split(), (1.1, 1.0, 0.85), strict=False)
            ],
        ),
    ),
    "blur": ("common", lambda im: im.filter(ImageFilter.GaussianBlur(2))),
    "greyscale": ("common", lambda im: im.convert("L").convert("RGB")),
    "crop_10": ("hard", lambda im: _crop(im, 0.04, 0.07, 0.06, 0.03)),
    "crop_20": ("hard", lambda im: _crop(im, 0.12, 0.05, 0.08, 0.15)),
    "border": ("hard", _border),
    "story_blur": ("hard", lambda im: _story(im, True)),
    "story_solid": ("hard", lambda im: _story(im, False)),
    "letterbox": ("hard", _letterbox),
    "mirror": ("hard", lambda im: im.transpose(Image.Transpose.FLIP_LEFT_RIGHT)),
    "rotate_4": ("hard", lambda im: _rotate(im, 4, crop=False)),
    "rotate_3_crop": ("hard", lambda im: _rotate(im, -3, crop=True)),
    "sticker": ("hard", _sticker),
    "caption_overlay": ("hard", _caption_overlay),
    "caption_bar": ("hard", _caption_bar),
    "screenshot": ("hard", _screenshot),
    "screenshot_dark": ("hard", lambda im: _screenshot(im, dark=True)),
    "combo_crop_jpeg": ("hard", _combo),
}

#: Harder stickers and off-centre crops (``hash_robustness.py --stress``), kept out of ``TRANSFORMS`` so the
#: shipped figures and the tests that read them stay comparable from run to run.
STRESS_TRANSFORMS = {
    "sticker_large": ("stress", lambda im: _sticker(im, ((0.7, 0.35, 0.18), (0.3, 0.3, 0.18)))),
    "sticker_4": (
        "stress",
        lambda im: _sticker(im, ((0.3, 0.3, 0.12), (0.7, 0.35, 0.12), (0.35, 0.72, 0.12), (0.68, 0.7, 0.12))),
    ),
    "crop_corner_60": ("stress", lambda im: _crop(im, 0.0, 0.0, 0.4, 0.4)),
    "crop_side_40": ("stress", lambda im: _crop(im, 0.6, 0.1, 0.0, 0.1)),
    "crop_quarter": ("stress", lambda im: _crop(im, 0.5, 0.5, 0.0, 0.0)),
    "crop_offcentre_70": ("stress", lambda im: _crop(im, 0.3, 0.0, 0.0, 0.3)),
}

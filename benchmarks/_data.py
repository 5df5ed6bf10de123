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


def _story(im: Image.Image, blurred: bool) -> Image.Image:
    W, H = 720, 1280
    if blurred:
        bg = ImageOps.fit(im, (W, H), Image.Resampling.BILINEAR).filter(ImageFilter.GaussianBlur(30))
        bg = ImageEnhance.Brightness(bg).enhance(0.8)
    else:
        bg = Image.new("RGB", (W, H), (24, 24, 28))
    fg = _fit(im, W, H)
    bg.paste(fg, ((W - fg.width) // 2, (H - fg.height) // 2))
    return bg


def _letterbox(im: Image.Image) -> Image.Image:
    w, h = im.size
    if w >= h:  # wide picture in a 4:5 portrait frame: bars above and below
        W, H = w, round(w * 5 / 4)
    else:  # tall picture in a 16:9 frame: bars left and right
        H, W = h, round(h * 16 / 9)
    canvas = Image.new("RGB", (W, H), (0, 0, 0))
    canvas.paste(im, ((W - w) // 2, (H - h) // 2))
    return canvas


def _border(im: Image.Image) -> Image.Image:
    b = round(0.08 * max(im.size))
    return ImageOps.expand(im, border=b, fill=(250, 250, 245))


def _rotate(im: Image.Image, deg: float, crop: bool) -> Image.Image:
    r = im.rotate(deg, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=(0, 0, 0))
    if crop:
        return _crop(r, 0.06, 0.06, 0.06, 0.06).resize(im.size, Image.Resampling.BICUBIC)
    return r


def _sticker(im: Image.Image) -> Image.Image:
    out = im.copy()
    d = ImageDraw.Draw(out)
    w, h = out.size
    for cx, cy, r in ((0.72, 0.3, 0.09), (0.25, 0.7, 0.07)):
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


def _caption_bar(im: Image.Image) -> Image.Image:
    w, h = im.size
    bar = round(h * 0.22)
    canvas = Image.new("RGB", (w, h + bar), "white")
    canvas.paste(im, (0, bar))
    d = ImageDraw.Draw(canvas)
    f = _font(max(10, bar // 4))
    d.text((w * 0.05, bar * 0.15), "me explaining to my mum", font=f, fill="black")
    d.text((w * 0.05, bar * 0.55), "why this is so funny lol", font=f, fill="black")
    return canvas


def _screenshot(im: Image.Image, dark: bool = False) -> Image.Image:
    W, H = 540, 1170
    bg, fg, mid = (
        ((0, 0, 0), (245, 245, 245), (60, 60, 60)) if dark else ((255, 255, 255), (20, 20, 20), (200, 200, 200))
    )
    canvas = Image.new("RGB", (W, H), bg)
    d = ImageDraw.Draw(canvas)
    small, body = _font(18), _font(22)
    d.text((24, 12), "9:41", font=small, fill=fg)
    d.rectangle((W - 70, 16, W - 30, 30), outline=fg, width=2)
    d.line((0, 50, W, 50), fill=mid)
    d.ellipse((16, 64, 64, 112), fill=(180, 120, 200))
    d.text((76, 76), "some_account_2024", font=body, fill=fg)
    d.text((W - 50, 72), "...", font=body, fill=fg)
    photo = _fit(im, W, 700)
    top = 128
    canvas.paste(photo, ((W - photo.width) // 2, top))
    y = top + photo.height + 14
    for i, x in enumerate((20, 70, 120)):
        d.ellipse((x, y, x + 30, y + 30), outline=fg, width=3) if i != 1 else d.rectangle(
            (x, y, x + 30, y + 26), outline=fg, width=3
        )
    d.text((20, y + 44), "1,204 likes", font=body, fill=fg)
    d.text((20, y + 74), "some_account_2024 look at this lmao #viral", font=small, fill=fg)
    d.text((20, y + 100), "View all 87 comments", font=small, fill=(140, 140, 140))
    d.line((0, H - 70, W, H - 70), fill=mid)
    for x in range(40, W, 110):
        d.rectangle((x, H - 50, x + 28, H - 22), outline=fg, width=3)
    return canvas


def _combo(im: Image.Image) -> Image.Image:
    r = _crop(im, 0.05, 0.02, 0.03, 0.06)
    r = ImageEnhance.Brightness(r).enhance(1.15)
    r = r.resize((round(r.width * 0.7), round(r.height * 0.7)), Image.Resampling.BILINEAR)
    return _jpeg(r, 40)


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

"""Plain helpers for the tests: generated pictures, the intake walk, notice values, PDF text, waiting on the
worker. Fixtures live in the conftest files and call these; tests import them from here.

Every picture is generated (or one of scikit-image's bundled sample photos): never a real person's image.
"""

from __future__ import annotations

import io
import os
import re
import struct
import time
import zlib
from pathlib import Path

import numpy as np
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image, ImageDraw

try:
    import skimage.data as _skdata
except ImportError:  # pragma: no cover - scikit-image is a dev dependency
    _skdata = None

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
WORKER_LOG = ARTIFACTS / f"celery-worker{os.environ.get('PYTEST_XDIST_WORKER', '')}.log"


# --- generated pictures ------------------------------------------------------------------------------------


def make_photo_like(width: int = 640, height: int = 480, seed: int = 1, fmt: str = "JPEG", **save) -> bytes:
    """A generated, photograph-like image (smooth shapes + texture + noise), never a picture of a person."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    img = np.zeros((height, width, 3), np.float32)
    for channel in range(3):
        fx, fy = rng.uniform(0.002, 0.02, 2).tolist()
        phase = rng.uniform(0, 6.28)
        img[..., channel] = 128 + 90 * np.sin(x * fx + phase) * np.cos(y * fy + phase * 0.5)
    for _ in range(12):
        cx, cy = rng.uniform(0, width), rng.uniform(0, height)
        r = rng.uniform(0.05, 0.25) * min(width, height)
        mask = (x - cx) ** 2 + (y - cy) ** 2 < r**2
        img[mask] = img[mask] * 0.4 + rng.uniform(0, 255, 3) * 0.6
    img += rng.normal(0, 8, img.shape)
    out = io.BytesIO()
    image = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))
    if fmt == "JPEG":
        save.setdefault("quality", 90)
    image.save(out, fmt, **save)
    return out.getvalue()


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
    """A scikit-image sample photo by name (a synthetic one without scikit-image), or a synthetic one by seed."""
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


def jpeg(seed: int = 1, name: str = "photo.jpg", **kwargs) -> SimpleUploadedFile:
    """A generated picture as an upload."""
    return SimpleUploadedFile(name, make_photo_like(seed=seed, **kwargs), content_type="image/jpeg")


def png_header_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` × ``height`` pixels: a decompression bomb that is never allocated."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def stored_files(root) -> list:
    """Every file under a private-storage folder (the ``private_storage`` fixture's), sorted."""
    return sorted(p for p in Path(root).rglob("*") if p.is_file())


# --- the victim's intake, walked with the test client ------------------------------------------------------

THREE_URLS = (
    "https://www.reddit.com/r/example/comments/abc123/post/\n"
    "https://old.reddit.com/r/example/comments/def456/other/\n"
    "https://x.com/someone/status/1234567890"
)

DEFAULT_ANSWERS = {
    "who": {"filer_type": "self", "victim_name": "Sam Example"},
    "content": {"nature": "synthetic", "posted": "posted", "under_18": "no"},
    "contact": {"email": "sam@example.org", "phone": "", "contact_private": "on"},
    "statement": {
        "context": "Made with an app by a former partner.",
        "signature_name": "Sam Example",
        "attest_good_faith": "on",
        "attest_accuracy": "on",
        "jurisdiction": "US",
    },
}


def step_url(step: str) -> str:
    return reverse("takedowns:intake_step", args=[step])


def post_ok(client, url, data, **kwargs):
    response = client.post(url, data, **kwargs)
    assert response.status_code == 302, response.content.decode()[:3000]
    return response


def walk_intake(client, *, urls=THREE_URLS, images=(), keep=False, answers=None, handles=None, submit=True):
    """Fill every step with the test client; returns the response of the last POST (or the review page)."""
    answers = {k: dict(v) for k, v in {**DEFAULT_ANSWERS, **(answers or {})}.items()}
    post_ok(client, step_url("who"), answers["who"])
    post_ok(client, step_url("content"), answers["content"])
    if urls is not None:
        post_ok(client, step_url("where"), {"urls": urls, "action": "check"})
        data = {"urls": urls, "action": "continue"}
        data.update(handles or {})
        response = post_ok(client, step_url("where"), data)
        assert response["Location"] == step_url("images"), response["Location"]
    if answers["content"]["under_18"] == "no":
        data = {"action": "next"}
        if images:
            data["images"] = list(images)
        if keep:
            data["keep_as_evidence"] = "on"
        post_ok(client, step_url("images"), data)
    else:
        post_ok(client, step_url("images"), {"action": "next"})
    post_ok(client, step_url("contact"), answers["contact"])
    post_ok(client, step_url("statement"), answers["statement"])
    if not submit:
        return client.get(step_url("review"))
    return client.post(step_url("review"))


# --- notice content: the values every element of a test notice carries ------------------------------------

PDQ = "f8e1c3a5" * 8
MD5 = "0cc175b9c0f1b6a831c399e269772661"
PHASH = "c3d1e0f0a0b0c0d0"
SHA256 = "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb"
URLS = (
    "https://www.reddit.com/r/example/comments/abc123/a_post/",
    "https://www.reddit.com/r/example/comments/def456/another/",
    "https://www.reddit.com/user/someone/comments/ghi789/third/",
)
HANDLE = "u/uploader_account"

_TEXT_OP = re.compile(rb"\(((?:\\.|[^\\)])*)\)\s*Tj")
# Up to the newline before "endstream" only: a compressed stream may itself end in a carriage return (one in 256
# do), which "\r?\n" would cut off and leave the stream undecodable.
_STREAM = re.compile(rb"stream\r?\n(.*?)\nendstream", re.S)


def pdf_text(pdf: bytes) -> str:
    """The text drawn by core-font ``Tj`` operators, one line per operator (inflating streams if needed)."""
    chunks: list[bytes] = []
    for stream in _STREAM.findall(pdf):
        try:
            chunks.append(zlib.decompressobj().decompress(stream))  # a "\r" before "\nendstream" is left over
        except zlib.error:
            chunks.append(stream)
    lines = []
    for chunk in chunks:
        for raw in _TEXT_OP.findall(chunk):
            text = re.sub(rb"\\(.)", rb"\1", raw)
            lines.append(text.decode("cp1252", errors="replace"))
    return "\n".join(lines)


# --- the real worker of the integration tests --------------------------------------------------------------


def worker_database_url() -> str:
    """The URL of the test database this process uses, for the worker process to open the same one."""
    from django.db import connection

    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


def wait_for(predicate, *, timeout: float = 60.0, interval: float = 0.25, what: str = "condition"):
    """Poll ``predicate`` until it returns something truthy; on time-out, fail with the worker log's tail."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    tail = WORKER_LOG.read_text()[-3000:] if WORKER_LOG.exists() else "(no worker log)"
    raise AssertionError(f"Timed out after {timeout}s waiting for {what}. Worker log tail:\n{tail}")


def intake_state(client) -> dict:
    """The intake answers a browser's session holds (stored encrypted; read here as the view reads them)."""
    import json

    from takedowns.crypto import decrypt_bytes
    from takedowns.web.victim.intake import SESSION_KEY

    return json.loads(decrypt_bytes(client.session[SESSION_KEY].encode("ascii")))


def deliver_notifications() -> int:
    """Send every queued notification now, as the worker would (unit tests never run on_commit callbacks)."""
    from takedowns.models import Notification, NotificationStatus
    from takedowns.services.notifications import notification_send

    ids = list(Notification.objects.filter(status=NotificationStatus.PENDING).values_list("pk", flat=True))
    for pk in ids:
        notification_send(notification_id=pk)
    return len(ids)


# --- staff two-factor sign-in -------------------------------------------------------------------------------


def app_code(device) -> str:
    """The code an authenticator app shows now for a TOTP ``device``."""
    from django_otp.oath import totp

    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def enrol(user) -> tuple:
    """Give ``user`` a confirmed authenticator device, as the enrolment page does: (device, recovery codes)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from takedowns.services import two_factor

    device = two_factor.totp_device_start(user=user)
    codes = two_factor.totp_device_confirm(user=user, device_id=device.pk, code=app_code(device))
    # A code is accepted once (replay protection); the sign-in in the same 30 s may use the same one again.
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
    device.refresh_from_db()
    return device, codes


# --- API tokens ---------------------------------------------------------------------------------------------


def api_token(user) -> str:
    """A new API token for ``user`` (only its hash is stored, so a test keeps the one it was given)."""
    from takedowns.services.api_tokens import api_token_create

    return api_token_create(user=user)


# --- a generated gallery site (discovery) ------------------------------------------------------------------


def edited_copies(reference: bytes) -> list[bytes]:
    """Five edits of a reference as a gallery would show it: re-encoded, resized, cropped, mirrored, in an app
    frame (a header and a footer bar with generic chrome around the photo)."""
    im = Image.open(io.BytesIO(reference)).convert("RGB")
    w, h = im.size

    def enc(x: Image.Image, q: int = 80) -> bytes:
        out = io.BytesIO()
        x.save(out, "JPEG", quality=q)
        return out.getvalue()

    frame = Image.new("RGB", (w // 2 + 40, h // 2 + 180), (250, 250, 250))
    frame.paste(im.resize((w // 2, h // 2)), (20, 90))
    draw = ImageDraw.Draw(frame)
    draw.rectangle((0, 0, frame.width, 60), fill=(30, 30, 40))
    draw.ellipse((10, 10, 50, 50), fill=(200, 80, 80))
    draw.rectangle((60, 20, 200, 36), fill=(120, 120, 130))
    draw.rectangle((0, frame.height - 50, frame.width, frame.height), fill=(235, 235, 240))
    return [
        enc(im, 55),
        enc(im.resize((int(w * 0.55), int(h * 0.55)))),
        enc(im.crop((int(w * 0.04), int(h * 0.04), int(w * 0.96), int(h * 0.96)))),
        enc(im.transpose(Image.Transpose.FLIP_LEFT_RIGHT)),
        enc(frame),
    ]


def hard_edited_copies(reference: bytes) -> dict[str, bytes]:
    """Three edits that defeat whole-picture hashes but not keypoints: an off-centre crop (12 % off the left,
    10 % off the top, a little off the others), a 7 % crop from every side, and a 3° turn trimmed of its blank
    corners and scaled back to the original size."""
    im = Image.open(io.BytesIO(reference)).convert("RGB")
    w, h = im.size

    def enc(x: Image.Image, q: int = 80) -> bytes:
        out = io.BytesIO()
        x.save(out, "JPEG", quality=q)
        return out.getvalue()

    turned = im.rotate(-3, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=(0, 0, 0))
    return {
        "off-centre crop": enc(im.crop((int(w * 0.12), int(h * 0.10), int(w * 0.98), int(h * 0.97)))),
        "7 % crop": enc(im.crop((int(w * 0.07), int(h * 0.07), int(w * 0.93), int(h * 0.93)))),
        "3° rotation": enc(
            turned.crop((int(w * 0.06), int(h * 0.06), int(w * 0.94), int(h * 0.94))).resize((w, h)), 85
        ),
    }


def serve_gallery(server, *, pages: int, images: int, planted: list[bytes], seed: int = 500, base: str = "") -> dict:
    """Serve a gallery on ``server``: ``/gallery/`` links to every tenth page, each page ``/g/<n>`` links to
    the next two and shows its share of ``images`` pictures (``planted`` among them, spread out), plus a
    robots.txt that forbids ``/private/`` (linked from every page, never to be fetched). Returns
    {"start": url, "planted_urls": [...]}; ``base`` names the site (a public-looking host the test resolves to
    the server) instead of the server's own address."""
    base = base or server.base
    per_page = max(1, images // pages)
    planted_at = {round(i * images / max(len(planted), 1)) + 3: data for i, data in enumerate(planted)}
    planted_urls = []
    n = 0
    for p in range(pages):
        tags = []
        for _ in range(per_page):
            path = f"/img/{n}.jpg"
            if n in planted_at:
                server.image(path, planted_at[n])
                planted_urls.append(base + path)
            else:
                server.image(path, make_photo_like(200, 150, seed=seed + n, quality=80))
            tags.append(f'<img src="{path}" alt="">')
            n += 1
        links = "".join(f'<a href="/g/{q}">next</a>' for q in (p + 1, p + 2) if q < pages)
        server.page(f"/g/{p}", f"<html><body>{''.join(tags)}{links}<a href='/private/x'>x</a></body></html>")
    index = "".join(f'<a href="/g/{p}">page {p}</a>' for p in range(0, pages, 10))
    server.page("/gallery/", f"<html><body>{index}</body></html>")
    server.page("/private/x", "<html><body>secret</body></html>")
    server.routes["/robots.txt"] = type(server.routes["/gallery/"])(
        body=b"User-agent: *\nDisallow: /private/\n", content_type="text/plain"
    )
    return {"start": base + "/gallery/", "planted_urls": planted_urls}

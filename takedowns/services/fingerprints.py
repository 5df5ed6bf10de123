"""Fingerprint records made on the victim's own device: the one strict check, shared by the web pages and the API.

A record is what ``static/recourse/js/fingerprint.js`` (and ``python -m hashing hash``) produce: the exchange
hashes, the picture's dimensions and format, and the variants the matcher uses. Nothing in it can be checked
against a picture (there is none here), so everything that can be checked is: each hash's exact length and
alphabet (taken from ``hashing``'s hash types, never written twice), PDQ quality 0-100, dimensions within the
decoder's own pixel budget, a known format, the scale the hashes were computed at (``decode_scale``, when given:
it follows from the format and size), the variants' names and shape, and no key that is not part of the record.
Every refusal names the field, so a client's developer and a victim's page can both say what is wrong.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

import hashing
from hashing.decode import DEFAULT_LIMITS

#: The formats ``hashing.decode`` reports (its allow-list), as ``format`` must name them.
KNOWN_FORMATS = ("JPEG", "PNG", "GIF", "WEBP", "HEIF", "AVIF")
#: The variants the matcher reads (``hashing.matcher._ref_slot_hashes``); each at most once.
VARIANT_NAMES = ("mirror", "trimmed", "trimmed-mirror")
DIGESTS = {"sha256": 64, "md5": 32}
REQUIRED = ("sha256", "md5", "phash", "dhash", "whash", "pdq", "pdq_quality", "width", "height", "format")
OPTIONAL = ("frames", "animated", "variants", "computed_on", "version", "decode_scale")
ALLOWED = frozenset(REQUIRED + OPTIONAL)
VARIANT_KEYS = frozenset(("name", "phash", "dhash", "pdq", "box"))
#: A hidden form field or JSON body holding ten records with their variants is about 6 KB; this bounds parsing.
MAX_JSON_BYTES = 64 * 1024


class FingerprintError(ValueError):
    """One refused record or field. ``field`` is a dotted path such as ``fingerprints[1].variants[0].pdq``."""

    def __init__(self, field: str, message: str, *, code: str = "invalid") -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
        self.code = code  # "too_many" for the count, the one refusal a person can act on directly


@dataclass(frozen=True)
class DeviceFingerprint:
    """A checked record: ``record`` is the ``hashing.ImageHashes`` dict form (canonical lower-case hex)."""

    record: dict[str, Any]

    @property
    def hashes(self) -> hashing.ImageHashes:
        return hashing.ImageHashes.from_dict(self.record)


def _hex(field: str, value: Any, length: int) -> str:
    if not isinstance(value, str):
        raise FingerprintError(field, _("must be a string of %(n)s hexadecimal characters.") % {"n": length})
    canon = value.strip().lower()
    if len(canon) != length or any(c not in "0123456789abcdef" for c in canon):
        raise FingerprintError(field, _("must be exactly %(n)s hexadecimal characters (0-9, a-f).") % {"n": length})
    return canon


def _int(field: str, value: Any, low: int, high: int) -> int:
    # A JSON true is an int in Python; a fingerprint's numbers never are booleans.
    if isinstance(value, bool) or not isinstance(value, int):
        raise FingerprintError(field, _("must be a whole number."))
    if not low <= value <= high:
        raise FingerprintError(field, _("must be between %(low)s and %(high)s.") % {"low": low, "high": high})
    return value


def _unknown(field: str, keys, allowed) -> None:
    extra = sorted(str(k) for k in keys if k not in allowed)
    if extra:
        name = f"{field}.{extra[0]}" if field else extra[0]
        raise FingerprintError(name, _("is not part of a fingerprint record; remove it."))


def _variant(field: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise FingerprintError(field, _("must be an object with name, phash, dhash and pdq."))
    _unknown(field, value.keys(), VARIANT_KEYS)
    name = value.get("name")
    if name not in VARIANT_NAMES:
        raise FingerprintError(f"{field}.name", _("must be one of: %(names)s.") % {"names": ", ".join(VARIANT_NAMES)})
    out: dict[str, Any] = {"name": name}
    for key in ("phash", "dhash", "pdq"):
        if key not in value:
            raise FingerprintError(f"{field}.{key}", _("is missing."))
        out[key] = _hex(f"{field}.{key}", value[key], hashing.HASH_TYPES[key].hex_length)
    box = value.get("box")
    if name.startswith("trimmed") and box is None:
        raise FingerprintError(f"{field}.box", _("is needed for a trimmed variant."))
    if box is not None:
        if (
            not isinstance(box, list)
            or len(box) != 4
            or not all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in box)
            or not (0 <= box[0] < box[2] <= 1 and 0 <= box[1] < box[3] <= 1)
        ):
            raise FingerprintError(
                f"{field}.box", _("must be four numbers x0, y0, x1, y1 between 0 and 1, with x0 < x1 and y0 < y1.")
            )
        out["box"] = [float(v) for v in box]
    return out


def fingerprint_check(*, value: Any, field: str = "fingerprints[0]") -> DeviceFingerprint:
    """Check one record strictly; return it in the form the matcher stores. Raises ``FingerprintError``."""
    if not isinstance(value, dict):
        raise FingerprintError(field, _("must be an object (one fingerprint record)."))
    _unknown(field, value.keys(), ALLOWED)
    for key in REQUIRED:
        if key not in value:
            raise FingerprintError(f"{field}.{key}", _("is missing."))
    record: dict[str, Any] = {"version": 1}
    for key, length in DIGESTS.items():
        record[key] = _hex(f"{field}.{key}", value[key], length)
    for key, kind in hashing.HASH_TYPES.items():
        record[key] = _hex(f"{field}.{key}", value[key], kind.hex_length)
    record["pdq_quality"] = _int(f"{field}.pdq_quality", value["pdq_quality"], 0, 100)
    limit = DEFAULT_LIMITS.max_pixels
    width = _int(f"{field}.width", value["width"], 1, limit)
    height = _int(f"{field}.height", value["height"], 1, limit)
    if width * height > limit:
        raise FingerprintError(
            f"{field}.width",
            _("%(w)s × %(h)s pixels is more than the %(limit)s the server itself would open.")
            % {"w": width, "h": height, "limit": f"{limit:,}"},
        )
    record["width"], record["height"] = width, height
    fmt = value["format"]
    if not isinstance(fmt, str) or fmt.upper() not in KNOWN_FORMATS:
        raise FingerprintError(f"{field}.format", _("must be one of: %(names)s.") % {"names": ", ".join(KNOWN_FORMATS)})
    record["format"] = fmt.upper()
    frames = _int(f"{field}.frames", value.get("frames", 1), 1, DEFAULT_LIMITS.max_frames)
    record["frames"] = frames
    animated = value.get("animated", frames > 1)
    if not isinstance(animated, bool) or animated != (frames > 1):
        raise FingerprintError(f"{field}.animated", _("must be true exactly when frames is more than 1."))
    record["animated"] = animated
    if value.get("computed_on", "device") != "device":
        raise FingerprintError(f"{field}.computed_on", _("must be “device” (the server makes its own fingerprints)."))
    if "version" in value and value["version"] != 1:
        raise FingerprintError(f"{field}.version", _("must be 1."))
    # The scale the hashes were computed at follows from the format and size alone (JPEG draft decoding, the
    # decoder's reduction above 4 MP, the hashing reduction). A record that states another one was not made the
    # way the server makes it (an out-of-date page, another tool), so its hashes would not be the server's.
    expected = hashing.expected_decode_scale(record["format"], width, height)
    if "decode_scale" in value:
        stated = _int(f"{field}.decode_scale", value["decode_scale"], 1, 8)
        if stated != expected:
            raise FingerprintError(
                f"{field}.decode_scale",
                _(
                    "is %(stated)s, but the server hashes a %(format)s picture of this size at 1/%(expected)s: "
                    "the fingerprint was not made the way the server makes it. Reload the page and add the "
                    "picture again."
                )
                % {"stated": stated, "expected": expected, "format": record["format"]},
            )
    record["decode_scale"] = expected
    variants = value.get("variants", [])
    if not isinstance(variants, list) or len(variants) > len(VARIANT_NAMES):
        raise FingerprintError(
            f"{field}.variants", _("must be a list of at most %(n)s variants.") % {"n": len(VARIANT_NAMES)}
        )
    checked = [_variant(f"{field}.variants[{i}]", v) for i, v in enumerate(variants)]
    names = [v["name"] for v in checked]
    if len(set(names)) != len(names):
        raise FingerprintError(f"{field}.variants", _("names each variant at most once."))
    record["variants"] = checked
    return DeviceFingerprint(record=record)


def fingerprints_check(*, value: Any, existing: int = 0, field: str = "fingerprints") -> list[DeviceFingerprint]:
    """Check a list of records (or its JSON text, as a form's hidden field sends it) against the case's room
    for pictures. Raises ``FingerprintError`` for the first problem found."""
    if isinstance(value, str | bytes):
        if len(value) > MAX_JSON_BYTES:
            raise FingerprintError(field, _("is too long."))
        if not value.strip():
            return []
        try:
            value = json.loads(value)
        except ValueError:
            raise FingerprintError(field, _("is not valid JSON.")) from None
    if not isinstance(value, list):
        raise FingerprintError(field, _("must be a list of fingerprint records."))
    room = settings.IMAGE_MAX_PER_CASE - existing
    if len(value) > room:
        raise FingerprintError(
            field,
            _("holds %(given)s records but only %(room)s more fit (one case holds up to %(max)s pictures).")
            % {"given": len(value), "room": max(room, 0), "max": settings.IMAGE_MAX_PER_CASE},
            code="too_many",
        )
    checked = [fingerprint_check(value=item, field=f"{field}[{i}]") for i, item in enumerate(value)]
    seen: set[str] = set()
    for i, item in enumerate(checked):
        if item.record["sha256"] in seen:
            raise FingerprintError(f"{field}[{i}].sha256", _("repeats an earlier record: the same picture twice."))
        seen.add(item.record["sha256"])
    return checked

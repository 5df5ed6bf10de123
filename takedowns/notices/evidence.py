"""Match evidence in words: one short summary for the case page and the API, and the supporting-evidence
lines a notice carries under a URL.

The wording states only what the portal observed (when it fetched the address, which reference image the
picture matched, by which hash stage and at what distance). It makes no legal claim: the legal basis is the
notice's own text. Only a positive match goes into a notice; "no match" (the content may be behind a login)
and "could not check" are for the advocate, and never block or weaken a notice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

_STAGES = {
    "exact": lambda: _("byte-for-byte identical file"),
    "hash": lambda: _("perceptual hashes"),
    "hash-trimmed": lambda: _("perceptual hashes, after removing added borders or padding"),
    "hash-mirrored": lambda: _("perceptual hashes of the mirror image"),
    "keypoints": lambda: _("matching image details"),
}


Evidence = Mapping[str, Any] | Iterable[tuple[str, Any]] | None


def evidence_summary(evidence: Evidence) -> str:
    """In words: "matches reference image 2 (PDQ distance 12)", "no match found", "could not check: ..."."""
    evidence = dict(evidence or {})
    status = evidence.get("status")
    if status == "match":
        number = evidence.get("reference_number") or "?"
        if evidence.get("stage") == "exact":
            return _("Matches reference image %(number)s (identical file)") % {"number": number}
        return _("Matches reference image %(number)s (PDQ distance %(distance)s)") % {
            "number": number,
            "distance": evidence.get("pdq_distance"),
        }
    if status == "no_match":
        return _("No match found")
    if status == "gone":
        return _("Not found at this address: %(reason)s") % {"reason": evidence.get("reason", "")}
    if status == "error":
        return _("Could not check: %(reason)s") % {"reason": evidence.get("reason", "")}
    return ""


def evidence_lines(evidence: Evidence) -> list[str]:
    """The supporting-evidence lines for one URL in a notice (empty unless the portal found a match).
    ``evidence`` is the stored dict or its (key, value) pairs."""
    evidence = dict(evidence or {})
    if evidence.get("status") != "match":
        return []
    try:
        when = datetime.fromisoformat(evidence["checked_at"]).strftime("%Y-%m-%d %H:%M UTC")
    except (KeyError, TypeError, ValueError):
        when = ""
    stage = _STAGES.get(evidence.get("stage", ""), lambda: evidence.get("stage", ""))()
    values = {
        "when": when,
        "number": evidence.get("reference_number") or "?",
        "distance": evidence.get("pdq_distance"),
        "stage": stage,
    }
    if evidence.get("stage") == "exact":
        line = _(
            "Supporting evidence: when the portal fetched this address on %(when)s, it served a file identical to "
            "reference image %(number)s."
        )
    else:
        line = _(
            "Supporting evidence: when the portal fetched this address on %(when)s, it served a picture matching "
            "reference image %(number)s (%(stage)s; PDQ distance %(distance)s of 256)."
        )
    return [line % values]
